"""The buyer API: cart, checkout with an idempotency key, and the buyer's own orders."""

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from catalog.models import Product, StockMovement
from orders.enums import EventType, FulfilmentStatus, PaymentStatus
from orders.models import CartLine, Fulfilment, FulfilmentEvent, Order
from tests.api.helpers import error_of
from tests.factories import VillageFactory, member
from tests.orders.factories import (
    buyer_address,
    delivery_options_for,
    fill_cart,
    goods,
    placed_order,
    seller_in,
    service,
)
from villages.enums import Role

pytestmark = pytest.mark.django_db

CART = "/api/v1/cart/"
CHECKOUT = "/api/v1/checkout/"
ORDERS = "/api/v1/orders/"


def cart_line_url(product):
    return f"/api/v1/cart/lines/{product.pk}/"


def order_url(number):
    return f"/api/v1/orders/{number}/"


def buyer_step_url(order, fulfilment):
    return f"/api/v1/orders/{order.number}/fulfilments/{fulfilment.pk}/transition/"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def market():
    """Two sellers in two Bantul villages of different kecamatan, and a buyer in the first.

    The warung (home village) delivers free in its village; the farmers' group (other
    village) sends a courier at 12.000 to another kecamatan of the kabupaten.
    """
    home = VillageFactory(slug="panggungharjo", name="Panggungharjo", code="34.02.15.2001")
    other = VillageFactory(slug="sriharjo", name="Sriharjo", code="34.02.10.2002")
    warung = seller_in(home, name="Warung Bu Sri", slug="warung-bu-sri")
    tani = seller_in(other, name="Kelompok Tani Sriharjo", slug="tani-sriharjo")
    delivery_options_for(warung)
    delivery_options_for(
        tani, courier_enabled=True, fee_same_kecamatan=5000, fee_same_kabupaten=12000
    )
    return {
        "home": home,
        "other": other,
        "warung": warung,
        "tani": tani,
        "buyer": member(home, Role.RESIDENT),
        "neighbour": member(home, Role.RESIDENT),
        "beras": goods(warung, stock=10, price=14000, name="Beras Pandan Wangi"),
        "telur": goods(warung, stock=30, price=2500, name="Telur Ayam Kampung", unit="butir"),
        "salak": goods(tani, stock=5, price=20000, name="Salak Pondoh"),
    }


def checkout_body(market, **changes):
    body = {
        "address": {
            "village": market["home"].slug,
            "recipient_name": "Bu Sumarni",
            "phone": "0812 3456 7890",
            "dusun": "Glondong",
            "rt": "03",
            "rw": "07",
            "notes": "Rumah cat hijau",
        },
        "delivery": {str(market["warung"].pk): "local", str(market["tani"].pk): "courier"},
        "payment": "cash",
    }
    body.update(changes)
    return body


def checkout(api, market, key="key-1", **changes):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return api.post(CHECKOUT, checkout_body(market, **changes), format="json", headers=headers)


# --- cart --------------------------------------------------------------------------------


def test_add_to_the_cart_groups_lines_by_seller(api, market):
    api.force_authenticate(market["buyer"])

    api.post(CART, {"product_id": market["salak"].pk, "quantity": 1}, format="json")
    api.post(CART, {"product_id": market["beras"].pk, "quantity": 2}, format="json")
    response = api.post(CART, {"product_id": market["beras"].pk, "quantity": 1}, format="json")

    body = response.json()
    assert response.status_code == 200, body
    assert [g["seller"]["name"] for g in body["groups"]] == [
        "Warung Bu Sri",  # Panggungharjo before Sriharjo
        "Kelompok Tani Sriharjo",
    ]
    assert [g["village"] for g in body["groups"]] == [
        {"slug": "panggungharjo", "name": "Panggungharjo"},
        {"slug": "sriharjo", "name": "Sriharjo"},
    ]
    beras = body["groups"][0]["lines"][0]
    assert beras == {
        "product_id": market["beras"].pk,
        "product_slug": market["beras"].slug,
        "product_name": "Beras Pandan Wangi",
        "unit": market["beras"].unit,
        "quantity": 3,
        "unit_price": 14000,
        "price_when_added": 14000,
        "price_changed": False,
        "line_total": 42000,
        "available": 10,
        "shortfall": 0,
        "on_sale": True,
    }
    assert (body["goods_total"], body["item_count"]) == (62000, 4)
    assert (body["has_price_changes"], body["has_problems"]) == (False, False)
    assert api.get(CART).json() == body


