"""Placing an order: exact totals, prices from the database, idempotent, all or nothing."""

import re

import pytest
from django.utils import translation

from catalog.exceptions import InsufficientStock
from catalog.models import Product, StockMovement
from orders import services
from orders.enums import (
    DeliveryMethod,
    EventType,
    FulfilmentStatus,
    PaymentMethod,
    PaymentStatus,
)
from orders.exceptions import (
    AddressInvalid,
    CartEmpty,
    CartNotYours,
    CheckoutKeyInvalid,
    DeliveryUnavailable,
    NotAllowedToOrderFor,
    ProductUnavailable,
    TendersInvalid,
    TourFull,
)
from orders.models import CartLine, Fulfilment, FulfilmentEvent, Order, OrderLine, Payment
from tests.factories import UserFactory, VillageFactory, category, member
from tests.orders.factories import (
    buyer_address,
    delivery_options_for,
    fill_cart,
    goods,
    seller_in,
    tour,
)
from villages.enums import Role

pytestmark = pytest.mark.django_db
CASH = [(PaymentMethod.CASH, None)]


@pytest.fixture
def market():
    """Two sellers in two Bantul villages of different kecamatan, and a buyer in the first."""
    home = VillageFactory(slug="panggungharjo", name="Panggungharjo", code="34.02.15.2001")
    other = VillageFactory(slug="sriharjo", name="Sriharjo", code="34.02.10.2002")
    warung = seller_in(home, name="Warung Bu Sri")
    tani = seller_in(other, name="Kelompok Tani Sriharjo")
    delivery_options_for(
        tani, courier_enabled=True, fee_same_kecamatan=5000, fee_same_kabupaten=12000
    )
    return {
        "home": home,
        "other": other,
        "warung": warung,
        "tani": tani,
        "buyer": member(home, Role.RESIDENT),
        "rice": goods(warung, stock=20, price=14000, name="Beras Menthik"),
        "eggs": goods(warung, stock=50, price=2000, name="Telur Ayam", category=category("telur")),
        "chili": goods(tani, stock=10, price=35000, name="Cabai Rawit", category=category("sayur")),
        "batik": goods(
            tani, stock=3, price=120000, name="Batik Tulis", category=category("fashion-batik")
        ),
    }


def place(market, cart, *, key="kunci-1", choices=None, tenders=CASH, buyer=None, **kwargs):
    return services.place_order(
        buyer=buyer or market["buyer"],
        cart=cart,
        address=kwargs.pop("address", buyer_address(market["home"])),
        delivery_choices=choices
        or {market["warung"].pk: DeliveryMethod.LOCAL, market["tani"].pk: DeliveryMethod.COURIER},
        tenders=tenders,
        idempotency_key=key,
        **kwargs,
    )


def nothing_written(market, cart, lines_before):
    assert not Order.objects.exists()
    assert not Fulfilment.objects.exists()
    assert not Payment.objects.exists()
    assert not FulfilmentEvent.objects.exists()
    assert not StockMovement.objects.filter(kind="sale").exists()
    assert list(CartLine.objects.filter(cart=cart).values_list("product_id", "quantity")) == (
        lines_before
    )


