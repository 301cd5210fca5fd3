"""Catalog admin: categories are the platform's; products and stock stay inside the village."""

import pytest
from django.urls import reverse

from catalog.models import Product, ProductPhoto, StockMovement
from tests.catalog.conftest import picture_upload, restock
from tests.factories import ProductFactory, UserFactory, category


@pytest.fixture
def bumdes_admin_client(client, shop):
    client.force_login(shop["admin"])
    return client


def product_form(shop, **fields):
    return {
        "seller": shop["seller"].pk,
        "name": "Gula Semut",
        "category": category("gula").pk,
        "kind": "goods",
        "price": "18000",
        "unit": "kg",
        "description": "",
        "weight_grams": "1000",
        "initial_stock": "12",
        "capacity": "",
        "tour_date": "",
        "meeting_point": "",
        "is_active": "on",
        "photos-TOTAL_FORMS": "1",
        "photos-INITIAL_FORMS": "0",
        "photos-MIN_NUM_FORMS": "0",
        "photos-MAX_NUM_FORMS": "1000",
        **fields,
    }


@pytest.mark.django_db
def test_bumdes_admin_lists_only_their_villages_products(bumdes_admin_client, shop):
    theirs = ProductFactory(name="Beras Desa Lain")

    response = bumdes_admin_client.get(reverse("admin:catalog_product_changelist"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Beras Pandan Wangi" in content
    assert theirs.name not in content
    url = reverse("admin:catalog_product_change", args=[theirs.pk])
    assert bumdes_admin_client.get(url).status_code == 302  # "does not exist" for them


@pytest.mark.django_db
def test_bumdes_admin_adds_a_product_with_stock_and_a_photo_through_the_services(
    bumdes_admin_client, shop, django_capture_on_commit_callbacks
):
    form = product_form(shop, **{"photos-0-image": picture_upload(size=(400, 300))})
    with django_capture_on_commit_callbacks(execute=True):
        response = bumdes_admin_client.post(reverse("admin:catalog_product_add"), form)

    assert response.status_code == 302, response.context["adminform"].form.errors
    product = Product.objects.get(name="Gula Semut")
    assert (product.village, product.slug, product.stock) == (
        shop["seller"].village,
        "gula-semut",
        12,
    )
    movement = product.stock_movements.get()
    assert (movement.kind, movement.actor) == ("restock", shop["admin"])
    photo = ProductPhoto.objects.get(product=product)
    assert (photo.status, photo.width) == ("ready", 400)


@pytest.mark.django_db
def test_the_admin_form_shows_the_services_messages(bumdes_admin_client, shop):
    response = bumdes_admin_client.post(
        reverse("admin:catalog_product_add"), product_form(shop, kind="service")
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"weight_grams", "initial_stock"}
    assert not Product.objects.filter(name="Gula Semut").exists()


@pytest.mark.django_db
def test_stock_is_read_only_on_the_product_page(bumdes_admin_client, shop):
    product = shop["product"]
    restock(product, 4)
    url = reverse("admin:catalog_product_change", args=[product.pk])
    form = product_form(shop, name="Beras Pandan Wangi Super", stock="999", initial_stock="")
    del form["seller"]

    response = bumdes_admin_client.post(url, form)

    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.name, product.stock, product.weight_grams) == (
        "Beras Pandan Wangi Super",
        4,
        1000,
    )


@pytest.mark.django_db
def test_a_stock_movement_added_in_the_admin_goes_through_adjust_stock(bumdes_admin_client, shop):
    product = shop["product"]
    restock(product, 4)
    url = reverse("admin:catalog_stockmovement_add")

    refused = bumdes_admin_client.post(
        url, {"product": product.pk, "kind": "correction", "quantity": "-5", "reason": "Hilang"}
    )
    no_reason = bumdes_admin_client.post(
        url, {"product": product.pk, "kind": "correction", "quantity": "-1", "reason": ""}
    )
    done = bumdes_admin_client.post(
        url, {"product": product.pk, "kind": "correction", "quantity": "-1", "reason": "Rusak"}
    )

    assert (refused.status_code, no_reason.status_code, done.status_code) == (200, 200, 302)
    product.refresh_from_db()
    assert product.stock == 3
    latest = StockMovement.objects.filter(product=product).first()
    assert (latest.quantity, latest.stock_after, latest.actor) == (-1, 3, shop["admin"])


@pytest.mark.django_db
def test_movements_cannot_be_edited_deleted_or_added_for_another_village(bumdes_admin_client, shop):
    theirs = ProductFactory(name="Beras Desa Lain")
    restock(theirs, 9)
    movement = restock(shop["product"], 2)

    change = bumdes_admin_client.post(
        reverse("admin:catalog_stockmovement_change", args=[movement.pk]), {"quantity": "50"}
    )
    delete = bumdes_admin_client.post(
        reverse("admin:catalog_stockmovement_delete", args=[movement.pk]), {"post": "yes"}
    )
    foreign = bumdes_admin_client.post(
        reverse("admin:catalog_stockmovement_add"),
        {"product": theirs.pk, "kind": "sale", "quantity": "-9", "reason": ""},
    )

    assert foreign.status_code == 200  # not a choice offered to them
    assert change.status_code in {302, 403}
    assert delete.status_code == 403
    assert sorted(StockMovement.objects.values_list("quantity", flat=True)) == [2, 9]
    listing = bumdes_admin_client.get(reverse("admin:catalog_stockmovement_changelist"))
    assert "Beras Desa Lain" not in listing.content.decode()


@pytest.mark.django_db
def test_only_platform_admins_manage_categories(bumdes_admin_client, client):
    assert bumdes_admin_client.get(reverse("admin:catalog_category_changelist")).status_code == 403
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(reverse("admin:catalog_category_changelist")).status_code == 200
