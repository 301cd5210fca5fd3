"""Demo orders: two residents' orders at five sellers, in every state a visitor should see.

Called by ``seed_demo`` after the villages, products and aid exist, and only when the
demo accounts do (the buyers and the sellers' staff are those accounts). Every order goes
through the real services — cart, checkout, the fulfilment's steps, the payment steps —
so stock movements, payments, voucher charges and events are what a real order writes.

The history is written on the days it tells: orders completed two days ago, delivered or
cancelled yesterday, the rest today. The services stamp rows with ``timezone.now()``, so
each past step runs under ``demo_clock``; the day two days ago is then closed by
``settlement.demo``.

Idempotent: each order has a stable checkout key per buyer (``demo-…``); an order that
exists is not placed again, and a step already taken is not taken again.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any
from unittest import mock

from django.utils import timezone

from accounts.models import User
from catalog.models import Product
from core.exceptions import DomainError
from orders import services
from orders.enums import DeliveryMethod, FulfilmentStatus, PaymentMethod, PaymentStatus
from orders.models import Fulfilment, Order, Payment
from villages.demo import DEMO_DOMAIN
from vouchers.models import Wallet

S = FulfilmentStatus
KEY_PREFIX = "demo-"
# The completed orders happen on this day (counted back from today); it is then closed.
SETTLED_DAYS_AGO = 2


@dataclass(frozen=True)
class DemoOrder:
    key: str  # the checkout key, unique per buyer
    buyer: str  # village of the resident: warga.<village>
    seller: tuple[str, str]  # (village slug, seller slug); its staff is penjual.<village>
    lines: tuple[tuple[str, int], ...]  # (product name, quantity)
    status: FulfilmentStatus  # where it ends
    days_ago: int  # the day it is placed and moved on
    pay: str = PaymentMethod.CASH  # or bank transfer, or voucher (then cash for the rest)


BU_SRI = ("panggungharjo", "warung-sembako-bu-sri")
MBAK_YUNI = ("ngestiharjo", "tempe-mbak-yuni")
PAK_DARMO = ("guwosari", "gula-jawa-pak-darmo")
TELUR_WIRO = ("wirokerten", "telur-kampung-wirokerten")
BERAS_SRI = ("sriharjo", "beras-sriharjo")
DONE = SETTLED_DAYS_AGO

ORDERS = (
    DemoOrder(
        "demo-1",
        "panggungharjo",
        MBAK_YUNI,
        (("Tempe Papan", 4), ("Keripik Tempe", 1)),
        S.COMPLETED,
        DONE,
        pay=PaymentMethod.VOUCHER,
    ),
    DemoOrder(
        "demo-2",
        "panggungharjo",
        BU_SRI,
        (("Beras Pandan Wangi 5 kg", 1), ("Telur Ayam Ras", 1)),
        S.COMPLETED,
        DONE,
    ),
    DemoOrder("demo-3", "ngestiharjo", MBAK_YUNI, (("Tahu Bacem", 2),), S.COMPLETED, DONE),
    DemoOrder(
        "demo-4",
        "ngestiharjo",
        BERAS_SRI,
        (("Beras Merah 5 kg", 1),),
        S.COMPLETED,
        DONE,
        pay=PaymentMethod.BANK_TRANSFER,
    ),
    DemoOrder("demo-5", "panggungharjo", TELUR_WIRO, (("Telur Bebek", 10),), S.DELIVERED, 1),
    DemoOrder("demo-6", "panggungharjo", PAK_DARMO, (("Gula Semut 250 g", 2),), S.CANCELLED, 1),
    DemoOrder("demo-7", "panggungharjo", BU_SRI, (("Gula Pasir", 2),), S.SHIPPED, 0),
    DemoOrder("demo-8", "ngestiharjo", BU_SRI, (("Minyak Goreng Curah", 2),), S.CONFIRMED, 0),
    DemoOrder(
        "demo-9", "panggungharjo", BU_SRI, (("Kecap Manis", 1), ("Teh Tubruk", 2)), S.PLACED, 0
    ),
    DemoOrder("demo-10", "ngestiharjo", MBAK_YUNI, (("Tempe Bungkus Daun", 5),), S.PLACED, 0),
    DemoOrder("demo-11", "panggungharjo", PAK_DARMO, (("Gula Jawa Batok 500 g", 2),), S.PLACED, 0),
)

# The steps from placed to each end, in order, and the hour of the day each is taken.
_PATHS = {
    S.PLACED: (),
    S.CONFIRMED: (S.CONFIRMED,),
    S.SHIPPED: (S.CONFIRMED, S.SHIPPED),
    S.DELIVERED: (S.CONFIRMED, "handed_over", S.DELIVERED),
    S.COMPLETED: (S.CONFIRMED, "handed_over", S.DELIVERED, S.COMPLETED),
    S.CANCELLED: (S.CANCELLED,),
}
_HOURS = {
    "placed": 7,
    S.CONFIRMED: 8,
    "handed_over": 10,
    S.SHIPPED: 10,
    S.READY_FOR_PICKUP: 10,
    S.DELIVERED: 12,
    S.COMPLETED: 16,
    S.CANCELLED: 9,
}


@dataclass
class OrdersDemo:
    orders: int = 0
    created: int = 0


@contextmanager
def demo_clock(at: datetime.datetime) -> Iterator[None]:
    """Run the services as if it were ``at``: every ``timezone.now()`` (and so every
    ``auto_now_add`` and ``localdate()``) answers ``at``. For the demo's past days only."""
    with mock.patch.object(timezone, "now", return_value=at):
        yield


def settled_day() -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=SETTLED_DAYS_AGO)


