"""The seller API: a seller's fulfilments and their steps, through the lifecycle service."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from catalog.models import Product
from orders.enums import EventType, FulfilmentStatus
from orders.models import Fulfilment, FulfilmentEvent
from tests.api.helpers import error_of
from tests.factories import member
from tests.orders.factories import goods, placed_order, seller_in
from villages.enums import Role

pytestmark = pytest.mark.django_db

BASE = "/api/v1/manage/sellers/{}/{}/fulfilments/"


def list_url(seller):
    return BASE.format(seller.village.slug, seller.slug)


def fulfilment_url(fulfilment, seller=None):
    seller = seller or fulfilment.seller
    return f"{list_url(seller)}{fulfilment.pk}/"


def step_url(fulfilment, seller=None):
    return f"{fulfilment_url(fulfilment, seller)}transition/"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def shop(two_villages):
    """The home village's warung with its staff, a second seller, and an order of each."""
    home = two_villages["home"]
    warung = seller_in(home, name="Warung Bu Sri", slug="warung-bu-sri")
    kopi = seller_in(home, name="Kopi Mbah Kromo", slug="kopi-mbah-kromo")
    beras = goods(warung, stock=10, price=14000, name="Beras Pandan Wangi")
    bubuk = goods(kopi, stock=10, price=30000, name="Kopi Bubuk")
    buyer = two_villages["people"]["home"][Role.RESIDENT]
    order = placed_order(buyer, (beras, 2), key="a")
    return {
        "warung": warung,
        "kopi": kopi,
        "beras": beras,
        "buyer": buyer,
        "order": order,
        "fulfilment": order.fulfilments.get(),
        "kopi_order": placed_order(buyer, (bubuk, 1), key="b"),
        "staff": member(home, Role.SELLER_STAFF, seller=warung),
        "kopi_staff": member(home, Role.SELLER_STAFF, seller=kopi),
        "admin": two_villages["people"]["home"][Role.BUMDES_ADMIN],
        "outsider": two_villages["people"]["other"][Role.BUMDES_ADMIN],
    }


def test_staff_see_their_sellers_fulfilments(api, shop):
    api.force_authenticate(shop["staff"])

    body = api.get(list_url(shop["warung"])).json()

    assert body["count"] == 1
    row = body["results"][0]
    assert (row["id"], row["status"], row["total"]) == (shop["fulfilment"].pk, "placed", 28000)
    assert row["order"]["number"] == shop["order"].number
    assert row["order"]["recipient_name"] == "Bu Sumarni"
    assert [(line["product_name"], line["quantity"]) for line in row["lines"]] == [
        ("Beras Pandan Wangi", 2)
    ]
    assert [(p["method"], p["amount"]) for p in row["payments"]] == [("cash", 28000)]


def test_the_status_filter(api, shop):
    from orders import services

    second = placed_order(shop["buyer"], (shop["beras"], 1), key="c").fulfilments.get()
    services.transition_fulfilment(
        actor=shop["staff"], fulfilment_id=second.pk, to_status=FulfilmentStatus.CONFIRMED
    )
    api.force_authenticate(shop["admin"])

    placed = api.get(list_url(shop["warung"]), {"status": "placed"}).json()
    confirmed = api.get(list_url(shop["warung"]), {"status": "confirmed"}).json()
    wrong = api.get(list_url(shop["warung"]), {"status": "lost"})

    assert [row["id"] for row in placed["results"]] == [shop["fulfilment"].pk]
    assert [row["id"] for row in confirmed["results"]] == [second.pk]
    assert set(error_of(wrong, 400, "invalid")["extra"]["fields"]) == {"status"}


def test_the_list_in_constant_queries(api, shop, django_assert_max_num_queries):
    api.force_authenticate(shop["staff"])
    with CaptureQueriesContext(connection) as one:
        api.get(list_url(shop["warung"]))
    placed_order(shop["buyer"], (shop["beras"], 1), key="c")
    placed_order(shop["buyer"], (shop["beras"], 3), key="d")

    # seller; scope memberships; count; fulfilments with orders; lines; payments
    with django_assert_max_num_queries(6):
        body = api.get(list_url(shop["warung"])).json()

    assert body["count"] == 3
    assert len(one) == 6


def test_a_fulfilment_with_its_timeline(api, shop):
    api.force_authenticate(shop["staff"])

    body = api.get(fulfilment_url(shop["fulfilment"])).json()

    assert body["id"] == shop["fulfilment"].pk
    assert [(e["type"], e["from_status"], e["to_status"]) for e in body["events"]] == [
        ("status_changed", "", "placed")
    ]