def test_the_cart_shows_a_price_change_and_a_shortfall(api, market):
    fill_cart(market["buyer"], (market["beras"], 4))
    Product.objects.filter(pk=market["beras"].pk).update(price=15000, stock=3)
    api.force_authenticate(market["buyer"])

    body = api.get(CART).json()

    line = body["groups"][0]["lines"][0]
    assert (line["unit_price"], line["price_when_added"], line["price_changed"]) == (
        15000,
        14000,
        True,
    )
    assert (line["available"], line["shortfall"], line["line_total"]) == (3, 1, 60000)
    assert (body["has_price_changes"], body["has_problems"]) == (True, True)


def test_an_empty_cart_is_not_written(api, market):
    api.force_authenticate(market["buyer"])

    body = api.get(CART).json()

    assert body == {
        "groups": [],
        "goods_total": 0,
        "item_count": 0,
        "has_price_changes": False,
        "has_problems": False,
    }
    assert not CartLine.objects.exists()


def test_adding_more_than_the_stock_is_refused_with_its_code(api, market):
    api.force_authenticate(market["buyer"])

    response = api.post(CART, {"product_id": market["salak"].pk, "quantity": 6}, format="json")

    body = error_of(response, 409, "out_of_stock")
    assert body["extra"]["product_id"] == market["salak"].pk
    assert "Salak Pondoh" in body["message"]
    assert not CartLine.objects.exists()


def test_invalid_cart_input_is_a_400_naming_the_field(api, market):
    api.force_authenticate(market["buyer"])

    response = api.post(CART, {"product_id": market["salak"].pk, "quantity": 0}, format="json")

    body = error_of(response, 400, "invalid")
    assert set(body["extra"]["fields"]) == {"quantity"}


def test_update_and_remove_a_cart_line(api, market):
    fill_cart(market["buyer"], (market["beras"], 1), (market["telur"], 10))
    api.force_authenticate(market["buyer"])

    updated = api.patch(cart_line_url(market["beras"]), {"quantity": 5}, format="json")
    removed = api.delete(cart_line_url(market["telur"]))

    assert updated.status_code == 200
    assert [
        (line["product_name"], line["quantity"]) for line in updated.json()["groups"][0]["lines"]
    ] == [("Beras Pandan Wangi", 5), ("Telur Ayam Kampung", 10)]
    assert removed.status_code == 200
    assert removed.json()["item_count"] == 5
    assert list(CartLine.objects.values_list("product_id", "quantity")) == [(market["beras"].pk, 5)]


def test_a_quantity_of_zero_removes_the_line(api, market):
    fill_cart(market["buyer"], (market["beras"], 1))
    api.force_authenticate(market["buyer"])

    response = api.patch(cart_line_url(market["beras"]), {"quantity": 0}, format="json")

    assert response.json()["groups"] == []
    assert not CartLine.objects.exists()


def test_a_product_not_in_the_cart_is_a_404(api, market):
    fill_cart(market["buyer"], (market["beras"], 1))
    api.force_authenticate(market["buyer"])

    patched = api.patch(cart_line_url(market["salak"]), {"quantity": 2}, format="json")
    deleted = api.delete(cart_line_url(market["salak"]))

    error_of(patched, 404, "cart_line_not_found")
    error_of(deleted, 404, "cart_line_not_found")


def test_cart_reads_in_constant_queries(api, market, django_assert_max_num_queries):
    fill_cart(market["buyer"], (market["beras"], 1))
    api.force_authenticate(market["buyer"])
    with CaptureQueriesContext(connection) as one_line:
        api.get(CART)
    fill_cart(market["buyer"], (market["telur"], 2), (market["salak"], 1))

    with django_assert_max_num_queries(2):  # the cart; its lines with products and sellers
        body = api.get(CART).json()

    assert body["item_count"] == 4
    assert len(one_line) == 2


# --- checkout ----------------------------------------------------------------------------


