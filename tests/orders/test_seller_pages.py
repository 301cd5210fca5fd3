"""The seller's order pages: the queue, one fulfilment and its actions, the packing slip."""

import pytest
from django.urls import reverse

from catalog.models import Product
from orders.enums import EventType, FulfilmentStatus, PaymentStatus
from orders.models import Fulfilment, FulfilmentEvent, Payment
from orders.services.lifecycle import transition_fulfilment
from tests.factories import member
from tests.orders.factories import goods, placed_order, seller_in
from villages.enums import Role

pytestmark = pytest.mark.django_db

S = FulfilmentStatus


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def shop(two_villages):
    """A home seller with staff and rice, another home seller, and a resident's order."""
    home = two_villages["home"]
    seller = seller_in(home, name="Warung Bu Sri", slug="warung-bu-sri")
    other_seller = seller_in(home, name="Toko Lain", slug="toko-lain")
    rice = goods(seller, stock=10, price=14000, name="Beras Menthik", unit="kg")
    other_rice = goods(other_seller, stock=10, price=15000, name="Beras Lain")
    buyer = two_villages["people"]["home"][Role.RESIDENT]
    order = placed_order(buyer, (rice, 3), (other_rice, 1))
    return {
        "seller": seller,
        "staff": member(home, Role.SELLER_STAFF, seller=seller),
        "other_staff": member(home, Role.SELLER_STAFF, seller=other_seller),
        "admin": two_villages["people"]["home"][Role.BUMDES_ADMIN],
        "outsider": two_villages["people"]["other"][Role.BUMDES_ADMIN],
        "buyer": buyer,
        "rice": rice,
        "order": order,
        "fulfilment": order.fulfilments.get(seller=seller),
        "other_fulfilment": order.fulfilments.get(seller=other_seller),
    }


def url(name, seller, **kwargs):
    return reverse(
        f"order_dashboard:{name}",
        kwargs={"village_slug": seller.village.slug, "seller_slug": seller.slug, **kwargs},
    )


def f_url(name, fulfilment):
    return url(name, fulfilment.seller, fulfilment_id=fulfilment.pk)


def step(client, fulfilment, to_status, **data):
    return client.post(f_url("transition", fulfilment), {"to_status": to_status, **data})


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def status_events(fulfilment):
    return list(
        FulfilmentEvent.objects.filter(
            fulfilment=fulfilment, type=EventType.STATUS_CHANGED
        ).values_list("from_status", "to_status", "actor_id")
    )


# --- the queue -----------------------------------------------------------------------------


def test_the_queue_lists_only_this_sellers_fulfilments(client, shop):
    client.force_login(shop["staff"])

    response = client.get(url("queue", shop["seller"]))

    assert response.status_code == 200
    assert [row["fulfilment"].pk for row in response.context["rows"]] == [shop["fulfilment"].pk]
    assert [row["steps"] for row in response.context["rows"]] == [[S.CONFIRMED]]
    html = response.content.decode()
    assert shop["order"].number in html
    assert 'value="confirmed"' in html


def test_the_queue_filters_by_status_and_sorts(client, shop):
    rice = shop["rice"]
    second = placed_order(shop["buyer"], (rice, 1), key="checkout-2").fulfilments.get()
    transition_fulfilment(
        actor=shop["staff"], fulfilment_id=second.pk, to_status=S.CANCELLED, reason="Habis"
    )
    client.force_login(shop["staff"])
    queue = url("queue", shop["seller"])

    def shown(**params):
        response = client.get(queue, params)
        return [row["fulfilment"].pk for row in response.context["rows"]]

    assert shown() == [shop["fulfilment"].pk]  # open ones only by default
    assert shown(status="cancelled") == [second.pk]
    assert shown(status="all") == [shop["fulfilment"].pk, second.pk]
    assert shown(status="all", sort="newest") == [second.pk, shop["fulfilment"].pk]
    assert shown(status="nonsense") == [shop["fulfilment"].pk]


def test_the_dashboard_nav_links_to_the_queue(client, shop):
    client.force_login(shop["staff"])
    response = client.get(
        reverse("dashboard:product_list", args=["panggungharjo", "warung-bu-sri"])
    )
    assert url("queue", shop["seller"]) in response.content.decode()


def test_the_queue_takes_the_same_queries_for_one_or_many_orders(
    client, shop, django_assert_num_queries
):
    client.force_login(shop["staff"])
    client.get(url("queue", shop["seller"]))  # warm the session
    with django_assert_num_queries(6) as one:
        client.get(url("queue", shop["seller"]))
    for n in range(5):
        placed_order(shop["buyer"], (shop["rice"], 1), key=f"more-{n}")
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url("queue", shop["seller"]))
    assert len(response.context["rows"]) == 6


# --- acting on a fulfilment ---------------------------------------------------------------


