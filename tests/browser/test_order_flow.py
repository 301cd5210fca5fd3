"""A resident orders from sellers in two villages, pays cash, and follows both fulfilments."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from catalog import services as catalog_services
from catalog.enums import StockMovementKind
from core.money import format_rupiah
from orders.enums import DeliveryMethod, FulfilmentStatus, PaymentMethod, PaymentStatus
from orders.models import Cart, Order, SellerDelivery
from tests.browser.conftest import TIMEOUT_MS
from tests.factories import (
    PASSWORD,
    MarketFactory,
    ProductFactory,
    SellerFactory,
    VillageFactory,
    category,
    member,
)
from villages.enums import Role

pytestmark = pytest.mark.browser

RICE_PRICE, RICE_QUANTITY, RICE_STOCK = 15000, 2, 20
SUGAR_PRICE, SUGAR_QUANTITY, SUGAR_STOCK = 12000, 3, 10
COURIER_FEE = 5000


def restock(product, quantity):
    catalog_services.adjust_stock(
        acting_user=catalog_services.SYSTEM,
        product_id=product.pk,
        quantity=quantity,
        kind=StockMovementKind.RESTOCK,
        reason="Panen",
    )
    product.refresh_from_db()
    return product


@pytest.fixture
def two_village_market(transactional_db):
    """Two villages of one market (same kecamatan), a seller with stock in each, and people.

    The home seller keeps the default delivery settings (pickup, free local delivery);
    the other village's seller also sends by courier for a fee within the kecamatan.
    """
    home = VillageFactory(name="Panggungharjo", slug="panggungharjo", code="34.02.15.2001")
    other = VillageFactory(name="Bangunharjo", slug="bangunharjo", code="34.02.15.2002")
    MarketFactory(name="Pasar Desa Sewon", slug="sewon", villages=[home, other])
    home_seller = SellerFactory(village=home, name="Lumbung Desa", slug="lumbung-desa")
    other_seller = SellerFactory(village=other, name="Gula Jawa Bu Tini", slug="gula-bu-tini")
    SellerDelivery.objects.create(
        seller=other_seller, courier_enabled=True, fee_same_kecamatan=COURIER_FEE
    )
    rice = restock(
        ProductFactory(
            seller=home_seller,
            name="Beras Rojolele",
            slug="beras-rojolele",
            category=category("beras"),
            price=RICE_PRICE,
        ),
        RICE_STOCK,
    )
    sugar = restock(
        ProductFactory(
            seller=other_seller,
            name="Gula Jawa Asli",
            slug="gula-jawa-asli",
            category=category("gula"),
            price=SUGAR_PRICE,
        ),
        SUGAR_STOCK,
    )
    return {
        "home": home,
        "other": other,
        "home_seller": home_seller,
        "other_seller": other_seller,
        "rice": rice,
        "sugar": sugar,
        "resident": member(home, Role.RESIDENT, name="Bu Sumarni", email="sumarni@contoh.id"),
        "home_staff": member(
            home, Role.SELLER_STAFF, seller=home_seller, email="staf@lumbung-desa.id"
        ),
        "other_staff": member(
            other, Role.SELLER_STAFF, seller=other_seller, email="staf@gula-bu-tini.id"
        ),
    }


def in_english(context, base_url):
    context.add_cookies([{"name": "django_language", "value": "en", "url": base_url}])
    context.set_default_timeout(TIMEOUT_MS)


def sign_in(page, login):
    page.goto("/akun/login/")
    form = page.locator("form", has=page.locator("input[name=password]"))
    form.locator("input[name=login]").fill(login)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]:not([form])").click()
    expect(page).to_have_url(re.compile(r"/akun/$"))


def add_to_cart(page, product, quantity):
    url = reverse(
        "catalog:product", kwargs={"product_id": product.pk, "product_slug": product.slug}
    )
    page.goto(url)
    form = page.locator("form#add-to-cart")
    form.locator("input[name=quantity]").fill(str(quantity))
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(url)}$"))
    expect(page.locator("main")).to_contain_text(f"{product.name} is in your cart.")


def step_button(row, to_status):
    form = row.locator("form", has=row.page.locator(f"input[name=to_status][value={to_status}]"))
    return form.locator("button[type=submit]")


def seller_moves_fulfilment(page, *, login, seller, order, steps):
    """Seller staff sign in, open their queue and tap each step of ``order``'s row."""
    sign_in(page, login)
    queue_url = reverse(
        "order_dashboard:queue",
        kwargs={"village_slug": seller.village.slug, "seller_slug": seller.slug},
    )
    page.goto(queue_url)
    row = page.locator("#orders li.order-row", has_text=order.number)
    expect(row).to_have_count(1)
    expect(row.locator(".status-placed")).to_be_visible()
    for step in steps:
        step_button(row, step).click()
        expect(page).to_have_url(re.compile(rf"{re.escape(queue_url)}$"))
        expect(row.locator(f".status-{step}")).to_be_visible()
    page.context.clear_cookies()


