"""The seller API: a seller's products and stock, for the seller's staff and BUMDes admins."""

import pytest
from django.db.models import Sum
from rest_framework.test import APIClient

from catalog.models import Product, StockMovement
from tests.api.helpers import error_of
from tests.catalog.conftest import restock
from tests.factories import ProductFactory, SellerFactory, category

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


PRODUCTS = "/api/v1/manage/sellers/{}/{}/products/"
PRODUCT = "/api/v1/manage/sellers/{}/{}/products/{}/"
STOCK = "/api/v1/manage/sellers/{}/{}/products/{}/stock/"


def products_url(seller):
    return PRODUCTS.format(seller.village.slug, seller.slug)


def product_url(product, seller=None):
    seller = seller or product.seller
    return PRODUCT.format(seller.village.slug, seller.slug, product.pk)


def stock_url(product, seller=None):
    seller = seller or product.seller
    return STOCK.format(seller.village.slug, seller.slug, product.pk)


def ledger_total(product):
    return StockMovement.objects.filter(product=product).aggregate(s=Sum("quantity"))["s"] or 0


# --- reading -----------------------------------------------------------------------------


def test_staff_list_their_sellers_products_with_filters(api, shop):
    seller = shop["seller"]
    ProductFactory(seller=seller, name="Telur Bebek", category=category("telur"))
    ProductFactory(seller=seller, name="Beras Merah", is_active=False)
    ProductFactory(name="Beras of another seller")
    api.force_authenticate(shop["staff"])

    everything = api.get(products_url(seller)).json()
    hidden = api.get(products_url(seller), {"active": "false"}).json()
    eggs = api.get(products_url(seller), {"category": "telur"}).json()
    search = api.get(products_url(seller), {"q": "beras"}).json()

    assert everything["count"] == 3
    assert [p["name"] for p in hidden["results"]] == ["Beras Merah"]
    assert [p["name"] for p in eggs["results"]] == ["Telur Bebek"]
    assert [p["name"] for p in search["results"]] == ["Beras Merah", "Beras Pandan Wangi"]


def test_a_product_as_its_seller_sees_it(api, shop):
    product = shop["product"]
    restock(product, 7)
    api.force_authenticate(shop["staff"])

    body = api.get(product_url(product)).json()

    assert {k: body[k] for k in ("id", "slug", "name", "kind", "category", "price", "stock")} == {
        "id": product.pk,
        "slug": product.slug,
        "name": "Beras Pandan Wangi",
        "kind": "goods",
        "category": "beras",
        "price": 14000,
        "stock": 7,
    }
    assert (body["photos"], body["is_active"], body["weight_grams"]) == ([], True, 1000)


def test_an_unknown_category_filter_is_a_bad_request(api, shop):
    api.force_authenticate(shop["staff"])

    body = error_of(api.get(products_url(shop["seller"]), {"category": "nope"}), 400, "invalid")

    assert list(body["extra"]["fields"]) == ["category"]


# Seller, tenant scope, count, products, their photos (authenticated without a session).
LIST_QUERIES = 5


def test_the_list_costs_the_same_queries_however_many_products(
    api, shop, django_assert_num_queries
):
    staff = shop["staff"]
    url = products_url(shop["seller"])
    api.force_authenticate(type(staff).objects.get(pk=staff.pk))  # as a request loads it
    with django_assert_num_queries(LIST_QUERIES):
        api.get(url)
    ProductFactory.create_batch(30, seller=shop["seller"])

    api.force_authenticate(type(staff).objects.get(pk=staff.pk))
    with django_assert_num_queries(LIST_QUERIES):
        response = api.get(url)

    assert response.json()["count"] == 31


# --- isolation ---------------------------------------------------------------------------


@pytest.mark.parametrize("person", ["other_staff", "outsider", "resident"])
def test_others_cannot_read_or_change_a_sellers_stock(api, shop, person):
    product = shop["product"]
    restock(product, 5)
    api.force_authenticate(shop[person])

    listed = api.get(products_url(shop["seller"]))
    read = api.get(product_url(product))
    changed = api.patch(product_url(product), {"price": 1}, format="json")
    moved = api.post(
        stock_url(product), {"quantity": -5, "kind": "correction", "reason": "x"}, format="json"
    )

    for response in (listed, read, changed, moved):
        error_of(response, 403, "not_allowed_for_village")
    product.refresh_from_db()
    assert (product.stock, product.price, ledger_total(product)) == (5, 14000, 5)


def test_the_bumdes_admin_manages_a_sibling_seller(api, shop):
    sibling = SellerFactory(village=shop["seller"].village)
    product = ProductFactory(seller=sibling)
    api.force_authenticate(shop["admin"])

    response = api.post(
        stock_url(product), {"quantity": 9, "kind": "restock", "reason": "Panen"}, format="json"
    )

    assert response.status_code == 201
    product.refresh_from_db()
    assert product.stock == 9