def _moment(days_ago: int, step: str, minute: int) -> datetime.datetime | None:
    """When a step of a past day happens; None today (the real clock)."""
    if days_ago == 0:
        return None
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    return datetime.datetime.combine(
        day, datetime.time(_HOURS[step], minute), tzinfo=timezone.get_current_timezone()
    )


def _clock(days_ago: int, step: str, minute: int) -> Any:
    at = _moment(days_ago, step, minute)
    return nullcontext() if at is None else demo_clock(at)


def _user(prefix: str, village: str) -> User | None:
    return User.objects.filter(email=f"{prefix}.{village}@{DEMO_DOMAIN}").first()


def seed_orders_demo() -> OrdersDemo:
    """Place and move on what is missing of the demo orders; returns how many there are.

    Does nothing without the demo accounts (``seed_demo`` without DEBUG or --with-accounts).
    Must not run inside a transaction: each service owns its own.
    """
    with mock.patch("orders.notifications.get_notifiers", return_value=[]):
        # Nobody is told of the demo's orders (its people are made up): without a broker
        # the notifications run here and find no notifier; a worker would still send them.
        return _seed_orders()


def _seed_orders() -> OrdersDemo:
    summary = OrdersDemo()
    for minute, spec in enumerate(ORDERS):
        buyer = _user("warga", spec.buyer)
        staff = _user("penjual", spec.seller[0])
        if buyer is None or staff is None:
            continue
        order = Order.objects.filter(buyer=buyer, idempotency_key=spec.key).first()
        if order is None:
            try:
                order = _place(spec, buyer=buyer, minute=minute)
            except DomainError:  # sold out meanwhile, a seller closed: the demo goes on
                order = None
            if order is None:
                continue
            summary.created += 1
        summary.orders += 1
        for fulfilment in Fulfilment.objects.filter(order=order).order_by("pk"):
            _move_on(fulfilment, spec, buyer=buyer, staff=staff, minute=minute)
    return summary


def _place(spec: DemoOrder, *, buyer: User, minute: int) -> Order | None:
    products = {
        product.name: product
        for product in Product.objects.filter(
            seller__village__slug=spec.seller[0],
            seller__slug=spec.seller[1],
            name__in=[name for name, _quantity in spec.lines],
        )
    }
    if len(products) != len(spec.lines):
        return None  # the demo catalogue is not there (or was edited): nothing to order
    seller = next(iter(products.values())).seller
    cart = services.get_or_create_cart(user=buyer)
    for product_id in cart.lines.values_list("product_id", flat=True):
        services.remove_cart_line(cart=cart, product_id=product_id)
    for name, quantity in spec.lines:
        services.add_to_cart(cart=cart, product_id=products[name].pk, quantity=quantity)
    home = buyer.memberships.select_related("village").first()
    assert home is not None  # noqa: S101 -- every demo resident has a membership
    same_village = home.village_id == seller.village_id
    with _clock(spec.days_ago, "placed", minute):
        return services.place_order(
            buyer=buyer,
            cart=cart,
            address=services.Address(
                delivery_village=home.village,
                recipient_name=buyer.name,
                phone=buyer.phone or "",
                dusun="Dusun Demo",
                rt="003",
                rw="001",
            ),
            delivery_choices={
                seller.pk: DeliveryMethod.LOCAL if same_village else DeliveryMethod.PICKUP
            },
            tenders=_tenders(spec, buyer=buyer),
            idempotency_key=spec.key,
        )


def _tenders(spec: DemoOrder, *, buyer: User) -> list[tuple[str, Any]]:
    if spec.pay == PaymentMethod.VOUCHER:
        wallet = Wallet.objects.filter(beneficiary__user=buyer).order_by("pk").first()
        if wallet is not None:
            return [(PaymentMethod.VOUCHER, wallet.pk), (PaymentMethod.CASH, None)]
    if spec.pay == PaymentMethod.BANK_TRANSFER:
        return [(PaymentMethod.BANK_TRANSFER, None)]
    return [(PaymentMethod.CASH, None)]


def _move_on(
    fulfilment: Fulfilment, spec: DemoOrder, *, buyer: User, staff: User, minute: int
) -> None:
    """Take the steps of ``spec``'s path not taken yet, each as the party who takes it."""
    handed_over = (
        S.SHIPPED if fulfilment.delivery_method != DeliveryMethod.PICKUP else (S.READY_FOR_PICKUP)
    )
    path = [handed_over if step == "handed_over" else S(step) for step in _PATHS[spec.status]]
    done = _steps_taken(fulfilment.status, path)
    for step in path[done:]:
        with _clock(spec.days_ago, step, minute):
            if step == S.DELIVERED:
                _collect_payments(fulfilment, staff=staff)
            by_buyer = step in (S.COMPLETED, S.CANCELLED)
            services.transition_fulfilment(
                actor=buyer if by_buyer else staff,
                fulfilment_id=fulfilment.pk,
                to_status=step,
                expected_status=fulfilment.status,
            )
        fulfilment.status = step


def _steps_taken(status: str, path: list[FulfilmentStatus]) -> int:
    if status == S.PLACED:
        return 0
    return path.index(S(status)) + 1


def _collect_payments(fulfilment: Fulfilment, *, staff: User) -> None:
    """On handing over, the seller takes the cash, or has seen the transfer arrive."""
    pending = Payment.objects.filter(fulfilment=fulfilment, status=PaymentStatus.PENDING)
    for payment in pending.order_by("pk"):
        if payment.method == PaymentMethod.CASH:
            services.mark_cash_collected(actor=staff, payment_id=payment.pk)
        elif payment.method == PaymentMethod.BANK_TRANSFER:
            services.confirm_transfer(actor=staff, payment_id=payment.pk, reference="DEMO")