def test_resident_orders_from_two_villages_and_follows_both_fulfilments(
    page, live_server, two_village_market
):
    data = two_village_market
    home, rice, sugar = data["home"], data["rice"], data["sugar"]
    home_seller, other_seller = data["home_seller"], data["other_seller"]
    in_english(page.context, live_server.url)

    # The resident fills one cart from both villages.
    sign_in(page, "sumarni@contoh.id")
    add_to_cart(page, rice, RICE_QUANTITY)
    add_to_cart(page, sugar, SUGAR_QUANTITY)
    page.goto("/keranjang/")
    expect(page.locator("section.cart-group")).to_have_count(2)
    expect(page.locator(f"#seller-{home_seller.pk}")).to_contain_text("Panggungharjo")
    expect(page.locator(f"#seller-{other_seller.pk}")).to_contain_text("Bangunharjo")
    expect(page.locator(f"#line-{rice.pk} input[name=quantity]")).to_have_value(str(RICE_QUANTITY))
    expect(page.locator(f"#line-{sugar.pk} input[name=quantity]")).to_have_value(
        str(SUGAR_QUANTITY)
    )
    page.locator("#to-checkout").click()
    expect(page).to_have_url(re.compile(r"/checkout/$"))

    # The address in the resident's own village; the options are recomputed for it.
    form = page.locator("#checkout-form")
    form.locator("select[name=delivery_village]").select_option(value=str(home.pk))
    form.locator("input[name=dusun]").fill("Glondong")
    form.locator("input[name=rt]").fill("03")
    form.locator("input[name=rw]").fill("07")
    form.locator("textarea[name=notes]").fill("Rumah cat hijau")
    form.locator("input[name=recipient_name]").fill("Bu Sumarni")
    form.locator("input[name=phone]").fill("0812 3456 7890")
    form.locator("button[name=update]").click()
    expect(page).to_have_url(re.compile(r"/checkout/$"))
    form = page.locator("#checkout-form")
    expect(form.locator("select[name=delivery_village]")).to_have_value(str(home.pk))
    expect(form.locator("input[name=dusun]")).to_have_value("Glondong")

    home_delivery = form.locator(f"input[name=delivery_{home_seller.pk}]")
    other_delivery = form.locator(f"input[name=delivery_{other_seller.pk}]")
    # Free local delivery only inside the seller's own village; courier from the other.
    expect(other_delivery.and_(page.locator("[value=local]"))).to_have_count(0)
    home_delivery.and_(page.locator("[value=local]")).check()
    other_delivery.and_(page.locator("[value=courier]")).check()
    form.locator(f"input[name=payment_method][value={PaymentMethod.CASH}]").check()
    form.locator("button[name=place]").click()

    # The confirmation page: one order, two fulfilments, both placed.
    expect(page).to_have_url(re.compile(r"/pesanan/[^/]+/$"))
    order = Order.objects.get(buyer=data["resident"])
    expect(page).to_have_url(re.compile(rf"/pesanan/{re.escape(order.number)}/$"))
    fulfilments = {f.seller_id: f for f in order.fulfilments.all()}
    assert set(fulfilments) == {home_seller.pk, other_seller.pk}
    home_part = page.locator(f"#fulfilment-{fulfilments[home_seller.pk].pk}")
    other_part = page.locator(f"#fulfilment-{fulfilments[other_seller.pk].pk}")
    for part in (home_part, other_part):
        expect(part.locator(".status-placed")).to_be_visible()
        expect(part.locator(".timeline li")).to_have_count(1)
        expect(part).to_contain_text("Cash on delivery or at pickup")
    total = RICE_PRICE * RICE_QUANTITY + SUGAR_PRICE * SUGAR_QUANTITY + COURIER_FEE
    expect(page.locator("#order-total")).to_contain_text(format_rupiah(total))

    # Each seller's staff, in their own browser, confirm and send their part.
    sellers_context = page.context.browser.new_context(base_url=live_server.url)
    try:
        in_english(sellers_context, live_server.url)
        seller_page = sellers_context.new_page()
        seller_moves_fulfilment(
            seller_page,
            login="staf@lumbung-desa.id",
            seller=home_seller,
            order=order,
            steps=[FulfilmentStatus.CONFIRMED, FulfilmentStatus.SHIPPED],
        )
        # Between the two, the resident sees one part on its way and the other still placed.
        page.reload()
        expect(home_part.locator(".status-shipped")).to_be_visible()
        expect(other_part.locator(".status-placed")).to_be_visible()
        expect(other_part.locator(".timeline li")).to_have_count(1)
        in_english(sellers_context, live_server.url)
        seller_moves_fulfilment(
            seller_page,
            login="staf@gula-bu-tini.id",
            seller=other_seller,
            order=order,
            steps=[FulfilmentStatus.CONFIRMED, FulfilmentStatus.SHIPPED],
        )
    finally:
        sellers_context.close()

    # The resident reloads the order and follows both timelines.
    page.reload()
    for part in (home_part, other_part):
        expect(part.locator(".status-shipped")).to_be_visible()
        expect(part.locator(".timeline li")).to_have_count(3)
        expect(part.locator(".timeline li strong")).to_have_text(
            ["Placed", "Confirmed", "On its way"]
        )

    # And the database agrees: one order, both shipped, cash still to collect, stock taken.
    assert Order.objects.filter(buyer=data["resident"]).count() == 1
    order.refresh_from_db()
    assert (order.delivery_village_id, order.dusun, order.rt, order.rw) == (
        home.pk,
        "Glondong",
        "03",
        "07",
    )
    assert order.total == total
    for seller_id, method, fee in (
        (home_seller.pk, DeliveryMethod.LOCAL, 0),
        (other_seller.pk, DeliveryMethod.COURIER, COURIER_FEE),
    ):
        fulfilment = order.fulfilments.get(seller_id=seller_id)
        assert (fulfilment.status, fulfilment.delivery_method, fulfilment.delivery_fee) == (
            FulfilmentStatus.SHIPPED,
            method,
            fee,
        )
        assert [(p.method, p.status) for p in fulfilment.payments.all()] == [
            (PaymentMethod.CASH, PaymentStatus.PENDING)
        ]
        steps = fulfilment.events.exclude(to_status="").order_by("created_at", "pk")
        assert list(steps.values_list("to_status", flat=True)) == [
            FulfilmentStatus.PLACED,
            FulfilmentStatus.CONFIRMED,
            FulfilmentStatus.SHIPPED,
        ]
    rice.refresh_from_db()
    sugar.refresh_from_db()
    assert (rice.stock, sugar.stock) == (
        RICE_STOCK - RICE_QUANTITY,
        SUGAR_STOCK - SUGAR_QUANTITY,
    )
    assert not Cart.objects.filter(user=data["resident"], lines__isnull=False).exists()