def test_a_product_is_reached_only_through_its_own_seller(api, shop):
    """Staff of a seller cannot reach a sibling's product by putting its id in their URL."""
    sibling_product = ProductFactory(seller=SellerFactory(village=shop["seller"].village))
    api.force_authenticate(shop["staff"])
    own = shop["seller"]

    read = api.get(product_url(sibling_product, seller=own))
    moved = api.post(
        stock_url(sibling_product, seller=own),
        {"quantity": 3, "kind": "restock", "reason": "x"},
        format="json",
    )

    error_of(read, 404, "product_not_found")
    error_of(moved, 404, "product_not_found")
    assert Product.objects.get(pk=sibling_product.pk).stock == 0


def test_an_unknown_seller_and_anonymous_callers(api, shop):
    error_of(api.get(products_url(shop["seller"])), 401, "not_authenticated")
    api.force_authenticate(shop["staff"])
    error_of(api.get(PRODUCTS.format("panggungharjo", "no-such-seller")), 404, "seller_not_found")
    # The seller's slug is looked up inside the village of the URL.
    error_of(api.get(PRODUCTS.format("sriharjo", shop["seller"].slug)), 404, "seller_not_found")


# --- writing -----------------------------------------------------------------------------


def test_adding_a_product(api, shop):
    api.force_authenticate(shop["staff"])

    response = api.post(
        products_url(shop["seller"]),
        {
            "name": "Gula Jawa",
            "category": "gula",
            "price": 18000,
            "unit": "kg",
            "weight_grams": 1000,
            "initial_stock": 20,
        },
        format="json",
    )

    body = response.json()
    assert response.status_code == 201, body
    product = Product.objects.get(pk=body["id"])
    assert (body["slug"], body["stock"], body["is_active"]) == ("gula-jawa", 20, True)
    assert (product.seller, product.stock, ledger_total(product)) == (shop["seller"], 20, 20)


def test_a_bad_product_is_refused_with_field_errors_and_nothing_is_added(api, shop):
    api.force_authenticate(shop["staff"])
    before = Product.objects.count()

    missing = api.post(products_url(shop["seller"]), {"name": "X"}, format="json")
    ruled = api.post(
        products_url(shop["seller"]),
        {
            "name": "Servis",
            "category": "jasa-pitulungan",
            "price": 5000,
            "kind": "service",
            "initial_stock": 3,
        },
        format="json",
    )

    assert set(error_of(missing, 400, "invalid")["extra"]["fields"]) == {"category", "price"}
    assert list(error_of(ruled, 400, "invalid")["extra"]["fields"]) == ["initial_stock"]
    assert Product.objects.count() == before


def test_changing_a_product_changes_only_the_fields_sent(api, shop):
    product = shop["product"]
    restock(product, 3)
    api.force_authenticate(shop["staff"])

    response = api.patch(product_url(product), {"price": 15500, "is_flagship": True}, format="json")

    body = response.json()
    assert response.status_code == 200, body
    assert (body["price"], body["is_flagship"], body["name"], body["stock"]) == (
        15500,
        True,
        "Beras Pandan Wangi",
        3,
    )
    product.refresh_from_db()
    assert (product.price, product.is_flagship, product.is_active) == (15500, True, True)


def test_stock_cannot_be_changed_by_patch(api, shop):
    product = shop["product"]
    api.force_authenticate(shop["staff"])

    response = api.patch(product_url(product), {"stock": 100}, format="json")

    assert response.status_code == 200
    product.refresh_from_db()
    assert product.stock == 0 == ledger_total(product)


def test_restock_and_correction_write_movements(api, shop):
    product = shop["product"]
    api.force_authenticate(shop["staff"])

    restocked = api.post(
        stock_url(product), {"quantity": 12, "kind": "restock", "reason": "Panen"}, format="json"
    )
    corrected = api.post(
        stock_url(product),
        {"quantity": -2, "kind": "correction", "reason": "Dimakan tikus"},
        format="json",
    )

    assert restocked.status_code == 201
    body = corrected.json()
    assert corrected.status_code == 201
    assert {k: body[k] for k in ("kind", "quantity", "stock_after", "reason")} == {
        "kind": "correction",
        "quantity": -2,
        "stock_after": 10,
        "reason": "Dimakan tikus",
    }
    product.refresh_from_db()
    assert product.stock == 10 == ledger_total(product)


def test_taking_out_more_than_there_is_is_refused(api, shop):
    product = shop["product"]
    restock(product, 2)
    api.force_authenticate(shop["staff"])

    response = api.post(
        stock_url(product),
        {"quantity": -3, "kind": "correction", "reason": "Hitung"},
        format="json",
    )

    body = error_of(response, 409, "out_of_stock")
    assert body["extra"] == {"product_id": product.pk, "available": 2, "requested": 3}
    product.refresh_from_db()
    assert product.stock == 2 == ledger_total(product)


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"quantity": -3, "kind": "restock", "reason": "x"}, "stock_quantity_sign"),
        ({"quantity": 0, "kind": "restock", "reason": "x"}, "stock_quantity_invalid"),
        ({"quantity": 3, "kind": "sale", "reason": "x"}, "invalid"),
        ({"quantity": 3, "kind": "restock"}, "invalid"),
    ],
)
def test_a_stock_change_no_product_could_take_is_refused(api, shop, payload, code):
    product = shop["product"]
    api.force_authenticate(shop["staff"])

    error_of(api.post(stock_url(product), payload, format="json"), 400, code)

    assert StockMovement.objects.filter(product=product).count() == 0