def test_checkout_from_two_sellers_with_cash_on_delivery(api, market):
    fill_cart(market["buyer"], (market["beras"], 2), (market["telur"], 10), (market["salak"], 1))
    api.force_authenticate(market["buyer"])

    response = checkout(api, market)

    body = response.json()
    assert response.status_code == 201, body
    order = Order.objects.get()
    assert body["number"] == order.number
    assert (body["goods_total"], body["delivery_total"], body["total"]) == (73000, 12000, 85000)
    assert (body["recipient_name"], body["contact_phone"]) == ("Bu Sumarni", "+6281234567890")
    assert body["delivery_village"] == {"slug": "panggungharjo", "name": "Panggungharjo"}
    assert body["is_assisted"] is False
    fulfilments = {f["seller"]["name"]: f for f in body["fulfilments"]}
    warung, tani = fulfilments["Warung Bu Sri"], fulfilments["Kelompok Tani Sriharjo"]
    assert (warung["delivery_method"], warung["delivery_fee"]) == ("local", 0)
    assert (warung["goods_total"], warung["total"]) == (53000, 53000)
    assert (tani["delivery_method"], tani["delivery_fee"]) == ("courier", 12000)
    assert (tani["goods_total"], tani["total"]) == (20000, 32000)
    assert [(p["method"], p["amount"], p["status"]) for p in tani["payments"]] == [
        ("cash", 32000, PaymentStatus.PENDING)
    ]
    assert [
        (line["product_name"], line["quantity"], line["line_total"]) for line in warung["lines"]
    ] == [
        ("Beras Pandan Wangi", 2, 28000),
        ("Telur Ayam Kampung", 10, 25000),
    ]
    assert {f["status"] for f in body["fulfilments"]} == {FulfilmentStatus.PLACED}
    assert not CartLine.objects.exists()
    assert Product.objects.get(pk=market["salak"].pk).stock == 4


def test_prices_sent_by_the_client_are_ignored(api, market):
    fill_cart(market["buyer"], (market["beras"], 1))
    api.force_authenticate(market["buyer"])

    response = checkout(
        api,
        market,
        delivery={str(market["warung"].pk): "pickup"},
        total=1,
        goods_total=1,
    )

    assert response.json()["total"] == 14000


def test_the_same_idempotency_key_twice_answers_the_same_order(api, market):
    fill_cart(market["buyer"], (market["beras"], 2))
    api.force_authenticate(market["buyer"])
    delivery = {str(market["warung"].pk): "local"}

    first = checkout(api, market, key="dobel", delivery=delivery)
    fill_cart(market["buyer"], (market["beras"], 1))  # even with a new cart meanwhile
    second = checkout(api, market, key="dobel", delivery=delivery)

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert Order.objects.count() == 1
    assert Product.objects.get(pk=market["beras"].pk).stock == 8


def test_checkout_without_an_idempotency_key_is_refused(api, market):
    fill_cart(market["buyer"], (market["beras"], 2))
    api.force_authenticate(market["buyer"])

    response = checkout(api, market, key=None)

    error_of(response, 400, "idempotency_key_required")
    assert not Order.objects.exists()
    assert CartLine.objects.count() == 1


def test_out_of_stock_names_the_product_and_writes_nothing(api, market):
    fill_cart(market["buyer"], (market["beras"], 2), (market["salak"], 3))
    Product.objects.filter(pk=market["salak"].pk).update(stock=2)  # sold at the counter
    movements = StockMovement.objects.count()
    api.force_authenticate(market["buyer"])

    response = checkout(api, market)

    body = error_of(response, 409, "out_of_stock")
    assert "Salak Pondoh" in body["message"]
    assert body["extra"]["product_id"] == market["salak"].pk
    assert not Order.objects.exists()
    assert not Fulfilment.objects.exists()
    assert StockMovement.objects.count() == movements
    assert Product.objects.get(pk=market["beras"].pk).stock == 10
    assert CartLine.objects.count() == 2


def test_a_delivery_the_seller_does_not_offer_is_refused(api, market):
    fill_cart(market["buyer"], (market["salak"], 1))
    api.force_authenticate(market["buyer"])

    response = checkout(api, market, delivery={str(market["tani"].pk): "local"})

    body = error_of(response, 400, "delivery_unavailable")
    assert body["extra"] == {"seller_id": market["tani"].pk, "method": "local"}
    assert not Order.objects.exists()


def test_an_empty_cart_cannot_be_checked_out(api, market):
    api.force_authenticate(market["buyer"])

    error_of(checkout(api, market), 400, "cart_empty")


