"""Carts: quantities checked against stock and places, changes shown, merged at sign-in."""

import pytest
from django.urls import reverse

from catalog.exceptions import InsufficientStock
from catalog.models import Product
from orders import services
from orders.exceptions import CartLineNotFound, ProductUnavailable, QuantityInvalid, TourFull
from orders.models import Cart, CartLine
from orders.selectors import cart_summary
from tests.factories import PASSWORD, UserFactory, VillageFactory
from tests.orders.factories import fill_cart, goods, seller_in, service, tour

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    home = VillageFactory(slug="panggungharjo", name="Panggungharjo", code="34.02.15.2001")
    other = VillageFactory(slug="sriharjo", name="Sriharjo", code="34.02.10.2002")
    rice_seller = seller_in(home, name="Warung Bu Sri")
    tour_seller = seller_in(other, name="Wisata Kedung Ombo")
    return {
        "buyer": UserFactory(),
        "rice": goods(rice_seller, stock=5, price=14000, name="Beras Menthik"),
        "eggs": goods(rice_seller, stock=30, price=2000, name="Telur Ayam"),
        "tour": tour(tour_seller, capacity=4, price=150000, name="Susur Sungai Oya"),
        "massage": service(tour_seller, price=50000, name="Pijat Tradisional"),
    }


def test_a_signed_in_person_has_one_cart_and_a_session_another():
    user = UserFactory()

    mine = services.get_or_create_cart(user=user)
    anonymous = services.get_or_create_cart(session_key="abc123")

    assert services.get_or_create_cart(user=user) == mine
    assert services.get_or_create_cart(session_key="abc123") == anonymous
    assert mine != anonymous
    with pytest.raises(ValueError, match="needs a signed-in user"):
        services.get_or_create_cart()


def test_adding_twice_sums_and_keeps_the_price_shown(shop):
    cart = services.get_or_create_cart(user=shop["buyer"])

    services.add_to_cart(cart=cart, product_id=shop["rice"].pk, quantity=2)
    line = services.add_to_cart(cart=cart, product_id=shop["rice"].pk, quantity=3)

    assert (line.quantity, line.price_when_added) == (5, 14000)
    assert CartLine.objects.filter(cart=cart).count() == 1


def test_more_than_the_stock_is_refused_naming_the_product(shop):
    cart = fill_cart(shop["buyer"], (shop["rice"], 4))

    with pytest.raises(InsufficientStock) as refused:
        services.add_to_cart(cart=cart, product_id=shop["rice"].pk, quantity=2)

    assert refused.value.code == "out_of_stock"
    assert "Beras Menthik" in str(refused.value)
    assert refused.value.extra == {"product_id": shop["rice"].pk, "available": 5, "requested": 6}
    assert CartLine.objects.get(cart=cart).quantity == 4


def test_a_tour_takes_no_more_than_its_capacity_and_a_service_has_no_limit(shop):
    cart = fill_cart(shop["buyer"], (shop["tour"], 4), (shop["massage"], 40))

    with pytest.raises(TourFull) as refused:
        services.add_to_cart(cart=cart, product_id=shop["tour"].pk, quantity=1)

    assert refused.value.code == "tour_full"
    assert refused.value.extra["available"] == 4


@pytest.mark.parametrize("quantity", [0, -1, 1.5, True, "2"])
def test_a_quantity_must_be_a_whole_number_of_at_least_one(shop, quantity):
    cart = services.get_or_create_cart(user=shop["buyer"])

    with pytest.raises(QuantityInvalid):
        services.add_to_cart(cart=cart, product_id=shop["rice"].pk, quantity=quantity)

    assert not CartLine.objects.exists()


def test_a_withdrawn_product_or_seller_cannot_be_added(shop):
    cart = services.get_or_create_cart(user=shop["buyer"])
    Product.objects.filter(pk=shop["rice"].pk).update(is_active=False)
    shop["eggs"].seller.is_active = False
    shop["eggs"].seller.save()

    for product in (shop["rice"], shop["eggs"]):
        with pytest.raises(ProductUnavailable) as refused:
            services.add_to_cart(cart=cart, product_id=product.pk, quantity=1)
        assert refused.value.code == "product_unavailable"
    with pytest.raises(ProductUnavailable):
        services.add_to_cart(cart=cart, product_id=999_999, quantity=1)


