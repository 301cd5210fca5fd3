"""The buyer's pages: cart, checkout, the order's confirmation and detail, my orders."""

import io
import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage

from catalog.models import Product
from orders import services
from orders.enums import DeliveryMethod, FulfilmentStatus, PaymentMethod, PaymentStatus
from orders.models import Cart, Fulfilment, Order
from tests.factories import PASSWORD, UserFactory
from tests.orders.factories import delivery_options_for, fill_cart, goods, placed_order, seller_in
from tests.pages.html import read_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def en(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def shop(two_villages):
    """A seller in each village of the market, the other one with a courier."""
    home, other = two_villages["home"], two_villages["other"]
    near = seller_in(home, name="Warung Bu Tini")
    far = seller_in(other, name="Tani Sriharjo")
    delivery_options_for(near)
    delivery_options_for(far, courier_enabled=True, fee_same_kabupaten=8000)
    return {
        "near": near,
        "far": far,
        "rice": goods(near, stock=10, price=14000, name="Beras Mentik"),
        "eggs": goods(near, stock=30, price=2500, name="Telur Ayam"),
        "chili": goods(far, stock=5, price=30000, name="Cabai Rawit"),
        **two_villages,
    }


def text_of(response):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def checkout_data(page_response, shop, **overrides):
    """The checkout form as rendered (hidden key included), filled in like a buyer would."""
    page = read_page(page_response)
    form = next(f for f in page.forms if f.attrs.get("id") == "checkout-form")
    key = next(i["value"] for i in form.inputs if i.get("name") == "idempotency_key")
    data = {
        "idempotency_key": key,
        "delivery_village": shop["home"].pk,
        "recipient_name": "Bu Sumarni",
        "phone": "0812 3456 7890",
        "dusun": "Glondong",
        "rt": "03",
        "rw": "07",
        "notes": "Rumah cat hijau",
        "payment_method": PaymentMethod.CASH,
        f"delivery_{shop['near'].pk}": DeliveryMethod.LOCAL,
        f"delivery_{shop['far'].pk}": DeliveryMethod.COURIER,
        "place": "1",
    }
    data.update(overrides)
    return data


def test_an_anonymous_cart_merges_at_sign_in(en, shop):
    user = UserFactory(phone="+6281234567890")
    fill_cart(user, (shop["eggs"], 2))

    response = en.post(
        reverse("orders:cart_add"),
        {"product_id": shop["rice"].pk, "quantity": 3, "next": "/keranjang/"},
        follow=True,
    )
    assert "Beras Mentik is in your cart." in text_of(response)
    assert 'id="cart-link"' in response.content.decode()
    anonymous = Cart.objects.get(session_key=en.session.session_key)
    assert list(anonymous.lines.values_list("product_id", "quantity")) == [(shop["rice"].pk, 3)]

    en.post(reverse("account_login"), {"login": "081234567890", "password": PASSWORD})

    response = en.get(reverse("orders:cart"))
    assert response.status_code == 200
    cart = Cart.objects.get(user=user)
    assert dict(cart.lines.values_list("product_id", "quantity")) == {
        shop["eggs"].pk: 2,
        shop["rice"].pk: 3,
    }
    assert not Cart.objects.filter(pk=anonymous.pk).exists()
    assert "Rp47.000" in text_of(response)  # 2 x 2.500 + 3 x 14.000
    assert en.session["cart_count"] == 2


def test_adding_more_than_the_stock_names_the_product(en, shop):
    response = en.post(
        reverse("orders:cart_add"),
        {"product_id": shop["chili"].pk, "quantity": 6},
        follow=True,
    )
    assert "Cabai Rawit" in text_of(response)
    assert not Cart.objects.filter(lines__isnull=False).exists()


def test_the_cart_page_updates_and_removes_lines(en, shop):
    buyer = shop["people"]["home"]["resident"]
    fill_cart(buyer, (shop["rice"], 2), (shop["chili"], 1))
    en.force_login(buyer)

    en.post(reverse("orders:cart_update"), {"product_id": shop["rice"].pk, "quantity": 4})
    en.post(reverse("orders:cart_update"), {"product_id": shop["chili"].pk, "remove": "1"})

    cart = Cart.objects.get(user=buyer)
    assert list(cart.lines.values_list("product_id", "quantity")) == [(shop["rice"].pk, 4)]


def test_the_cart_shows_price_changes_and_shortfalls(en, shop):
    buyer = shop["people"]["home"]["resident"]
    fill_cart(buyer, (shop["rice"], 2), (shop["chili"], 5))
    Product.objects.filter(pk=shop["rice"].pk).update(price=15000)
    Product.objects.filter(pk=shop["chili"].pk).update(stock=3)
    en.force_login(buyer)

    response = en.get(reverse("orders:cart"))

    text = text_of(response)
    assert "Price changed from Rp14.000 to Rp15.000" in text
    assert "Only 3 left" in text
    page = response.content.decode()
    assert f'id="seller-{shop["near"].pk}"' in page
    assert f'id="seller-{shop["far"].pk}"' in page


def test_checkout_from_two_villages_with_cash_makes_one_order_of_two_fulfilments(en, shop):
    buyer = shop["people"]["home"]["resident"]
    fill_cart(buyer, (shop["rice"], 2), (shop["eggs"], 4), (shop["chili"], 1))
    en.force_login(buyer)
    page = en.get(reverse("orders:checkout"))
    assert page.status_code == 200
    assert "Rp68.000" in text_of(page)  # pickup is offered first: no fee yet
    data = checkout_data(page, shop)

    updated = en.post(reverse("orders:checkout"), {**data, "update": "1"})
    assert updated.status_code == 200
    assert "Rp76.000" in text_of(updated)  # 28.000 + 10.000 + 30.000 + 8.000 courier
    assert not Order.objects.exists()

    response = en.post(reverse("orders:checkout"), data)

    order = Order.objects.get(buyer=buyer)
    assert response.status_code == 302
    assert response.url == reverse("orders:order", kwargs={"order_number": order.number})
    fulfilments = {f.seller_id: f for f in order.fulfilments.all()}
    assert (fulfilments[shop["near"].pk].total, fulfilments[shop["far"].pk].total) == (
        38000,
        38000,
    )
    assert (
        fulfilments[shop["far"].pk].delivery_method,
        fulfilments[shop["far"].pk].delivery_fee,
    ) == (
        DeliveryMethod.COURIER,
        8000,
    )
    assert (order.goods_total, order.delivery_total, order.total) == (68000, 8000, 76000)
    assert {p.method for f in fulfilments.values() for p in f.payments.all()} == {
        PaymentMethod.CASH
    }
    confirmation = en.get(response.url)
    text = text_of(confirmation)
    assert order.number in text
    assert "Rp76.000" in text
    subtotals = re.findall(
        r'class="fulfilment-total">\s*([^<]+?)\s*<', confirmation.content.decode()
    )
    assert subtotals == ["Rp38.000", "Rp38.000"]
    assert "Warung Bu Tini" in text
    assert "Tani Sriharjo" in text
    assert "https://wa.me/" in confirmation.content.decode()


def test_a_double_submit_returns_the_same_order(en, shop):
    buyer = shop["people"]["home"]["resident"]
    fill_cart(buyer, (shop["rice"], 1))
    en.force_login(buyer)
    data = checkout_data(en.get(reverse("orders:checkout")), shop)
    data.pop(f"delivery_{shop['far'].pk}")

    first = en.post(reverse("orders:checkout"), data)
    second = en.post(reverse("orders:checkout"), data)

    order = Order.objects.get(buyer=buyer)
    assert first.url == second.url == reverse("orders:order", kwargs={"order_number": order.number})
    assert Product.objects.get(pk=shop["rice"].pk).stock == 9


def test_a_product_sold_out_meanwhile_is_named_and_nothing_is_kept(en, shop):
    buyer = shop["people"]["home"]["resident"]
    fill_cart(buyer, (shop["rice"], 1), (shop["chili"], 2))
    en.force_login(buyer)
    data = checkout_data(en.get(reverse("orders:checkout")), shop)
    placed_order(shop["people"]["other"]["resident"], (shop["chili"], 5), key="sneller")

    response = en.post(reverse("orders:checkout"), data)

    assert response.status_code == 200
    assert "Cabai Rawit" in text_of(response)
    assert not Order.objects.filter(buyer=buyer).exists()
    assert Product.objects.get(pk=shop["rice"].pk).stock == 10
    assert Cart.objects.get(user=buyer).lines.count() == 2


def test_someone_else_cannot_open_or_cancel_my_order(client, shop):
    buyer = shop["people"]["home"]["resident"]
    order = placed_order(buyer, (shop["rice"], 2))
    fulfilment = order.fulfilments.get()
    client.force_login(shop["people"]["other"]["resident"])

    assert (
        client.get(reverse("orders:order", kwargs={"order_number": order.number})).status_code
        == 404
    )
    cancel = reverse(
        "orders:cancel_fulfilment",
        kwargs={"order_number": order.number, "fulfilment_id": fulfilment.pk},
    )
    assert client.post(cancel).status_code == 404
    assert Fulfilment.objects.get(pk=fulfilment.pk).status == FulfilmentStatus.PLACED


def test_the_buyer_cancels_a_placed_fulfilment_and_the_stock_comes_back(en, shop):
    buyer = shop["people"]["home"]["resident"]
    order = placed_order(buyer, (shop["rice"], 3))
    fulfilment = order.fulfilments.get()
    assert Product.objects.get(pk=shop["rice"].pk).stock == 7
    en.force_login(buyer)

    response = en.post(
        reverse(
            "orders:cancel_fulfilment",
            kwargs={"order_number": order.number, "fulfilment_id": fulfilment.pk},
        ),
        follow=True,
    )

    assert "The order was cancelled." in text_of(response)
    assert Fulfilment.objects.get(pk=fulfilment.pk).status == FulfilmentStatus.CANCELLED
    assert Product.objects.get(pk=shop["rice"].pk).stock == 10
    timeline = re.search(r'<ol class="timeline">(.*?)</ol>', response.content.decode(), re.S)
    assert timeline is not None
    assert "Placed" in timeline.group(1)
    assert "Cancelled" in timeline.group(1)


def test_an_assisted_order_says_who_placed_it(en, shop):
    buyer = shop["people"]["home"]["resident"]
    admin = shop["people"]["home"]["bumdes_admin"]
    fill_cart(admin, (shop["rice"], 1))
    order = services.place_order(
        buyer=buyer,
        cart=Cart.objects.get(user=admin),
        address=services.Address(
            delivery_village=shop["home"], recipient_name="Pak Darto", phone="081234567891"
        ),
        delivery_choices={shop["near"].pk: DeliveryMethod.PICKUP},
        tenders=[("cash", None)],
        idempotency_key="loket-1",
        placed_by=admin,
    )
    en.force_login(buyer)

    response = en.get(reverse("orders:order", kwargs={"order_number": order.number}))

    assert f"Placed for you by {admin.name}." in text_of(response)


def test_query_counts_stay_the_same_however_many_lines(client, shop, django_assert_num_queries):
    buyer = shop["people"]["home"]["resident"]
    more = [goods(shop["far"], stock=5, price=1000 + n) for n in range(4)]
    first = placed_order(buyer, *[(p, 1) for p in more], key="k1")
    placed_order(buyer, (shop["rice"], 1), (shop["eggs"], 1), key="k2")
    fill_cart(buyer, (shop["rice"], 1), (shop["chili"], 1), *[(p, 1) for p in more])
    client.force_login(buyer)
    client.get(reverse("orders:cart"))  # the session learns the count once

    with django_assert_num_queries(4):  # session, user, cart, its lines
        assert client.get(reverse("orders:cart")).status_code == 200

    with django_assert_num_queries(6):  # session, user, orders, fulfilments, lines, payments
        assert client.get(reverse("orders:my_orders")).status_code == 200

    with django_assert_num_queries(7):  # … and the events with their actors
        response = client.get(reverse("orders:order", kwargs={"order_number": first.number}))
    assert response.status_code == 200


def picture():
    data = io.BytesIO()
    PILImage.new("RGB", (4, 4), "green").save(data, format="PNG")
    return SimpleUploadedFile("bukti.png", data.getvalue(), content_type="image/png")


def test_the_buyer_confirms_receipt_of_a_delivered_fulfilment(en, shop):
    buyer = shop["people"]["home"]["resident"]
    admin = shop["people"]["home"]["bumdes_admin"]
    order = placed_order(buyer, (shop["rice"], 1))
    fulfilment = order.fulfilments.get()
    for status in (FulfilmentStatus.CONFIRMED, FulfilmentStatus.SHIPPED):
        services.transition_fulfilment(actor=admin, fulfilment_id=fulfilment.pk, to_status=status)
    en.force_login(buyer)
    detail = reverse("orders:order", kwargs={"order_number": order.number})
    kwargs = {"order_number": order.number, "fulfilment_id": fulfilment.pk}
    assert 'action="{}"'.format(reverse("orders:confirm_receipt", kwargs=kwargs)) not in (
        en.get(detail).content.decode()
    )
    services.transition_fulfilment(
        actor=admin, fulfilment_id=fulfilment.pk, to_status=FulfilmentStatus.DELIVERED
    )
    assert 'action="{}"'.format(reverse("orders:confirm_receipt", kwargs=kwargs)) in (
        en.get(detail).content.decode()
    )

    response = en.post(reverse("orders:confirm_receipt", kwargs=kwargs), follow=True)

    assert "Thank you: the order is completed." in text_of(response)
    assert Fulfilment.objects.get(pk=fulfilment.pk).status == FulfilmentStatus.COMPLETED


def test_the_buyer_sends_a_transfer_proof(en, shop):
    buyer = shop["people"]["home"]["resident"]
    order = placed_order(buyer, (shop["rice"], 1), tenders=(("bank_transfer", None),))
    fulfilment = order.fulfilments.get()
    en.force_login(buyer)
    url = reverse(
        "orders:transfer_proof",
        kwargs={"order_number": order.number, "fulfilment_id": fulfilment.pk},
    )

    response = en.post(url, {"proof": picture()}, follow=True)

    assert "Thank you: the seller will check your transfer." in text_of(response)
    payment = fulfilment.payments.get()
    assert payment.status == PaymentStatus.AWAITING_CONFIRMATION
    assert payment.proof.name


def test_checkout_with_an_empty_cart_goes_back_to_the_cart(client, shop):
    client.force_login(shop["people"]["home"]["resident"])

    response = client.get(reverse("orders:checkout"))

    assert response.status_code == 302
    assert response.url == reverse("orders:cart")


def test_the_product_page_offers_add_to_cart_while_in_stock(client, shop):
    sold_out = goods(shop["near"], stock=0, name="Gula Jawa")

    def add_form(product):
        url = reverse(
            "catalog:product", kwargs={"product_id": product.pk, "product_slug": product.slug}
        )
        page = read_page(client.get(url))
        return [f for f in page.forms if f.attrs.get("action") == reverse("orders:cart_add")]

    (form,) = add_form(shop["rice"])
    assert {"product_id", "quantity", "next", "csrfmiddlewaretoken"} <= form.names()
    assert add_form(sold_out) == []


def test_checkout_offers_delivery_to_the_buyers_own_village_first(en, shop):
    """Everything in the cart comes from the home village; the resident lives in the other."""
    buyer = shop["people"]["other"]["resident"]
    fill_cart(buyer, (shop["rice"], 1))
    en.force_login(buyer)

    page = en.get(reverse("orders:checkout"))

    assert page.context["form"].initial["delivery_village"] == shop["other"].pk
