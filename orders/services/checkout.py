"""Placing an order: one atomic act from a cart to an order with one fulfilment per seller.

See docs/adr/0004-order-placement.md for the locks, the idempotency key and the tenders.
"""

from __future__ import annotations

import contextlib
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.phone import normalize_phone
from catalog.enums import ProductKind
from catalog.exceptions import ProductNotFound
from catalog.models import Product
from catalog.services.stock import take_stock_for_lines
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
from orders.models import (
    Cart,
    CartLine,
    Fulfilment,
    FulfilmentEvent,
    Order,
    OrderLine,
    Payment,
    SellerDelivery,
)
from orders.notifications import attach_prefetched, notify_order_placed
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
    """This checkout was placed before; ours rolls back and returns that order."""

    def __init__(self, order: Order) -> None:
        super().__init__(order.number)
        self.order = order


class _OrderCollided(IntegrityError):
    """The order's insert hit ``order_once_per_checkout`` or a taken number."""


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


@dataclass(frozen=True)
class Placement:
    """What a checkout did: the order, and whether this call placed it (False: a repeat)."""

    order: Order
    created: bool


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

    As ``place_order_or_find``, returning only the order.
    """
    return place_order_or_find(
        buyer=buyer,
        cart=cart,
        address=address,
        delivery_choices=delivery_choices,
        tenders=tenders,
        idempotency_key=idempotency_key,
        placed_by=placed_by,
    ).order


def place_order_or_find(
    *,
    buyer: Any,
    cart: Cart | None,
    address: Address,
    delivery_choices: Mapping[int, str],
    tenders: Sequence[payments.Tender],
    idempotency_key: str,
    placed_by: Any = None,
) -> Placement:
    """Turn ``cart`` into an order of ``buyer``: all of it, or nothing.

    Idempotent per (buyer, ``idempotency_key``): an order already placed with the key is
    returned as it is (``created`` False), whatever else is passed. Otherwise prices and
    delivery fees are read from the database, stock (and tour places) is taken under
    product row locks taken in primary-key order, and the order, one fulfilment per seller
    (status placed), its lines, payments and a "placed" event each are written; the cart is
    emptied. The seller hears of it after commit.

    A new order comes back with its fulfilments (their sellers and villages), lines and
    payments attached as they were written, so rendering it runs no query. A repeat's
    order has nothing attached.

    ``delivery_choices`` maps each seller id in the cart to a ``DeliveryMethod``;
    ``tenders`` is the ordered list of ``(method, argument)`` paying each fulfilment
    (``orders.payments``). ``placed_by``, when someone else than the buyer, must manage
    every seller of the cart (``validate_placed_by``); the cart is then theirs. ``cart``
    None is the cart of whoever places the order, found as it is locked (no cart: empty).

    Raises ``CheckoutKeyInvalid``, ``CartNotYours``, ``NotAllowedToOrderFor``,
    ``AddressInvalid``, ``CartEmpty``, ``ProductUnavailable``, ``InsufficientStock``
    (``out_of_stock``, naming the product), ``TourFull``, ``DeliveryUnavailable``,
    ``TendersInvalid``; then nothing is written and the cart is unchanged. Must not run
    inside another transaction (durable).
    """
    key = (idempotency_key or "").strip()
    if not key or len(key) > 64:
        raise CheckoutKeyInvalid()
    assisted = placed_by is not None and placed_by.pk != buyer.pk
    for attempt in range(_NUMBER_ATTEMPTS):
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
        except _DuplicateCheckout as duplicate:
            return Placement(order=duplicate.order, created=False)
        except _OrderCollided:
            # The order's insert collided, and the whole transaction rolled back (stock
            # included): a concurrent checkout with the same key committed first (the
            # insert waited for it), or the number was taken. Tell them apart by looking.
            existing = Order.objects.filter(buyer=buyer, idempotency_key=key).first()
            if existing is not None:
                return Placement(order=existing, created=False)
            if attempt == _NUMBER_ATTEMPTS - 1:
                raise
            continue  # a new number
        return Placement(order=order, created=True)
    raise AssertionError("unreachable")  # pragma: no cover


@transaction.atomic(durable=True)
def _place(
    *,
    buyer: Any,
    actor: Any,
    placed_by: Any,
    cart: Cart | None,
    address: Address,
    delivery_choices: Mapping[int, str],
    tenders: Sequence[payments.Tender],
    key: str,
) -> Order:
    cart_owner = placed_by if placed_by is not None else buyer
    if cart is not None and (cart.user_id is None or cart.user_id != cart_owner.pk):
        _raise_if_placed(buyer, key)  # a repeat is answered whatever else was sent
        raise CartNotYours()
    # The cart row first: a double submit of one cart queues here, and then finds the
    # order the first one placed. Products are locked after it, always in this order.
    carts = Cart.objects.select_for_update()
    carts = carts.filter(pk=cart.pk) if cart is not None else carts.filter(user_id=cart_owner.pk)
    cart_id = carts.values_list("pk", flat=True).first()
    # The lines, and whether the key was used, read after the lock in one statement (so
    # it sees what a checkout we waited for committed); an empty cart asks the key alone.
    rows = list(
        CartLine.objects.filter(cart_id=cart_id)
        .order_by("pk")
        .values_list("product_id", "quantity")
        .annotate(placed=Exists(Order.objects.filter(buyer=buyer, idempotency_key=key)))
        if cart_id is not None
        else ()
    )
    if not rows or any(placed for _product_id, _quantity, placed in rows):
        _raise_if_placed(buyer, key)
    address = validate_address(address)
    payments.validate_tenders(tenders, buyer=buyer)
    if cart_id is None or not rows:
        raise CartEmpty()
    cart_lines = [_CartLine(product_id, quantity) for product_id, quantity, _placed in rows]
    if placed_by is not None:
        seller_ids = sorted(
            set(
                Product.objects.filter(pk__in=[line.product_id for line in cart_lines]).values_list(
                    "seller_id", flat=True
                )
            )
        )
        validate_placed_by(buyer=buyer, placed_by=placed_by, seller_ids=seller_ids)

    products = _lock_products_for_sale(line.product_id for line in cart_lines)
    _validate_on_sale(cart_lines, products)
    _validate_tour_places(cart_lines, products)
    by_seller: dict[int, list[_CartLine]] = {}
    for line in cart_lines:
        by_seller.setdefault(products[line.product_id].seller_id, []).append(line)
    sellers = {
        product.seller_id: product.seller
        for product in products.values()
        if product.seller_id in by_seller
    }
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
                    is_staple=products[line.product_id].category.is_staple,
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
        locked=products,
    )
    now = timezone.now()
    fulfilments = Fulfilment.objects.bulk_create(
        [
            Fulfilment(
                order=order,
                seller=sellers[draft.seller_id],
                village=sellers[draft.seller_id].village,
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
    lines_of: dict[int, list[OrderLine]] = {}
    for fulfilment in fulfilments:
        lines_of[fulfilment.seller_id] = [
            OrderLine(
                fulfilment=fulfilment,
                product=products[line.product_id],
                product_name=products[line.product_id].name,
                unit=products[line.product_id].unit,
                category_id=products[line.product_id].category_id,
                is_staple=products[line.product_id].category.is_staple,
                unit_price=products[line.product_id].price,
                quantity=line.quantity,
                line_total=products[line.product_id].price * line.quantity,
            )
            for line in by_seller[fulfilment.seller_id]
        ]
    OrderLine.objects.bulk_create([line for lines in lines_of.values() for line in lines])
    payments_of = _create_payments(fulfilments, allocations)
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
    CartLine.objects.filter(cart_id=cart_id).delete()
    notify_order_placed(order)  # once this transaction commits, with what is attached below
    # What the order's readers prefetch (orders.selectors.orders_for_buyer), as written.
    for fulfilment in fulfilments:
        attach_prefetched(fulfilment, "lines", lines_of[fulfilment.seller_id])
        attach_prefetched(fulfilment, "payments", payments_of[fulfilment.pk])
    attach_prefetched(order, "fulfilments", fulfilments)
    return order


class _CartLine(NamedTuple):
    product_id: int
    quantity: int


def _raise_if_placed(buyer: Any, key: str) -> None:
    existing = Order.objects.filter(buyer=buyer, idempotency_key=key).first()
    if existing is not None:
        raise _DuplicateCheckout(existing)


# What placing an order reads of a product, its seller (delivery options, the order's
# pages) and category: not the descriptions and search documents.
_FIELDS_FOR_SALE = (
    "seller_id",
    "village_id",
    "kind",
    "name",
    "slug",
    "category_id",
    "price",
    "unit",
    "stock",
    "capacity",
    "tour_date",
    "is_active",
    "seller__village_id",
    "seller__name",
    "seller__slug",
    "seller__kind",
    "seller__whatsapp",
    "seller__phone",
    "seller__is_active",
    "seller__village__name",
    "seller__village__slug",
    "seller__village__kecamatan",
    "seller__village__kabupaten",
    "seller__village__provinsi",
    "seller__village__code",
    "seller__delivery",
    "category__name",
    "category__slug",
    "category__is_staple",
)


def _lock_products_for_sale(product_ids: Iterable[int]) -> dict[int, Product]:
    """Lock the products' rows in primary-key order, as ``catalog.services.lock_products``
    does, and read each with its seller (the seller's village and delivery settings) and
    category in the same query; only the products' rows are locked."""
    ids = sorted(set(product_ids))
    locked = (
        Product.objects.select_for_update(of=("self",))
        .select_related("seller__village", "seller__delivery", "category")
        .only(*_FIELDS_FOR_SALE)
        .filter(pk__in=ids)
        .order_by("pk")
    )
    return {product.pk: product for product in locked}


def _validate_on_sale(cart_lines: Sequence[_CartLine], products: Mapping[int, Product]) -> None:
    for line in cart_lines:
        product = products.get(line.product_id)
        if product is None:
            raise ProductNotFound()
        if not product.is_active or not product.seller.is_active:
            raise ProductUnavailable(product_id=product.pk, name=product.name)


def _validate_tour_places(cart_lines: Sequence[_CartLine], products: Mapping[int, Product]) -> None:
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
    settings: dict[int, SellerDelivery] = {}
    for seller in sellers:
        with contextlib.suppress(SellerDelivery.DoesNotExist):
            settings[seller.pk] = seller.delivery  # read with the locked products
    missing = [seller.pk for seller in sellers if seller.pk not in settings]
    if missing:  # the default row, written the first time
        settings.update(delivery_settings_for(missing))
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
    """Insert the order. A collision on its key or number raises ``_OrderCollided``, which
    rolls the whole checkout back; ``place_order_or_find`` looks, then answers or retries."""
    goods_total = sum(draft.goods_total for draft in drafts)
    delivery_total = sum(draft.delivery_fee for draft in drafts)
    try:
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
    except IntegrityError as error:
        raise _OrderCollided() from error


def _create_payments(
    fulfilments: Sequence[Fulfilment], allocations: Sequence[Sequence[payments.Allocation]]
) -> dict[int, list[Payment]]:
    """Write every payment in one insert, then open each with its handler, in order.

    Returns the payments of each fulfilment (by its id).
    """
    written = Payment.objects.bulk_create(
        [
            Payment(
                fulfilment=fulfilment,
                method=allocation.method,
                amount=allocation.amount,
                status=payments.handler_for(allocation.method).initial_status,
            )
            for fulfilment, allocated in zip(fulfilments, allocations, strict=True)
            for allocation in allocated
        ]
    )
    arguments = [allocation.argument for allocated in allocations for allocation in allocated]
    by_fulfilment: dict[int, list[Payment]] = {fulfilment.pk: [] for fulfilment in fulfilments}
    for payment, argument in zip(written, arguments, strict=True):
        payments.handler_for(payment.method).open(payment, argument=argument)
        by_fulfilment[payment.fulfilment_id].append(payment)
    return by_fulfilment