def test_a_cart_from_two_sellers_in_two_villages_becomes_one_order_with_exact_totals(market):
    cart = fill_cart(
        market["buyer"],
        (market["rice"], 3),
        (market["chili"], 2),
        (market["eggs"], 10),
        (market["batik"], 1),
    )

    order = place(market, cart)

    assert re.fullmatch(r"PD[2-9A-HJKMNP-Z]{8}", order.number)
    assert (order.goods_total, order.delivery_total, order.total) == (
        3 * 14000 + 10 * 2000 + 2 * 35000 + 120000,
        12000,
        3 * 14000 + 10 * 2000 + 2 * 35000 + 120000 + 12000,
    )
    fulfilments = {f.seller_id: f for f in order.fulfilments.all()}
    warung, tani = fulfilments[market["warung"].pk], fulfilments[market["tani"].pk]
    assert (warung.village_id, warung.delivery_method, warung.delivery_fee) == (
        market["home"].pk,
        DeliveryMethod.LOCAL,
        0,
    )
    assert (warung.goods_total, warung.total) == (62000, 62000)
    assert (tani.village_id, tani.delivery_method, tani.delivery_fee) == (
        market["other"].pk,
        DeliveryMethod.COURIER,
        12000,  # same kabupaten, other kecamatan
    )
    assert (tani.goods_total, tani.total) == (190000, 202000)
    assert {f.status for f in fulfilments.values()} == {FulfilmentStatus.PLACED}
    lines = list(
        OrderLine.objects.filter(fulfilment__order=order)
        .order_by("product_name")
        .values_list("product_name", "unit", "is_staple", "unit_price", "quantity", "line_total")
    )
    assert lines == [
        ("Batik Tulis", "kg", False, 120000, 1, 120000),
        ("Beras Menthik", "kg", True, 14000, 3, 42000),
        ("Cabai Rawit", "kg", True, 35000, 2, 70000),
        ("Telur Ayam", "kg", True, 2000, 10, 20000),
    ]
    payments = Payment.objects.filter(fulfilment__order=order).order_by("fulfilment__seller_id")
    assert sorted(payments.values_list("method", "amount", "status")) == sorted(
        [
            (PaymentMethod.CASH, 62000, PaymentStatus.PENDING),
            (PaymentMethod.CASH, 202000, PaymentStatus.PENDING),
        ]
    )
    events = FulfilmentEvent.objects.filter(fulfilment__order=order)
    assert (
        sorted(events.values_list("type", "to_status", "actor_id"))
        == [(EventType.STATUS_CHANGED, FulfilmentStatus.PLACED, market["buyer"].pk)] * 2
    )
    stock = dict(Product.objects.values_list("name", "stock"))
    assert (
        stock["Beras Menthik"],
        stock["Telur Ayam"],
        stock["Cabai Rawit"],
        stock["Batik Tulis"],
    ) == (
        17,
        40,
        8,
        2,
    )
    assert StockMovement.objects.filter(kind="sale", reason=f"Pesanan {order.number}").count() == 4
    assert not CartLine.objects.filter(cart=cart).exists()
    assert (order.recipient_name, order.contact_phone, order.rt, order.rw) == (
        "Bu Sumarni",
        "+6281234567890",
        "03",
        "07",
    )
    assert not order.is_assisted


def test_the_order_charges_todays_price_and_the_cart_showed_the_change(market):
    from orders.selectors import cart_summary

    cart = fill_cart(market["buyer"], (market["rice"], 2))
    Product.objects.filter(pk=market["rice"].pk).update(price=15000)

    line = cart_summary(cart).groups[0].lines[0]
    order = place(market, cart, choices={market["warung"].pk: DeliveryMethod.PICKUP})

    assert (line.price_when_added, line.unit_price, line.price_changed) == (14000, 15000, True)
    assert order.total == 30000
    assert OrderLine.objects.get(fulfilment__order=order).unit_price == 15000


def test_a_double_submit_returns_the_same_order_and_a_new_key_places_another(market):
    cart = fill_cart(market["buyer"], (market["rice"], 2))
    choices = {market["warung"].pk: DeliveryMethod.PICKUP}

    first = place(market, cart, key="kunci-sama", choices=choices)
    again = place(market, cart, key="kunci-sama", choices=choices)

    assert again.pk == first.pk
    assert Order.objects.count() == 1
    assert Product.objects.get(pk=market["rice"].pk).stock == 18
    services.add_to_cart(cart=cart, product_id=market["rice"].pk, quantity=1)
    second = place(market, cart, key="kunci-baru", choices=choices)
    assert second.pk != first.pk
    assert Order.objects.count() == 2
    assert Product.objects.get(pk=market["rice"].pk).stock == 17


def test_a_taken_order_number_is_drawn_again_and_the_stock_taken_once(market, monkeypatch):
    from orders.services import checkout

    choices = {market["warung"].pk: DeliveryMethod.PICKUP}
    first = place(market, fill_cart(market["buyer"], (market["rice"], 1)), choices=choices)
    numbers = iter([first.number, first.number, "PD23456789"])
    monkeypatch.setattr(checkout, "new_order_number", lambda: next(numbers))
    neighbour = member(market["home"], Role.RESIDENT)

    second = place(
        market, fill_cart(neighbour, (market["rice"], 2)), buyer=neighbour, choices=choices
    )

    assert second.number == "PD23456789"
    assert Product.objects.get(pk=market["rice"].pk).stock == 20 - 1 - 2
    assert StockMovement.objects.filter(kind="sale").count() == 2  # one per order, not per try