def test_seller_staff_confirm_then_ship(english, shop):
    fulfilment = shop["fulfilment"]
    english.force_login(shop["staff"])

    confirm = step(english, fulfilment, S.CONFIRMED, expected_status=S.PLACED, back="queue")
    ship = step(english, fulfilment, S.SHIPPED, expected_status=S.CONFIRMED)

    assert confirm.status_code == 302
    assert confirm.url == url("queue", shop["seller"])
    assert ship.url == f_url("fulfilment", fulfilment)
    fulfilment.refresh_from_db()
    assert fulfilment.status == S.SHIPPED
    assert status_events(fulfilment) == [
        ("", S.PLACED, shop["buyer"].pk),
        (S.PLACED, S.CONFIRMED, shop["staff"].pk),
        (S.CONFIRMED, S.SHIPPED, shop["staff"].pk),
    ]
    page = english.get(ship.url)
    number = shop["order"].number
    assert messages_of(page) == [f"Order {number}: Confirmed.", f"Order {number}: On its way."]
    assert page.context["steps"] == [S.DELIVERED]


def test_an_illegal_step_is_refused_with_its_message_and_changes_nothing(english, shop):
    fulfilment = shop["fulfilment"]
    english.force_login(shop["staff"])

    response = step(english, fulfilment, S.DELIVERED)
    page = english.get(response.url)

    fulfilment.refresh_from_db()
    assert fulfilment.status == S.PLACED
    assert status_events(fulfilment) == [("", S.PLACED, shop["buyer"].pk)]
    assert messages_of(page) == ["An order that is placed cannot become delivered."]


def test_a_step_on_a_fulfilment_someone_else_moved_is_refused(english, shop):
    fulfilment = shop["fulfilment"]
    transition_fulfilment(actor=shop["admin"], fulfilment_id=fulfilment.pk, to_status=S.CONFIRMED)
    english.force_login(shop["staff"])

    step(english, fulfilment, S.CONFIRMED, expected_status=S.PLACED)

    assert len(status_events(fulfilment)) == 2


def test_cancelling_needs_a_reason_and_returns_the_stock(english, shop):
    fulfilment, rice = shop["fulfilment"], shop["rice"]
    assert Product.objects.get(pk=rice.pk).stock == 7
    english.force_login(shop["staff"])

    refused = step(english, fulfilment, S.CANCELLED, reason="  ")
    refused_page = english.get(refused.url)
    fulfilment.refresh_from_db()
    assert fulfilment.status == S.PLACED
    assert Product.objects.get(pk=rice.pk).stock == 7
    assert messages_of(refused_page) == ["Say why the order is cancelled."]

    step(english, fulfilment, S.CANCELLED, reason="Beras habis kena banjir")

    fulfilment.refresh_from_db()
    assert (fulfilment.status, fulfilment.cancel_reason) == (S.CANCELLED, "Beras habis kena banjir")
    assert Product.objects.get(pk=rice.pk).stock == 10
    assert set(fulfilment.payments.values_list("status", flat=True)) == {PaymentStatus.REVERSED}


def test_the_bumdes_admin_of_the_village_can_act(client, shop):
    client.force_login(shop["admin"])

    step(client, shop["fulfilment"], S.CONFIRMED)

    shop["fulfilment"].refresh_from_db()
    assert shop["fulfilment"].status == S.CONFIRMED
    assert client.get(f_url("fulfilment", shop["fulfilment"])).status_code == 200


@pytest.mark.parametrize("person", ["other_staff", "outsider", "buyer"])
def test_others_may_not_see_or_act(client, shop, person):
    fulfilment = shop["fulfilment"]
    client.force_login(shop[person])

    responses = [
        client.get(url("queue", shop["seller"])),
        client.get(f_url("fulfilment", fulfilment)),
        client.get(f_url("packing_slip", fulfilment)),
        step(client, fulfilment, S.CONFIRMED),
        client.post(
            f_url("payment", fulfilment),
            {"payment": fulfilment.payments.get().pk, "action": "cash_collected"},
        ),
    ]

    assert [r.status_code for r in responses] == [403] * 5
    fulfilment.refresh_from_db()
    assert fulfilment.status == S.PLACED
    assert fulfilment.payments.get().status == PaymentStatus.PENDING


def test_a_fulfilment_of_another_seller_is_not_found(client, shop):
    other = shop["other_fulfilment"]
    client.force_login(shop["staff"])
    seller = shop["seller"]

    for name in ("fulfilment", "packing_slip"):
        assert client.get(url(name, seller, fulfilment_id=other.pk)).status_code == 404
    assert (
        client.post(url("transition", seller, fulfilment_id=other.pk), {"to_status": "confirmed"})
    ).status_code == 404
    # The admin manages both sellers, but the URL names the seller the fulfilment is of.
    client.force_login(shop["admin"])
    assert client.get(url("fulfilment", seller, fulfilment_id=other.pk)).status_code == 404
    other.refresh_from_db()
    assert other.status == S.PLACED


# --- the fulfilment page and payments ---------------------------------------------------------