def test_invalid_checkout_input_is_a_400_naming_the_fields(api, market):
    fill_cart(market["buyer"], (market["beras"], 1))
    api.force_authenticate(market["buyer"])

    response = checkout(api, market, payment="voucher", delivery={"warung": "local"})

    body = error_of(response, 400, "invalid")
    assert set(body["extra"]["fields"]) == {"payment", "delivery"}
    assert not Order.objects.exists()


def test_each_checkout_is_judged_on_its_own_input_in_its_own_language(api, market):
    # The checkout's input fields are built once per process: nothing of one request's
    # errors, values or language may reach the next.
    fill_cart(market["buyer"], (market["beras"], 1))
    api.force_authenticate(market["buyer"])

    bad_payment = checkout(api, market, key="a", payment="voucher")
    api.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    bad_address = api.post(
        CHECKOUT,
        {**checkout_body(market), "address": {"village": "tidak-ada"}},
        format="json",
        headers={"Idempotency-Key": "b"},
    )
    del api.cookies[settings.LANGUAGE_COOKIE_NAME]
    placed = checkout(api, market, key="c")

    assert set(error_of(bad_payment, 400, "invalid")["extra"]["fields"]) == {"payment"}
    fields = error_of(bad_address, 400, "invalid")["extra"]["fields"]
    assert set(fields) == {"address"}
    assert set(fields["address"]) == {"village", "recipient_name", "phone"}
    assert fields["address"]["recipient_name"] == ["This field is required."]
    assert bad_payment.json()["message"] == "Sebagian data yang dikirim tidak valid."
    assert placed.status_code == 201
    assert placed.json()["delivery_village"]["slug"] == market["home"].slug


class _ChannelDown:
    tries = 0

    def order_placed(self, order):
        _ChannelDown.tries += 1
        raise OSError("gateway down")

    def fulfilment_changed(self, fulfilment, event):
        raise OSError("gateway down")


def test_a_channel_that_is_down_does_not_undo_a_placed_order(
    api, market, settings, caplog, django_capture_on_commit_callbacks
):
    # No broker: the notification runs in the request after commit. The order stands,
    # the failure is logged, and the channel is tried once, not retried on the spot.
    settings.PASARDESA_ORDER_NOTIFIERS = ["tests.orders.test_api._ChannelDown"]
    _ChannelDown.tries = 0
    fill_cart(market["buyer"], (market["beras"], 1))
    api.force_authenticate(market["buyer"])

    with django_capture_on_commit_callbacks(execute=True):
        response = checkout(api, market, key="tetap")

    assert response.status_code == 201
    assert Order.objects.filter(number=response.json()["number"]).exists()
    assert _ChannelDown.tries == 1
    assert "failed in-process after commit" in caplog.text


def test_anonymous_visitors_get_401(api, market):
    for method, url in (
        ("get", CART),
        ("post", CART),
        ("patch", cart_line_url(market["beras"])),
        ("post", CHECKOUT),
        ("get", ORDERS),
    ):
        response = getattr(api, method)(url, {}, format="json")
        error_of(response, 401, "not_authenticated")


# --- what a checkout costs ---------------------------------------------------------------

# Transaction control differs between SQLite and PostgreSQL, and between a test (inside a
# transaction: savepoints) and a server (BEGIN/COMMIT); it is not counted.
_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK", "BEGIN", "COMMIT")
# catalog.services.take_stock_for_lines updates the stock of the products kept in stock:
# on PostgreSQL in the statement that inserts the movements, elsewhere one UPDATE each.
_STOCK_UPDATE = ('UPDATE "catalog_product" SET "stock"',)

# The delivery village; the buyer's cart, found as it is locked; its lines with the key's
# use; the products locked with their sellers, villages, delivery settings and categories;
# the order; the stock movements (the products are not locked twice); fulfilments; lines;
# payments; events; the cart emptied. Then the notification (no Redis: in the request,
# after commit, on the rows just written): the sellers' people.
CHECKOUT_QUERIES = 12


def statements(queries):
    """The statements other than transaction control, and the catalog's stock updates."""
    sql = [query["sql"] for query in queries]
    counted = [s for s in sql if not s.startswith(_CONTROL) and not s.startswith(_STOCK_UPDATE)]
    stock_updates = [s for s in sql if s.startswith(_STOCK_UPDATE)]
    return counted, stock_updates


