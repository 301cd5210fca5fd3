"""The assisted order page: a seller or BUMDes admin orders for a resident."""

import re

import pytest
from django.urls import reverse

from catalog.models import Product
from orders.models import CartLine, Order
from tests.factories import member
from tests.orders.factories import delivery_options_for, fill_cart, goods, seller_in
from villages.enums import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def counter(two_villages):
    home = two_villages["home"]
    seller = seller_in(home, name="Warung Bu Sri", slug="warung-bu-sri")
    delivery_options_for(seller)
    return {
        "seller": seller,
        "staff": member(home, Role.SELLER_STAFF, seller=seller),
        "admin": two_villages["people"]["home"][Role.BUMDES_ADMIN],
        "resident": member(home, Role.RESIDENT, phone="+6281234567890", name="Mbah Karto"),
        "rice": goods(seller, stock=10, price=14000, name="Beras Menthik"),
        "eggs": goods(seller, stock=30, price=2000, name="Telur Ayam"),
    }


def page_url(seller):
    return reverse(
        "order_dashboard:assisted_order",
        kwargs={"village_slug": seller.village.slug, "seller_slug": seller.slug},
    )


def form_data(client, counter, **overrides):
    html = client.get(page_url(counter["seller"])).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    data = {
        "token": token,
        "buyer_phone": "0812 3456 7890",
        "dusun": "Glondong",
        "rt": "03",
        "rw": "07",
        "delivery": "local",
        "payment": "cash",
        f"qty_{counter['rice'].pk}": "2",
        f"qty_{counter['eggs'].pk}": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("operator", ["staff", "admin"])
def test_an_operator_orders_for_a_resident_once(english, counter, operator):
    english.force_login(counter[operator])
    data = form_data(english, counter)

    first = english.post(page_url(counter["seller"]), data)
    again = english.post(page_url(counter["seller"]), data)

    order = Order.objects.get()
    assert (order.buyer, order.placed_by, order.is_assisted) == (
        counter["resident"],
        counter[operator],
        True,
    )
    assert (order.recipient_name, order.dusun, order.total) == ("Mbah Karto", "Glondong", 28000)
    fulfilment = order.fulfilments.get()
    assert first.status_code == 302
    assert again.url == first.url
    assert [str(m) for m in english.get(again.url).context["messages"]] == [
        f"Order {order.number} placed for Mbah Karto.",
        "This order was already sent; it was not placed twice.",
    ]
    assert str(fulfilment.pk) in first.url
    assert Product.objects.get(pk=counter["rice"].pk).stock == 8
    assert not CartLine.objects.exists()
    assert "Order for a resident" in english.get(page_url(counter["seller"])).content.decode()


def test_an_unknown_phone_number_places_nothing(english, counter):
    english.force_login(counter["staff"])

    response = english.post(
        page_url(counter["seller"]), form_data(english, counter, buyer_phone="0813 9999 8888")
    )

    assert response.status_code == 400
    assert response.context["form"].errors["buyer_phone"] == ["No account has that phone number."]
    assert not Order.objects.exists()


def test_too_much_asked_places_nothing_and_leaves_the_cart_empty(english, counter):
    english.force_login(counter["staff"])

    response = english.post(
        page_url(counter["seller"]),
        form_data(english, counter, **{f"qty_{counter['rice'].pk}": "11"}),
    )

    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert not Order.objects.exists()
    assert not CartLine.objects.exists()
    assert Product.objects.get(pk=counter["rice"].pk).stock == 10


def test_the_operators_own_cart_must_be_empty(english, counter):
    fill_cart(counter["staff"], (counter["eggs"], 1))
    english.force_login(counter["staff"])

    response = english.post(page_url(counter["seller"]), form_data(english, counter))

    assert response.status_code == 400
    assert not Order.objects.exists()
    assert list(CartLine.objects.values_list("product_id", "quantity")) == [(counter["eggs"].pk, 1)]


def test_nothing_asked_is_refused(english, counter):
    english.force_login(counter["staff"])

    response = english.post(
        page_url(counter["seller"]),
        form_data(english, counter, **{f"qty_{counter['rice'].pk}": "0"}),
    )

    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "Enter a quantity for at least one product."
    ]


def test_a_corrected_form_may_be_sent_again_with_its_token(english, counter):
    english.force_login(counter["staff"])
    data = form_data(english, counter, **{f"qty_{counter['rice'].pk}": "11"})

    refused = english.post(page_url(counter["seller"]), data)
    data[f"qty_{counter['rice'].pk}"] = "1"
    placed = english.post(page_url(counter["seller"]), data)

    assert (refused.status_code, placed.status_code) == (400, 302)
    assert Order.objects.get().total == 14000
