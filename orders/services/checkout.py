"""Placing an order: one atomic act from a cart to an order with one fulfilment per seller.

See docs/adr/0004-order-placement.md for the locks, the idempotency key and the tenders.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.phone import normalize_phone
from catalog.enums import ProductKind
from catalog.exceptions import ProductNotFound
from catalog.models import Category, Product
from catalog.services.stock import lock_products, take_stock_for_lines
from orders import payments
from orders.enums import DeliveryMethod, EventType, FulfilmentStatus
from orders.exceptions import (
    AddressInvalid,
    CartEmpty,
    CartNotYours,
    CheckoutKeyInvalid,
    DeliveryUnavailable,
    NotAllowedToOrderFor,
    ProductUnavailable,
)
from orders.models import Cart, CartLine, Fulfilment, FulfilmentEvent, Order, OrderLine, Payment
from orders.notifications import notify_order_placed
from orders.services.cart import places_taken, validate_quantity_available
from orders.services.delivery import DeliveryOption, delivery_settings_for, options_from_settings
from villages.models import Seller, Village
from villages.tenancy import scope_for

# No 0/O, 1/I/L: a number read out over the phone is not misheard.
NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
NUMBER_PREFIX = "PD"
NUMBER_LENGTH = 8
_NUMBER_ATTEMPTS = 5
_RT_RW = re.compile(r"^[0-9]{1,3}$")
STOCK_REASON = "Pesanan %(number)s"  # data, in the villages' language, like "Stok awal"


@dataclass(frozen=True)
class Address:
    """Where and to whom the order goes."""

    delivery_village: Village
    recipient_name: str
    phone: str
    dusun: str = ""
    rt: str = ""
    rw: str = ""
    notes: str = ""


class _DuplicateCheckout(Exception):
    """Another transaction placed this checkout first; ours rolls back and returns it."""


def new_order_number() -> str:
    """``PD`` and 8 characters of an unambiguous alphabet (31^8 ≈ 8.5e11 numbers)."""
    return NUMBER_PREFIX + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(NUMBER_LENGTH))


def validate_address(address: Address) -> Address:
    """The address with its phone in ``+62…`` form and its text trimmed.

    Raises ``AddressInvalid`` naming the field (``extra['field']``).
    """
    if not isinstance(address.delivery_village, Village) or address.delivery_village.pk is None:
        raise AddressInvalid(_("Choose the village to deliver to."), field="delivery_village")
    name = (address.recipient_name or "").strip()
    if not name:
        raise AddressInvalid(_("Enter the name of the recipient."), field="recipient_name")
    if len(name) > 150:
        raise AddressInvalid(
            _("The name is too long (at most 150 characters)."), field="recipient_name"
        )
    try:
        phone = normalize_phone(address.phone)
    except ValidationError as error:
        raise AddressInvalid(error.messages[0], field="phone") from error
    rt, rw = (address.rt or "").strip(), (address.rw or "").strip()
    for field, value in (("rt", rt), ("rw", rw)):
        if value and not _RT_RW.match(value):
            raise AddressInvalid(_("RT and RW are numbers of up to 3 digits."), field=field)
    dusun, notes = (address.dusun or "").strip(), (address.notes or "").strip()
    if len(dusun) > 100:
        raise AddressInvalid(_("The hamlet is too long (at most 100 characters)."), field="dusun")
    if len(notes) > 300:
        raise AddressInvalid(_("The notes are too long (at most 300 characters)."), field="notes")
    return Address(
        delivery_village=address.delivery_village,
        recipient_name=name,
        phone=phone,
        dusun=dusun,
        rt=rt,
        rw=rw,
        notes=notes,
    )


def validate_placed_by(*, buyer: Any, placed_by: Any, seller_ids: Sequence[int]) -> None:
    """An assisted order: ``placed_by`` must manage every seller in the cart.

    That is a BUMDes admin of the sellers' village, or staff of the one seller, taking an
    order at the counter or by phone. Raises ``NotAllowedToOrderFor``.
    """
    if not getattr(buyer, "is_active", False):
        raise NotAllowedToOrderFor()
    scope = scope_for(placed_by)
    if scope.is_anonymous:
        raise NotAllowedToOrderFor()
    villages = dict(Seller.objects.filter(pk__in=seller_ids).values_list("pk", "village_id"))
    for seller_id in seller_ids:
        if not scope.can_manage_seller(seller_id=seller_id, village_id=villages[seller_id]):
            raise NotAllowedToOrderFor()


def place_order(
    *,
    buyer: Any,
    cart: Cart,
    address: Address,
    delivery_choices: Mapping[int, str],
    tenders: Sequence[payments.Tender],
    idempotency_key: str,
    placed_by: Any = None,
) -> Order:
    """Turn ``cart`` into an order of ``buyer``: all of it, or nothing.

    Idempotent per (buyer, ``idempotency_key``): an order already placed with the key is
    returned as it is, whatever else is passed. Otherwise prices and delivery fees are read
    from the database, stock (and tour places) is taken under product row locks taken in
    primary-key order, and the order, one fulfilment per seller (status placed), its lines,
    payments and a "placed" event each are written; the cart is emptied. The seller hears
    of it after commit.

    ``delivery_choices`` maps each seller id in the cart to a ``DeliveryMethod``;
    ``tenders`` is the ordered list of ``(method, argument)`` paying each fulfilment
    (``orders.payments``). ``placed_by``, when someone else than the buyer, must manage
    every seller of the cart (``validate_placed_by``); the cart is then theirs.

    Raises ``CheckoutKeyInvalid``, ``CartNotYours``, ``NotAllowedToOrderFor``,
    ``AddressInvalid``, ``CartEmpty``, ``ProductUnavailable``, ``InsufficientStock``
    (``out_of_stock``, naming the product), ``TourFull``, ``DeliveryUnavailable``,
    ``TendersInvalid``; then nothing is written and the cart is unchanged. Must not run
    inside another transaction (durable).
    """
    key = (idempotency_key or "").strip()
    if not key or len(key) > 64:
        raise CheckoutKeyInvalid()
    existing = Order.objects.filter(buyer=buyer, idempotency_key=key).first()
    if existing is not None:
        return existing
    assisted = placed_by is not None and placed_by.pk != buyer.pk
    cart_owner = placed_by if assisted else buyer
    if cart.user_id is None or cart.user_id != cart_owner.pk:
        raise CartNotYours()
    address = validate_address(address)
    payments.validate_tenders(tenders, buyer=buyer)
    try:
        order = _place(
            buyer=buyer,
            actor=placed_by if assisted else buyer,
            placed_by=placed_by if assisted else None,
            cart=cart,
            address=address,
            delivery_choices=delivery_choices,
            tenders=tenders,
            key=key,
        )
    except _DuplicateCheckout:
        return Order.objects.get(buyer=buyer, idempotency_key=key)
    return order


@transaction.atomic(durable=True)
def _place(
    *,
    buyer: Any,
    actor: Any,
    placed_by: Any,
    cart: Cart,
    address: Address,
    delivery_choices: Mapping[int, str],
    tenders: Sequence[payments.Tender],
    key: str,
) -> Order:
    # The cart row first: a double submit of one cart queues here, and then finds the
    # order the first one placed. Products are locked after it, always in this order.
    Cart.objects.select_for_update().filter(pk=cart.pk).first()
    if Order.objects.filter(buyer=buyer, idempotency_key=key).exists():
        raise _DuplicateCheckout()
    cart_lines = list(CartLine.objects.filter(cart_id=cart.pk).order_by("pk"))
    if not cart_lines:
        raise CartEmpty()
    if placed_by is not None:
        seller_ids = sorted(
            set(
                Product.objects.filter(pk__in=[line.product_id for line in cart_lines]).values_list(
                    "seller_id", flat=True
                )
            )
        )
        validate_placed_by(buyer=buyer, placed_by=placed_by, seller_ids=seller_ids)

    products = lock_products(line.product_id for line in cart_lines)
    sellers = Seller.objects.select_related("village").in_bulk(
        {product.seller_id for product in products.values()}
    )
    categories = Category.objects.in_bulk({product.category_id for product in products.values()})
    _validate_on_sale(cart_lines, products, sellers)
    _validate_tour_places(cart_lines, products)
    by_seller: dict[int, list[CartLine]] = {}
    for line in cart_lines:
        by_seller.setdefault(products[line.product_id].seller_id, []).append(line)
    chosen = _chosen_delivery(
        sellers=[sellers[seller_id] for seller_id in sorted(by_seller)],
        delivery_village=address.delivery_village,
        delivery_choices=delivery_choices,
    )
    drafts = [
        payments.FulfilmentDraft(
            seller_id=seller_id,
            village_id=sellers[seller_id].village_id,
            goods_total=sum(products[line.product_id].price * line.quantity for line in lines),
            delivery_fee=chosen[seller_id].fee,
            lines=tuple(
                payments.LineDraft(
                    product_id=line.product_id,
                    category_id=products[line.product_id].category_id,
                    is_staple=categories[products[line.product_id].category_id].is_staple,
                    line_total=products[line.product_id].price * line.quantity,
                )
                for line in lines
            ),
        )
        for seller_id, lines in sorted(by_seller.items())
    ]
    allocations = payments.allocate_tenders(drafts, tenders, buyer=buyer)

    order = _create_order(buyer=buyer, placed_by=placed_by, address=address, key=key, drafts=drafts)
    take_stock_for_lines(
        lines=[(line.product_id, line.quantity) for line in cart_lines],
        actor=actor,
        reason=STOCK_REASON % {"number": order.number},
    )
    now = timezone.now()
    fulfilments = Fulfilment.objects.bulk_create(
        [
            Fulfilment(
                order=order,
                seller_id=draft.seller_id,
                village_id=draft.village_id,
                status=FulfilmentStatus.PLACED,
                delivery_method=chosen[draft.seller_id].method,
                delivery_fee=draft.delivery_fee,
                goods_total=draft.goods_total,
                total=draft.total,
                status_changed_at=now,
            )
            for draft in drafts
        ]
    )
    order_lines = []
    for fulfilment in fulfilments:
        for line in by_seller[fulfilment.seller_id]:
            product = products[line.product_id]
            order_lines.append(
                OrderLine(
                    fulfilment=fulfilment,
                    product=product,
                    product_name=product.name,
                    unit=product.unit,
                    category_id=product.category_id,
                    is_staple=categories[product.category_id].is_staple,
                    unit_price=product.price,
                    quantity=line.quantity,
                    line_total=product.price * line.quantity,
                )
            )
    OrderLine.objects.bulk_create(order_lines)
    _create_payments(fulfilments, allocations)
    FulfilmentEvent.objects.bulk_create(
        [
            FulfilmentEvent(
                fulfilment=fulfilment,
                type=EventType.STATUS_CHANGED,
                to_status=FulfilmentStatus.PLACED,
                actor=actor,
                details={"assisted": placed_by is not None} if placed_by is not None else {},
            )
            for fulfilment in fulfilments
        ]
    )
    CartLine.objects.filter(cart_id=cart.pk).delete()
    notify_order_placed(order.pk)  # sent once this transaction commits
    return order


def _validate_on_sale(
    cart_lines: Sequence[CartLine], products: Mapping[int, Product], sellers: Mapping[int, Seller]
) -> None:
    for line in cart_lines:
        product = products.get(line.product_id)
        if product is None:
            raise ProductNotFound()
        if not product.is_active or not sellers[product.seller_id].is_active:
            raise ProductUnavailable(product_id=product.pk, name=product.name)


def _validate_tour_places(cart_lines: Sequence[CartLine], products: Mapping[int, Product]) -> None:
    """Tours: places left = capacity - places held by orders not cancelled.

    Exact because the tours' rows are locked (``lock_products``): a concurrent checkout of
    the same tour waits, and counts our order once we commit.
    """
    tours = [line for line in cart_lines if products[line.product_id].kind == ProductKind.TOUR]
    if not tours:
        return
    taken = places_taken(line.product_id for line in tours)
    for line in sorted(tours, key=lambda line: line.product_id):
        validate_quantity_available(
            products[line.product_id], line.quantity, taken=taken.get(line.product_id, 0)
        )


def _chosen_delivery(
    *, sellers: Sequence[Seller], delivery_village: Village, delivery_choices: Mapping[int, str]
) -> dict[int, DeliveryOption]:
    settings = delivery_settings_for(seller.pk for seller in sellers)
    chosen: dict[int, DeliveryOption] = {}
    for seller in sellers:
        wanted = delivery_choices.get(seller.pk)
        offered = options_from_settings(
            settings[seller.pk], seller_village=seller.village, delivery_village=delivery_village
        )
        match = next((option for option in offered if option.method == wanted), None)
        if wanted not in DeliveryMethod.values or match is None:
            raise DeliveryUnavailable(seller_id=seller.pk, seller_name=seller.name, method=wanted)
        chosen[seller.pk] = match
    return chosen


def _create_order(
    *,
    buyer: Any,
    placed_by: Any,
    address: Address,
    key: str,
    drafts: Sequence[payments.FulfilmentDraft],
) -> Order:
    goods_total = sum(draft.goods_total for draft in drafts)
    delivery_total = sum(draft.delivery_fee for draft in drafts)
    for attempt in range(_NUMBER_ATTEMPTS):
        try:
            with transaction.atomic():
                return Order.objects.create(
                    number=new_order_number(),
                    buyer=buyer,
                    placed_by=placed_by,
                    idempotency_key=key,
                    recipient_name=address.recipient_name,
                    contact_phone=address.phone,
                    delivery_village=address.delivery_village,
                    dusun=address.dusun,
                    rt=address.rt,
                    rw=address.rw,
                    address_notes=address.notes,
                    goods_total=goods_total,
                    delivery_total=delivery_total,
                    total=goods_total + delivery_total,
                )
        except IntegrityError:
            # A concurrent checkout with the same key committed first (the insert waited
            # for it), or the number was taken: tell them apart by looking.
            if Order.objects.filter(buyer=buyer, idempotency_key=key).exists():
                raise _DuplicateCheckout() from None
            if attempt == _NUMBER_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _create_payments(
    fulfilments: Sequence[Fulfilment], allocations: Sequence[Sequence[payments.Allocation]]
) -> None:
    for fulfilment, allocated in zip(fulfilments, allocations, strict=True):
        for allocation in allocated:
            handler = payments.handler_for(allocation.method)
            payment = Payment.objects.create(
                fulfilment=fulfilment,
                method=allocation.method,
                amount=allocation.amount,
                status=handler.initial_status,
            )
            handler.open(payment, argument=allocation.argument)