def capture_checkout(api, market, buyer, body_changes, key, capture_on_commit):
    api.force_authenticate(buyer)
    with (
        CaptureQueriesContext(connection) as queries,
        capture_on_commit(execute=True),
    ):
        response = checkout(api, market, key=key, **body_changes)
    assert response.status_code == 201, response.json()
    return response, statements(queries.captured_queries)


def test_a_checkout_runs_the_same_queries_for_one_line_or_many(
    api, market, django_capture_on_commit_callbacks
):
    # Someone with an e-mail hears of each order, so the notification reads the lines too.
    member(market["home"], Role.SELLER_STAFF, seller=market["warung"], email="sri@contoh.id")
    member(market["other"], Role.BUMDES_ADMIN, email="bumdes@contoh.id")
    third = seller_in(market["home"], name="Jasa Pak Wiryo")
    delivery_options_for(third)
    lines = [goods(market["warung"], stock=50, price=3000 + n) for n in range(3)]
    small_buyer, big_buyer = market["buyer"], market["neighbour"]
    fill_cart(small_buyer, (market["beras"], 1))
    fill_cart(
        big_buyer,
        (market["telur"], 2),
        *[(product, 1) for product in lines],
        (market["salak"], 1),
        (service(third), 1),
    )
    one_seller = {"delivery": {str(market["warung"].pk): "local"}}
    three_sellers = {
        "delivery": {
            str(market["warung"].pk): "local",
            str(market["tani"].pk): "courier",
            str(third.pk): "local",
        }
    }

    _small, (small, small_stock) = capture_checkout(
        api, market, small_buyer, one_seller, "kecil", django_capture_on_commit_callbacks
    )
    big_response, (big, big_stock) = capture_checkout(
        api, market, big_buyer, three_sellers, "besar", django_capture_on_commit_callbacks
    )

    assert len(small) == CHECKOUT_QUERIES, "\n".join(small)
    assert len(big) == CHECKOUT_QUERIES, "\n".join(big)
    # The stock of 1, then 5 products (the service keeps none).
    one_statement = connection.vendor == "postgresql"
    assert (len(small_stock), len(big_stock)) == ((0, 0) if one_statement else (1, 5))
    assert len(big_response.json()["fulfilments"]) == 3
    assert len(mail.outbox) == 3  # the warung's staff twice, the farmers' BUMDes once


def test_the_201_answer_is_the_order_as_it_reads_back(api, market):
    fill_cart(market["buyer"], (market["beras"], 2), (market["telur"], 4), (market["salak"], 1))
    api.force_authenticate(market["buyer"])

    placed = checkout(api, market, key="baca", payment="bank_transfer")
    body = placed.json()
    read = api.get(order_url(body["number"]))

    assert placed.status_code == 201
    assert body == read.json()
    assert [len(f["lines"]) for f in body["fulfilments"]] == [2, 1]
    assert all(f["payments"][0]["method"] == "bank_transfer" for f in body["fulfilments"])


def test_a_repeat_with_a_broken_body_still_answers_the_first_order(api, market):
    fill_cart(market["buyer"], (market["beras"], 1))
    api.force_authenticate(market["buyer"])
    delivery = {str(market["warung"].pk): "local"}
    first = checkout(api, market, key="ulang", delivery=delivery)

    again = api.post(
        CHECKOUT, {"address": "?"}, format="json", headers={"Idempotency-Key": "ulang"}
    )

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Order.objects.count() == 1


def test_a_broken_body_with_a_new_key_is_still_a_400(api, market):
    fill_cart(market["buyer"], (market["beras"], 1))
    api.force_authenticate(market["buyer"])

    response = api.post(
        CHECKOUT, {"address": "?"}, format="json", headers={"Idempotency-Key": "baru"}
    )

    assert response.status_code == 400
    assert not Order.objects.exists()


# --- the buyer's orders ------------------------------------------------------------------


def test_my_orders_newest_first(api, market):
    first = placed_order(market["buyer"], (market["beras"], 1), key="a")
    second = placed_order(market["buyer"], (market["salak"], 1), key="b")
    placed_order(market["neighbour"], (market["telur"], 2), key="c")
    api.force_authenticate(market["buyer"])

    body = api.get(ORDERS).json()

    assert body["count"] == 2
    assert [o["number"] for o in body["results"]] == [second.number, first.number]
    assert [f["seller"]["name"] for f in body["results"][1]["fulfilments"]] == ["Warung Bu Sri"]