def test_the_fulfilment_page_shows_lines_address_payments_and_timeline(
    english, shop, django_assert_max_num_queries
):
    fulfilment = shop["fulfilment"]
    transition_fulfilment(actor=shop["staff"], fulfilment_id=fulfilment.pk, to_status=S.CONFIRMED)
    english.force_login(shop["staff"])
    page = f_url("fulfilment", fulfilment)
    english.get(url("queue", shop["seller"]))

    with django_assert_max_num_queries(9):
        response = english.get(page)

    assert response.status_code == 200
    html = response.content.decode()
    order = shop["order"]
    assert [line.product_name for line in response.context["lines"]] == ["Beras Menthik"]
    assert order.recipient_name in html
    assert order.delivery_village.name in html
    assert "Cash collected" in html
    assert "https://wa.me/" in html
    assert [(e.to_status, e.actor) for e in response.context["events"]] == [
        (S.PLACED, shop["buyer"]),
        (S.CONFIRMED, shop["staff"]),
    ]


def test_the_seller_marks_cash_collected_once(english, shop):
    fulfilment = shop["fulfilment"]
    payment = fulfilment.payments.get()
    english.force_login(shop["staff"])
    data = {"payment": payment.pk, "action": "cash_collected"}

    first = english.post(f_url("payment", fulfilment), data)
    assert messages_of(english.get(first.url)) == [
        f"Cash collected for order {shop['order'].number}."
    ]
    second = english.post(f_url("payment", fulfilment), data)
    assert len(messages_of(english.get(second.url))) == 1

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert (
        FulfilmentEvent.objects.filter(
            fulfilment=fulfilment, type=EventType.PAYMENT_CHANGED
        ).count()
        == 1
    )


def test_a_payment_of_another_fulfilment_is_not_found(client, shop):
    client.force_login(shop["admin"])
    other_payment = shop["other_fulfilment"].payments.get()

    response = client.post(
        f_url("payment", shop["fulfilment"]),
        {"payment": other_payment.pk, "action": "cash_collected"},
    )

    assert response.status_code == 404
    assert Payment.objects.get(pk=other_payment.pk).status == PaymentStatus.PENDING


def test_confirming_a_transfer_on_a_cash_payment_is_refused(english, shop):
    fulfilment = shop["fulfilment"]
    english.force_login(shop["staff"])

    response = english.post(
        f_url("payment", fulfilment),
        {"payment": fulfilment.payments.get().pk, "action": "confirm_transfer"},
    )

    assert len(messages_of(english.get(response.url))) == 1
    assert fulfilment.payments.get().status == PaymentStatus.PENDING


# --- the packing slip --------------------------------------------------------------------------


def test_the_packing_slip_shows_recipient_address_and_lines(
    english, shop, django_assert_max_num_queries
):
    english.force_login(shop["staff"])
    slip = f_url("packing_slip", shop["fulfilment"])
    english.get(url("queue", shop["seller"]))

    # session, user, seller, memberships, fulfilment, lines, delivery village
    with django_assert_max_num_queries(7):
        response = english.get(slip)

    assert response.status_code == 200
    html = response.content.decode()
    order = shop["order"]
    for text in (order.number, order.recipient_name, order.contact_phone, "Warung Bu Sri"):
        assert text in html
    assert "Beras Menthik" in html
    assert "3 kg" in html
    assert "3 items in total." in html
    assert Fulfilment.objects.get(pk=shop["fulfilment"].pk).status == S.PLACED


def test_the_seller_confirms_a_transfer_with_its_reference(english, shop):
    order = placed_order(
        shop["buyer"], (shop["rice"], 1), tenders=(("bank_transfer", None),), key="tf"
    )
    fulfilment = order.fulfilments.get()
    english.force_login(shop["staff"])
    page = english.get(f_url("fulfilment", fulfilment))
    assert "Confirm transfer" in page.content.decode()

    response = english.post(
        f_url("payment", fulfilment),
        {
            "payment": fulfilment.payments.get().pk,
            "action": "confirm_transfer",
            "reference": "BRI-77",
        },
    )

    assert messages_of(english.get(response.url)) == [
        f"Transfer confirmed for order {order.number}."
    ]
    payment = fulfilment.payments.get()
    assert (payment.status, payment.reference) == (PaymentStatus.PAID, "BRI-77")


def test_a_pickup_order_is_made_ready_for_pickup_not_shipped(client, shop):
    order = placed_order(shop["buyer"], (shop["rice"], 1), delivery="pickup", key="pickup")
    fulfilment = order.fulfilments.get()
    transition_fulfilment(actor=shop["staff"], fulfilment_id=fulfilment.pk, to_status=S.CONFIRMED)
    client.force_login(shop["staff"])

    page = client.get(f_url("fulfilment", fulfilment))
    step(client, fulfilment, S.READY_FOR_PICKUP, expected_status=S.CONFIRMED)

    assert page.context["steps"] == [S.READY_FOR_PICKUP]
    assert 'value="shipped"' not in page.content.decode()
    fulfilment.refresh_from_db()
    assert fulfilment.status == S.READY_FOR_PICKUP


def test_the_pages_render_in_indonesian_by_default(client, shop):
    client.force_login(shop["staff"])
    for page in (
        url("queue", shop["seller"]),
        f_url("fulfilment", shop["fulfilment"]),
        f_url("packing_slip", shop["fulfilment"]),
    ):
        response = client.get(page)
        assert response.status_code == 200
        assert '<html lang="id">' in response.content.decode()
