"""The seller and BUMDes dashboard pages: products, pictures, stock, and who may use them."""

import re

import pytest
from django.db.models import Sum
from django.urls import reverse

from catalog.enums import ProductKind, StockMovementKind
from catalog.models import Product, ProductPhoto, StockMovement
from tests.catalog.conftest import picture_upload, restock
from tests.factories import ProductFactory, SellerFactory, category
from villages.enums import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


def url(name, seller, **kwargs):
    return reverse(
        f"dashboard:{name}",
        kwargs={"village_slug": seller.village.slug, "seller_slug": seller.slug, **kwargs},
    )


def product_url(name, product):
    return url(name, product.seller, product_id=product.pk)


def stock_token(client, product):
    html = client.get(product_url("product_stock", product)).content.decode()
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


def ledger_total(product):
    return StockMovement.objects.filter(product=product).aggregate(s=Sum("quantity"))["s"] or 0


# --- who may open what -------------------------------------------------------------------


def test_seller_staff_see_their_own_products(english, shop):
    ProductFactory(seller=shop["seller"], name="Telur Ayam Kampung", category=category("telur"))
    ProductFactory(name="Beras of another seller")
    english.force_login(shop["staff"])

    response = english.get(url("product_list", shop["seller"]))

    assert response.status_code == 200
    assert [p.name for p in response.context["products"]] == [
        "Beras Pandan Wangi",
        "Telur Ayam Kampung",
    ]


def test_bumdes_admin_manages_every_seller_of_their_village(client, shop):
    sibling = SellerFactory(village=shop["seller"].village)
    client.force_login(shop["admin"])

    assert client.get(url("product_list", shop["seller"])).status_code == 200
    assert client.get(url("product_list", sibling)).status_code == 200
    assert client.get(product_url("product_stock", shop["product"])).status_code == 200


@pytest.mark.parametrize("person", ["other_staff", "outsider", "resident"])
def test_others_may_not_read_or_change_a_sellers_stock(client, shop, person):
    product = shop["product"]
    restock(product, 10)
    client.force_login(shop[person])

    read = client.get(product_url("product_stock", product))
    listing = client.get(url("product_list", shop["seller"]))
    export = client.get(url("product_export", shop["seller"]))
    change = client.post(
        product_url("product_stock", product),
        {"kind": "correction", "quantity": "-10", "reason": "hilang", "token": "t1"},
    )

    assert (read.status_code, listing.status_code, export.status_code) == (403, 403, 403)
    assert change.status_code == 403
    product.refresh_from_db()
    assert (product.stock, StockMovement.objects.filter(product=product).count()) == (10, 1)


def test_another_village_cannot_reach_a_seller_through_its_own_village_url(client, shop):
    """A seller slug is looked up inside the village of the URL, never across villages."""
    other_admin = shop["outsider"]
    client.force_login(other_admin)
    seller = shop["seller"]

    response = client.get(
        reverse(
            "dashboard:product_list",
            kwargs={"village_slug": "sriharjo", "seller_slug": seller.slug},
        )
    )

    assert response.status_code == 404


def test_a_product_of_another_seller_is_not_found_under_this_seller(client, shop):
    sibling = SellerFactory(village=shop["seller"].village)
    foreign = ProductFactory(seller=sibling)
    client.force_login(shop["staff"])

    for name in ("product_edit", "product_stock"):
        response = client.get(url(name, shop["seller"], product_id=foreign.pk))
        assert response.status_code == 404, name
    response = client.post(
        url("product_stock", shop["seller"], product_id=foreign.pk),
        {"kind": "restock", "quantity": "5", "reason": "x", "token": "t"},
    )
    assert response.status_code == 404
    assert Product.objects.get(pk=foreign.pk).stock == 0


# --- the list ----------------------------------------------------------------------------


def test_the_list_searches_and_filters(english, shop):
    seller = shop["seller"]
    ProductFactory(seller=seller, name="Telur Bebek", category=category("telur"))
    hidden = ProductFactory(seller=seller, name="Beras Merah", is_active=False)
    full = ProductFactory(seller=seller, name="Beras Hitam")
    restock(full, 50)
    english.force_login(shop["staff"])

    def names(**query):
        response = english.get(url("product_list", seller), query)
        assert response.status_code == 200
        return [p.name for p in response.context["products"]]

    assert names(q="beras") == ["Beras Hitam", "Beras Merah", "Beras Pandan Wangi"]
    assert names(category="telur") == ["Telur Bebek"]
    assert names(active="0") == [hidden.name]
    assert names(low_stock="on", q="beras") == ["Beras Merah", "Beras Pandan Wangi"]
    assert names(category="no-such-category") == [
        "Beras Hitam",
        "Beras Merah",
        "Beras Pandan Wangi",
        "Telur Bebek",
    ]