def test_when_no_number_can_be_drawn_nothing_is_written(market, monkeypatch):
    from django.db import IntegrityError

    from orders.services import checkout

    choices = {market["warung"].pk: DeliveryMethod.PICKUP}
    first = place(market, fill_cart(market["buyer"], (market["rice"], 1)), choices=choices)
    monkeypatch.setattr(checkout, "new_order_number", lambda: first.number)
    neighbour = member(market["home"], Role.RESIDENT)
    cart = fill_cart(neighbour, (market["rice"], 2))

    with pytest.raises(IntegrityError):
        place(market, cart, buyer=neighbour, choices=choices)

    assert Order.objects.count() == 1
    assert Product.objects.get(pk=market["rice"].pk).stock == 19
    assert CartLine.objects.filter(cart=cart).count() == 1


def test_out_of_stock_names_the_product_and_keeps_nothing(market):
    cart = fill_cart(market["buyer"], (market["rice"], 2), (market["batik"], 3))
    Product.objects.filter(pk=market["batik"].pk).update(stock=2)  # sold at the counter
    before = list(CartLine.objects.filter(cart=cart).values_list("product_id", "quantity"))

    with translation.override("en"):
        with pytest.raises(InsufficientStock) as refused:
            place(market, cart)
        message = str(refused.value.message)

    assert refused.value.code == "out_of_stock"
    assert message == "Out of stock: Batik Tulis"
    assert refused.value.extra["product_id"] == market["batik"].pk
    nothing_written(market, cart, before)
    assert dict(Product.objects.values_list("name", "stock"))["Beras Menthik"] == 20


def test_an_empty_cart_is_refused(market):
    cart = services.get_or_create_cart(user=market["buyer"])

    with pytest.raises(CartEmpty) as refused:
        place(market, cart)

    assert refused.value.code == "cart_empty"


def test_a_delivery_the_seller_does_not_offer_is_refused(market):
    cart = fill_cart(market["buyer"], (market["rice"], 1), (market["chili"], 1))
    before = list(CartLine.objects.filter(cart=cart).values_list("product_id", "quantity"))

    # Free local delivery from Sriharjo to Panggungharjo: other village.
    choices = {market["warung"].pk: DeliveryMethod.LOCAL, market["tani"].pk: DeliveryMethod.LOCAL}
    with pytest.raises(DeliveryUnavailable) as refused:
        place(market, cart, choices=choices)
    assert refused.value.code == "delivery_unavailable"
    assert refused.value.extra["seller_id"] == market["tani"].pk
    with pytest.raises(DeliveryUnavailable):  # no choice for a seller
        place(market, cart, choices={market["warung"].pk: DeliveryMethod.LOCAL})
    nothing_written(market, cart, before)


def test_a_withdrawn_product_is_refused_at_checkout(market):
    cart = fill_cart(market["buyer"], (market["rice"], 1))
    Product.objects.filter(pk=market["rice"].pk).update(is_active=False)

    with pytest.raises(ProductUnavailable):
        place(market, cart, choices={market["warung"].pk: DeliveryMethod.PICKUP})

    assert not Order.objects.exists()


def test_a_full_tour_is_refused_and_places_count_open_orders(market):
    trip = tour(market["tani"], capacity=5, price=100000, name="Susur Sungai Oya")
    first_buyer, second_buyer = market["buyer"], member(market["home"], Role.RESIDENT)
    choices = {market["tani"].pk: DeliveryMethod.PICKUP}
    place(market, fill_cart(first_buyer, (trip, 3)), choices=choices)
    cart = fill_cart(second_buyer, (trip, 2))
    services.update_cart_line(cart=cart, product_id=trip.pk, quantity=2)
    CartLine.objects.filter(cart=cart).update(quantity=3)  # more than the 2 places left

    with pytest.raises(TourFull) as refused:
        place(market, cart, choices=choices, buyer=second_buyer)

    assert refused.value.code == "tour_full"
    assert refused.value.extra == {"product_id": trip.pk, "available": 2, "requested": 3}
    assert Order.objects.count() == 1
    Fulfilment.objects.update(status=FulfilmentStatus.CANCELLED)
    assert place(market, cart, choices=choices, buyer=second_buyer).total == 300000


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"phone": "12345"}, "phone"),
        ({"recipient_name": "  "}, "recipient_name"),
        ({"rt": "1a"}, "rt"),
        ({"rw": "1234"}, "rw"),
        ({"notes": "x" * 301}, "notes"),
        ({"delivery_village": None}, "delivery_village"),
    ],
)
def test_a_bad_address_names_the_field(market, fields, field):
    cart = fill_cart(market["buyer"], (market["rice"], 1))

    with pytest.raises(AddressInvalid) as refused:
        place(market, cart, address=buyer_address(market["home"], **fields))

    assert (refused.value.code, refused.value.extra["field"]) == ("address_invalid", field)
    assert not Order.objects.exists()