def test_my_orders_in_constant_queries(api, market, django_assert_max_num_queries):
    placed_order(market["buyer"], (market["beras"], 1), key="a")
    api.force_authenticate(market["buyer"])
    with CaptureQueriesContext(connection) as one_order:
        api.get(ORDERS)
    placed_order(market["buyer"], (market["telur"], 2), (market["salak"], 1), key="b")
    placed_order(market["buyer"], (market["salak"], 1), key="c")

    # count; orders with village and placer; fulfilments with sellers; lines; payments
    with django_assert_max_num_queries(5):
        body = api.get(ORDERS).json()

    assert body["count"] == 3
    assert len(one_order) == 5


def test_my_order_by_its_number(api, market):
    order = placed_order(market["buyer"], (market["beras"], 2))
    api.force_authenticate(market["buyer"])

    body = api.get(order_url(order.number)).json()

    assert (body["number"], body["total"]) == (order.number, 28000)
    assert [(f["status"], f["delivery_method"]) for f in body["fulfilments"]] == [
        ("placed", "local")
    ]


def test_others_cannot_read_my_order(api, market):
    order = placed_order(market["buyer"], (market["beras"], 2))
    seller_staff = member(market["home"], Role.SELLER_STAFF, seller=market["warung"])

    for person in (market["neighbour"], seller_staff):
        api.force_authenticate(person)
        error_of(api.get(order_url(order.number)), 404, "order_not_found")
        fulfilment = order.fulfilments.get()
        response = api.post(
            buyer_step_url(order, fulfilment), {"to_status": "cancelled"}, format="json"
        )
        error_of(response, 404, "order_not_found")
    assert order.fulfilments.get().status == FulfilmentStatus.PLACED


def test_the_buyer_cancels_while_placed_and_the_stock_comes_back(api, market):
    order = placed_order(market["buyer"], (market["beras"], 2))
    fulfilment = order.fulfilments.get()
    api.force_authenticate(market["buyer"])

    response = api.post(
        buyer_step_url(order, fulfilment),
        {"to_status": "cancelled", "reason": "Salah pesan"},
        format="json",
    )

    body = response.json()
    assert response.status_code == 200, body
    assert body["fulfilments"][0]["status"] == "cancelled"
    assert body["fulfilments"][0]["cancel_reason"] == "Salah pesan"
    assert body["fulfilments"][0]["payments"][0]["status"] == PaymentStatus.REVERSED
    assert Product.objects.get(pk=market["beras"].pk).stock == 10
    event = FulfilmentEvent.objects.filter(
        fulfilment=fulfilment, type=EventType.STATUS_CHANGED
    ).latest("pk")
    assert (event.from_status, event.to_status, event.actor) == (
        "placed",
        "cancelled",
        market["buyer"],
    )


def test_the_buyer_cannot_cancel_once_confirmed(api, market):
    from orders import services

    order = placed_order(market["buyer"], (market["beras"], 2))
    fulfilment = order.fulfilments.get()
    staff = member(market["home"], Role.SELLER_STAFF, seller=market["warung"])
    services.transition_fulfilment(
        actor=staff, fulfilment_id=fulfilment.pk, to_status=FulfilmentStatus.CONFIRMED
    )
    api.force_authenticate(market["buyer"])

    response = api.post(buyer_step_url(order, fulfilment), {"to_status": "cancelled"})

    body = error_of(response, 403, "not_allowed_for_fulfilment")
    assert body["message"]
    assert Fulfilment.objects.get(pk=fulfilment.pk).status == FulfilmentStatus.CONFIRMED


def test_the_buyer_confirms_receipt(api, market):
    from orders import services

    order = placed_order(market["buyer"], (market["beras"], 1))
    fulfilment = order.fulfilments.get()
    staff = member(market["home"], Role.SELLER_STAFF, seller=market["warung"])
    for step in ("confirmed", "shipped", "delivered"):
        services.transition_fulfilment(actor=staff, fulfilment_id=fulfilment.pk, to_status=step)
    api.force_authenticate(market["buyer"])

    response = api.post(buyer_step_url(order, fulfilment), {"to_status": "completed"})

    assert response.status_code == 200, response.json()
    assert response.json()["fulfilments"][0]["status"] == "completed"