# Session, user, seller, tenant scope, count, products, their photos, the category filter.
LIST_PAGE_QUERIES = 8


def test_the_list_costs_the_same_queries_however_many_products(
    client, shop, django_assert_num_queries
):
    client.force_login(shop["staff"])
    list_url = url("product_list", shop["seller"])
    with django_assert_num_queries(LIST_PAGE_QUERIES):
        client.get(list_url)
    for product in ProductFactory.create_batch(30, seller=shop["seller"]):
        ProductPhoto.objects.create(product=product, image="products/original/x.jpg")

    with django_assert_num_queries(LIST_PAGE_QUERIES):
        response = client.get(list_url, {"page": 2})

    assert response.status_code == 200
    assert len(response.context["products"]) == 6  # 31 products, 25 a page


def test_low_stock_lists_goods_nearly_sold_out_emptiest_first(english, shop):
    seller = shop["seller"]
    restock(shop["product"], 3)
    plenty = ProductFactory(seller=seller, name="Gula Jawa")
    restock(plenty, 40)
    ProductFactory(
        seller=seller,
        name="Servis Sepeda",
        kind=ProductKind.SERVICE,
        weight_grams=None,
        category=category("jasa-pitulungan"),
    )
    empty = ProductFactory(seller=seller, name="Minyak Goreng")
    english.force_login(shop["staff"])

    response = english.get(url("low_stock", seller))

    assert [p.name for p in response.context["products"]] == [empty.name, "Beras Pandan Wangi"]


# --- adding and editing ------------------------------------------------------------------


def test_adding_a_product_with_pictures_and_stock(english, shop):
    english.force_login(shop["admin"])

    response = english.post(
        url("product_create", shop["seller"]),
        {
            "name": "Gula Jawa Asli",
            "category": category("gula").pk,
            "kind": "goods",
            "price": "Rp18.500",
            "unit": "kg",
            "initial_stock": "12",
            "weight_grams": "1000",
            "is_active": "on",
            "photos": [
                picture_upload(name="a.jpg"),
                picture_upload(name="b.png", image_format="PNG"),
            ],
        },
    )

    product = Product.objects.get(seller=shop["seller"], slug="gula-jawa-asli")
    assert response.status_code == 302
    assert response.url == product_url("product_edit", product)
    assert (product.price, product.stock, product.unit, product.is_active) == (
        18500,
        12,
        "kg",
        True,
    )
    assert product.photos.count() == 2
    assert ledger_total(product) == 12
    page = english.get(response.url)
    assert "Product Gula Jawa Asli added." in page.content.decode()