def test_staff_move_a_fulfilment_step_by_step(api, shop):
    fulfilment = shop["fulfilment"]
    api.force_authenticate(shop["staff"])

    statuses = []
    for step in ("confirmed", "shipped", "delivered"):
        response = api.post(step_url(fulfilment), {"to_status": step}, format="json")
        assert response.status_code == 200, response.json()
        statuses.append(response.json()["status"])

    assert statuses == ["confirmed", "shipped", "delivered"]
    events = FulfilmentEvent.objects.filter(
        fulfilment=fulfilment, type=EventType.STATUS_CHANGED
    ).order_by("pk")
    assert [(e.from_status, e.to_status, e.actor) for e in events][1:] == [
        ("placed", "confirmed", shop["staff"]),
        ("confirmed", "shipped", shop["staff"]),
        ("shipped", "delivered", shop["staff"]),
    ]


def test_the_bumdes_admin_cancels_with_a_reason_and_the_stock_comes_back(api, shop):
    api.force_authenticate(shop["admin"])

    response = api.post(
        step_url(shop["fulfilment"]),
        {"to_status": "cancelled", "reason": "Beras habis di gudang"},
        format="json",
    )

    body = response.json()
    assert response.status_code == 200, body
    assert (body["status"], body["cancel_reason"]) == ("cancelled", "Beras habis di gudang")
    assert Product.objects.get(pk=shop["beras"].pk).stock == 10


def test_a_seller_cancels_only_with_a_reason(api, shop):
    api.force_authenticate(shop["staff"])

    response = api.post(step_url(shop["fulfilment"]), {"to_status": "cancelled"})

    error_of(response, 400, "reason_required")
    assert Fulfilment.objects.get(pk=shop["fulfilment"].pk).status == FulfilmentStatus.PLACED


def test_an_illegal_step_is_refused_with_its_code(api, shop):
    api.force_authenticate(shop["staff"])

    response = api.post(step_url(shop["fulfilment"]), {"to_status": "delivered"})

    body = error_of(response, 409, "transition_not_allowed")
    assert body["extra"] == {"from_status": "placed", "to_status": "delivered"}
    assert Fulfilment.objects.get(pk=shop["fulfilment"].pk).status == FulfilmentStatus.PLACED
    assert FulfilmentEvent.objects.filter(fulfilment=shop["fulfilment"]).count() == 1


def test_a_repeated_step_is_refused_as_already_done(api, shop):
    api.force_authenticate(shop["staff"])
    api.post(step_url(shop["fulfilment"]), {"to_status": "confirmed"})

    response = api.post(step_url(shop["fulfilment"]), {"to_status": "confirmed"})

    assert error_of(response, 409, "transition_not_allowed")["extra"]["already"] is True


def test_another_sellers_staff_are_refused(api, shop):
    api.force_authenticate(shop["kopi_staff"])

    read = api.get(fulfilment_url(shop["fulfilment"]))
    step = api.post(step_url(shop["fulfilment"]), {"to_status": "confirmed"})
    listed = api.get(list_url(shop["warung"]))

    error_of(read, 403, "not_allowed_for_village")
    error_of(step, 403, "not_allowed_for_village")
    error_of(listed, 403, "not_allowed_for_village")
    assert Fulfilment.objects.get(pk=shop["fulfilment"].pk).status == FulfilmentStatus.PLACED


def test_a_fulfilment_of_another_seller_under_my_seller_is_a_404(api, shop):
    theirs = shop["kopi_order"].fulfilments.get()
    api.force_authenticate(shop["staff"])

    read = api.get(fulfilment_url(theirs, seller=shop["warung"]))
    step = api.post(step_url(theirs, seller=shop["warung"]), {"to_status": "confirmed"})

    error_of(read, 404, "fulfilment_not_found")
    error_of(step, 404, "fulfilment_not_found")
    assert Fulfilment.objects.get(pk=theirs.pk).status == FulfilmentStatus.PLACED


def test_other_villages_and_the_buyer_are_refused(api, shop):
    for person in (shop["outsider"], shop["buyer"]):
        api.force_authenticate(person)
        response = api.post(step_url(shop["fulfilment"]), {"to_status": "confirmed"})
        error_of(response, 403, "not_allowed_for_village")


def test_anonymous_visitors_get_401(api, shop):
    for response in (
        api.get(list_url(shop["warung"])),
        api.get(fulfilment_url(shop["fulfilment"])),
        api.post(step_url(shop["fulfilment"]), {"to_status": "confirmed"}),
    ):
        error_of(response, 401, "not_authenticated")