def test_the_buyer_cannot_take_a_sellers_step(api, market):
    order = placed_order(market["buyer"], (market["beras"], 1))
    fulfilment = order.fulfilments.get()
    api.force_authenticate(market["buyer"])

    response = api.post(buyer_step_url(order, fulfilment), {"to_status": "confirmed"})

    body = error_of(response, 400, "invalid")
    assert set(body["extra"]["fields"]) == {"to_status"}


def test_a_fulfilment_of_another_order_is_a_404(api, market):
    mine = placed_order(market["buyer"], (market["beras"], 1), key="a")
    theirs = placed_order(market["neighbour"], (market["telur"], 1), key="b")
    api.force_authenticate(market["buyer"])

    response = api.post(buyer_step_url(mine, theirs.fulfilments.get()), {"to_status": "cancelled"})

    error_of(response, 404, "fulfilment_not_found")
    assert theirs.fulfilments.get().status == FulfilmentStatus.PLACED


def test_checkout_by_bank_transfer_waits_for_payment(api, market):
    fill_cart(market["buyer"], (market["salak"], 2))
    api.force_authenticate(market["buyer"])

    response = checkout(
        api, market, payment="bank_transfer", delivery={str(market["tani"].pk): "pickup"}
    )

    body = response.json()
    assert response.status_code == 201, body
    assert [
        (p["method"], p["amount"], p["status"]) for p in body["fulfilments"][0]["payments"]
    ] == [("bank_transfer", 40000, PaymentStatus.PENDING)]


def test_a_key_is_the_buyers_own(api, market):
    """Another buyer sending the same key places their own order, and sees nothing of mine."""
    delivery = {str(market["warung"].pk): "local"}
    fill_cart(market["buyer"], (market["beras"], 1))
    fill_cart(market["neighbour"], (market["beras"], 2))
    api.force_authenticate(market["buyer"])
    mine = checkout(api, market, key="sama", delivery=delivery).json()
    api.force_authenticate(market["neighbour"])

    response = checkout(api, market, key="sama", delivery=delivery)

    assert response.status_code == 201
    assert response.json()["number"] != mine["number"]
    assert response.json()["total"] == 28000
    assert Order.objects.count() == 2


def test_the_schema_documents_the_order_endpoints(api):
    paths = api.get("/api/schema/?format=json").json()["paths"]

    assert set(paths) >= {
        "/api/v1/cart/",
        "/api/v1/cart/lines/{product_id}/",
        "/api/v1/checkout/",
        "/api/v1/orders/",
        "/api/v1/orders/{order_number}/",
        "/api/v1/orders/{order_number}/fulfilments/{fulfilment_id}/transition/",
        "/api/v1/manage/sellers/{village_slug}/{seller_slug}/fulfilments/",
        "/api/v1/manage/sellers/{village_slug}/{seller_slug}/fulfilments/{fulfilment_id}/",
        "/api/v1/manage/sellers/{village_slug}/{seller_slug}/fulfilments/{fulfilment_id}"
        "/transition/",
    }
    parameters = paths["/api/v1/checkout/"]["post"]["parameters"]
    assert {"name": "Idempotency-Key", "in": "header", "required": True}.items() <= next(
        p for p in parameters if p["name"] == "Idempotency-Key"
    ).items()


def test_an_assisted_order_names_who_placed_it(api, market):
    from orders import services

    operator = member(market["home"], Role.BUMDES_ADMIN, name="Pak Joko")
    cart = fill_cart(operator, (market["beras"], 1))
    order = services.place_order(
        buyer=market["buyer"],
        cart=cart,
        address=buyer_address(market["home"]),
        delivery_choices={market["warung"].pk: "local"},
        tenders=[("cash", None)],
        idempotency_key="telepon-1",
        placed_by=operator,
    )
    api.force_authenticate(market["buyer"])

    mine = api.get(order_url(order.number)).json()

    assert (mine["is_assisted"], mine["placed_by"]) == (True, "Pak Joko")
    api.force_authenticate(market["neighbour"])
    assert api.get(ORDERS).json()["count"] == 0