def test_a_bad_product_is_refused_and_nothing_is_kept(english, shop):
    english.force_login(shop["staff"])
    before = (Product.objects.count(), ProductPhoto.objects.count())

    response = english.post(
        url("product_create", shop["seller"]),
        {
            "name": "Gula",
            "category": category("gula").pk,
            "kind": "goods",
            "price": "12,5",
            "unit": "kg",
            "photos": [picture_upload()],
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors["price"] == [
        "Enter the price in whole rupiah above zero, e.g. 12500 or Rp12.500."
    ]
    assert (Product.objects.count(), ProductPhoto.objects.count()) == before


def test_a_file_that_is_not_a_picture_is_refused_and_no_product_is_added(english, shop):
    from django.core.files.uploadedfile import SimpleUploadedFile

    english.force_login(shop["staff"])
    before = Product.objects.count()

    response = english.post(
        url("product_create", shop["seller"]),
        {
            "name": "Gula",
            "category": category("gula").pk,
            "kind": "goods",
            "price": "12500",
            "unit": "kg",
            "photos": [SimpleUploadedFile("x.jpg", b"not a picture", content_type="image/jpeg")],
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors["photos"] == ["The file is not a picture we can read."]
    assert Product.objects.count() == before


def test_a_service_refusal_shows_on_its_field(english, shop):
    english.force_login(shop["staff"])

    response = english.post(
        url("product_create", shop["seller"]),
        {
            "name": "Servis",
            "category": category("jasa-pitulungan").pk,
            "kind": "service",
            "price": "20000",
            "unit": "jam",
            "weight_grams": "500",
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors["weight_grams"] == ["Only goods have a weight."]
    assert not Product.objects.filter(name="Servis").exists()


def test_editing_a_product_changes_only_what_was_changed(english, shop):
    product = shop["product"]
    english.force_login(shop["staff"])
    form = english.get(product_url("product_edit", product)).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(category=product.category.pk, price="15.000", is_active="on")

    response = english.post(product_url("product_edit", product), data)

    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.price, product.name, product.stock) == (15000, "Beras Pandan Wangi", 0)


def test_pictures_are_added_and_removed_on_the_edit_page(client, shop):
    product = shop["product"]
    client.force_login(shop["staff"])

    added = client.post(
        product_url("photo_add", product), {"photos": [picture_upload(), picture_upload()]}
    )
    photo = product.photos.first()
    removed = client.post(product_url("photo_remove", product), {"photo": photo.pk})

    assert (added.status_code, removed.status_code) == (302, 302)
    assert list(product.photos.values_list("pk", flat=True)) != [photo.pk]
    assert product.photos.count() == 1


def test_a_picture_of_another_product_cannot_be_removed(client, shop):
    other = ProductFactory(seller=SellerFactory(village=shop["seller"].village))
    photo = ProductPhoto.objects.create(product=other, image="products/original/x.jpg")
    client.force_login(shop["staff"])

    response = client.post(product_url("photo_remove", shop["product"]), {"photo": photo.pk})

    assert response.status_code == 404
    assert ProductPhoto.objects.filter(pk=photo.pk).exists()


# --- stock -------------------------------------------------------------------------------


def test_restock_adds_stock_and_shows_in_the_history(english, shop):
    product = shop["product"]
    english.force_login(shop["staff"])
    token = stock_token(english, product)

    response = english.post(
        product_url("product_stock", product),
        {"kind": "restock", "quantity": "25", "reason": "Panen Juli", "token": token},
        follow=True,
    )

    product.refresh_from_db()
    assert product.stock == 25 == ledger_total(product)
    [movement] = response.context["history"]
    assert (movement.kind, movement.quantity, movement.reason, movement.actor) == (
        StockMovementKind.RESTOCK,
        25,
        "Panen Juli",
        shop["staff"],
    )
    assert "Stock of Beras Pandan Wangi changed." in response.content.decode()


def test_a_restock_form_sent_twice_is_applied_once(english, shop):
    product = shop["product"]
    english.force_login(shop["staff"])
    data = {
        "kind": "restock",
        "quantity": "10",
        "reason": "Kiriman",
        "token": stock_token(english, product),
    }

    first = english.post(product_url("product_stock", product), data)
    second = english.post(product_url("product_stock", product), data, follow=True)

    assert first.status_code == 302
    assert second.status_code == 200
    assert "This change was already saved; it was not applied twice." in second.content.decode()
    product.refresh_from_db()
    assert product.stock == 10
    assert StockMovement.objects.filter(product=product).count() == 1


def test_each_new_restock_form_applies_again(client, shop):
    product = shop["product"]
    client.force_login(shop["staff"])
    for _ in range(2):
        client.post(
            product_url("product_stock", product),
            {
                "kind": "restock",
                "quantity": "4",
                "reason": "x",
                "token": stock_token(client, product),
            },
        )

    product.refresh_from_db()
    assert product.stock == 8 == ledger_total(product)


def test_a_correction_below_zero_is_refused_and_the_form_can_be_sent_again(english, shop):
    product = shop["product"]
    restock(product, 3)
    english.force_login(shop["staff"])
    token = stock_token(english, product)

    refused = english.post(
        product_url("product_stock", product),
        {"kind": "correction", "quantity": "-5", "reason": "Rusak", "token": token},
    )
    retried = english.post(
        product_url("product_stock", product),
        {"kind": "correction", "quantity": "-2", "reason": "Rusak", "token": token},
    )

    assert refused.status_code == 400
    assert refused.context["form"].non_field_errors() == ["Out of stock: Beras Pandan Wangi"]
    assert retried.status_code == 302
    product.refresh_from_db()
    assert product.stock == 1 == ledger_total(product)


def test_a_restock_needs_a_positive_quantity_and_a_reason(english, shop):
    product = shop["product"]
    english.force_login(shop["staff"])

    response = english.post(
        product_url("product_stock", product),
        {"kind": "restock", "quantity": "-4", "reason": "", "token": "t"},
    )

    errors = response.context["form"].errors
    assert response.status_code == 400
    assert errors["quantity"] == ["A restock adds stock: enter a number above zero."]
    assert errors["reason"] == ["This field is required."]
    assert StockMovement.objects.filter(product=product).count() == 0


# --- links -------------------------------------------------------------------------------


def test_the_village_page_and_my_account_link_to_the_dashboards(client, shop):
    seller_url = url("product_list", shop["seller"])
    client.force_login(shop["admin"])
    manage = client.get(reverse("villages:manage", kwargs={"village_slug": "panggungharjo"}))
    client.force_login(shop["staff"])
    account = client.get(reverse("accounts:my_account"))

    assert seller_url in manage.content.decode()
    assert seller_url in account.content.decode()


def test_officials_see_no_dashboard_links(client, two_villages, shop):
    client.force_login(two_villages["people"]["home"][Role.VILLAGE_OFFICIAL])

    manage = client.get(reverse("villages:manage", kwargs={"village_slug": "panggungharjo"}))

    assert "/kelola/panggungharjo/" not in manage.content.decode()