def test_update_and_remove_lines(shop):
    cart = fill_cart(shop["buyer"], (shop["rice"], 1), (shop["eggs"], 10))

    line = services.update_cart_line(cart=cart, product_id=shop["eggs"].pk, quantity=12)
    services.update_cart_line(cart=cart, product_id=shop["rice"].pk, quantity=0)

    assert line.quantity == 12
    assert list(CartLine.objects.filter(cart=cart).values_list("product_id", "quantity")) == [
        (shop["eggs"].pk, 12)
    ]
    with pytest.raises(InsufficientStock):
        services.update_cart_line(cart=cart, product_id=shop["eggs"].pk, quantity=31)
    services.remove_cart_line(cart=cart, product_id=shop["eggs"].pk)
    with pytest.raises(CartLineNotFound):
        services.remove_cart_line(cart=cart, product_id=shop["eggs"].pk)
    with pytest.raises(CartLineNotFound):
        services.update_cart_line(cart=cart, product_id=shop["eggs"].pk, quantity=1)


def test_summary_groups_by_seller_and_shows_price_and_stock_changes(
    shop, django_assert_num_queries
):
    cart = fill_cart(
        shop["buyer"],
        (shop["tour"], 2),
        (shop["rice"], 4),
        (shop["eggs"], 10),
        (shop["massage"], 1),
    )
    Product.objects.filter(pk=shop["rice"].pk).update(price=15500, stock=3)

    with django_assert_num_queries(2):  # lines with products and sellers; tour places
        summary = cart_summary(cart)

    groups = [(g.village.name, g.seller.name, g.goods_total) for g in summary.groups]
    assert groups == [
        ("Panggungharjo", "Warung Bu Sri", 4 * 15500 + 10 * 2000),
        ("Sriharjo", "Wisata Kedung Ombo", 2 * 150000 + 50000),
    ]
    rice = summary.groups[0].lines[0]
    assert (rice.price_when_added, rice.unit_price, rice.price_changed) == (14000, 15500, True)
    assert (rice.available, rice.shortfall, rice.has_problem) == (3, 1, True)
    eggs = summary.groups[0].lines[1]
    assert (eggs.price_changed, eggs.shortfall) == (False, 0)
    assert summary.groups[1].lines[0].available == 4
    assert summary.groups[1].lines[1].available is None
    assert summary.goods_total == 4 * 15500 + 10 * 2000 + 2 * 150000 + 50000
    assert summary.has_price_changes
    assert summary.has_problems


def test_summary_query_count_does_not_grow_with_lines(shop, django_assert_num_queries):
    seller = shop["rice"].seller
    extra = [goods(seller, stock=5, price=1000 + n) for n in range(8)]
    cart = fill_cart(shop["buyer"], *[(product, 1) for product in extra])

    with django_assert_num_queries(1):  # no tours: their places are not read
        summary = cart_summary(cart)

    assert len(summary.groups[0].lines) == 8


def test_merge_sums_caps_at_stock_and_removes_the_session_cart(shop):
    user = shop["buyer"]
    fill_cart(user, (shop["rice"], 2))
    anonymous = services.get_or_create_cart(session_key="sesi-anonim")
    for product, quantity in ((shop["rice"], 5), (shop["eggs"], 3), (shop["massage"], 2)):
        services.add_to_cart(cart=anonymous, product_id=product.pk, quantity=quantity)

    cart = services.merge_carts(session_key="sesi-anonim", user=user)

    assert dict(cart.lines.values_list("product_id", "quantity")) == {
        shop["rice"].pk: 5,  # 2 + 5, capped at the stock of 5
        shop["eggs"].pk: 3,
        shop["massage"].pk: 2,
    }
    assert not Cart.objects.filter(session_key="sesi-anonim").exists()
    assert services.merge_carts(session_key="sesi-anonim", user=user) is None


def test_signing_in_through_the_login_page_merges_the_session_cart(client, shop):
    user = UserFactory(phone="+6281234567890")
    client.get("/")  # the anonymous visitor gets a session
    session = client.session
    session.save()
    anonymous = services.get_or_create_cart(session_key=session.session_key)
    services.add_to_cart(cart=anonymous, product_id=shop["eggs"].pk, quantity=6)

    response = client.post(
        reverse("account_login"), {"login": "081234567890", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert client.session.session_key != session.session_key
    cart = Cart.objects.get(user=user)
    assert list(cart.lines.values_list("product_id", "quantity")) == [(shop["eggs"].pk, 6)]
    assert not Cart.objects.filter(session_key=session.session_key).exists()