@pytest.mark.parametrize("key", ["", "  ", "k" * 65])
def test_a_checkout_needs_a_key(market, key):
    cart = fill_cart(market["buyer"], (market["rice"], 1))

    with pytest.raises(CheckoutKeyInvalid):
        place(market, cart, key=key)


def test_someone_elses_cart_is_refused(market):
    cart = fill_cart(UserFactory(), (market["rice"], 1))

    with pytest.raises(CartNotYours):
        place(market, cart)


@pytest.mark.parametrize(
    "tenders",
    [[], [("voucher", None)], [("cash", None), ("cash", None)], [("cash", "x")]],
)
def test_tenders_must_be_available_and_named_once(market, tenders):
    cart = fill_cart(market["buyer"], (market["rice"], 1))

    with pytest.raises(TendersInvalid):
        place(market, cart, tenders=tenders, choices={market["warung"].pk: DeliveryMethod.PICKUP})

    assert not Order.objects.exists()


def test_a_bumdes_admin_places_an_order_for_a_resident_at_the_counter(market):
    admin = member(market["home"], Role.BUMDES_ADMIN)
    cart = fill_cart(admin, (market["rice"], 2))

    order = place(
        market, cart, placed_by=admin, choices={market["warung"].pk: DeliveryMethod.PICKUP}
    )

    assert (order.buyer_id, order.placed_by_id, order.is_assisted) == (
        market["buyer"].pk,
        admin.pk,
        True,
    )
    event = FulfilmentEvent.objects.get(fulfilment__order=order)
    assert (event.actor_id, event.details) == (admin.pk, {"assisted": True})
    assert StockMovement.objects.get(kind="sale").actor_id == admin.pk


@pytest.mark.parametrize("role", ["other_admin", "resident", "other_staff"])
def test_only_someone_who_manages_every_seller_may_order_for_another(market, role):
    operator = {
        # BUMDes admin of Panggungharjo: the Sriharjo seller is not theirs.
        "other_admin": lambda: member(market["home"], Role.BUMDES_ADMIN),
        "resident": lambda: member(market["home"], Role.RESIDENT),
        "other_staff": lambda: member(market["home"], Role.SELLER_STAFF),
    }[role]()
    cart = fill_cart(operator, (market["rice"], 1), (market["chili"], 1))

    with pytest.raises(NotAllowedToOrderFor) as refused:
        place(market, cart, placed_by=operator)

    assert refused.value.code == "not_allowed_to_order_for"
    assert not Order.objects.exists()
    assert Product.objects.get(pk=market["rice"].pk).stock == 20


def test_seller_staff_may_order_their_own_sellers_goods_for_a_resident(market):
    staff = member(market["home"], Role.SELLER_STAFF, seller=market["warung"])
    cart = fill_cart(staff, (market["eggs"], 6))

    order = place(
        market, cart, placed_by=staff, choices={market["warung"].pk: DeliveryMethod.LOCAL}
    )

    assert order.placed_by_id == staff.pk
    assert order.total == 12000


def test_the_sellers_hear_of_a_placed_order_after_commit_and_of_a_refused_one_never(
    market, django_capture_on_commit_callbacks
):
    cart = fill_cart(market["buyer"], (market["rice"], 1), (market["chili"], 1))

    with django_capture_on_commit_callbacks(execute=True) as placed:
        place(market, cart)
    with django_capture_on_commit_callbacks() as refused, pytest.raises(CartEmpty):
        place(market, cart, key="kunci-2")

    assert len(placed) == 1
    assert refused == []
