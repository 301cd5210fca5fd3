"""Products are created and edited through the services, by the people who run the seller."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from catalog import services
from catalog.enums import ProductKind, StockMovementKind
from catalog.exceptions import ProductNotFound
from catalog.models import Product, StockMovement
from catalog.selectors.dashboard import (
    get_product_for_manager,
    low_stock_products,
    products_for_manager,
    stock_history,
)
from tests.catalog.conftest import restock
from tests.factories import ProductFactory, SellerFactory, category
from villages.exceptions import NotAllowedForVillage

NEXT_MONTH = timezone.localdate() + datetime.timedelta(days=30)


def new_product(shop, who="staff", **fields):
    values = {
        "acting_user": shop[who],
        "seller": shop["seller"],
        "name": "Telur Ayam Kampung",
        "category": category("telur"),
        "price": 2500,
        "unit": "butir",
    }
    return services.create_product(**(values | fields))


@pytest.mark.django_db
def test_seller_staff_adds_goods_with_initial_stock_as_a_restock(shop):
    product = new_product(shop, weight_grams=60, initial_stock=30)

    product.refresh_from_db()
    assert (product.village, product.slug, product.stock) == (
        shop["seller"].village,
        "telur-ayam-kampung",
        30,
    )
    movement = product.stock_movements.get()
    assert (movement.kind, movement.quantity, movement.stock_after, movement.actor) == (
        StockMovementKind.RESTOCK,
        30,
        30,
        shop["staff"],
    )


@pytest.mark.django_db
def test_slugs_are_unique_per_seller(shop):
    first = new_product(shop)
    second = new_product(shop)
    elsewhere = services.create_product(
        acting_user=shop["admin"],
        seller=SellerFactory(village=shop["seller"].village),
        name="Telur Ayam Kampung",
        category=category("telur"),
        price=2400,
        unit="butir",
    )
    assert [first.slug, second.slug, elsewhere.slug] == [
        "telur-ayam-kampung",
        "telur-ayam-kampung-2",
        "telur-ayam-kampung",
    ]


@pytest.mark.django_db
def test_a_tour_package_needs_a_date_and_a_capacity(shop):
    with pytest.raises(ValidationError) as caught:
        new_product(
            shop, name="Jelajah Sawah", kind=ProductKind.TOUR, category=category("paket-wisata")
        )
    assert set(caught.value.message_dict) == {"capacity", "tour_date"}

    tour = new_product(
        shop,
        name="Jelajah Sawah",
        kind=ProductKind.TOUR,
        category=category("paket-wisata"),
        unit="orang",
        price=75000,
        tour_date=NEXT_MONTH,
        capacity=20,
        meeting_point="Balai desa",
    )
    assert (tour.capacity, tour.tour_date, tour.stock) == (20, NEXT_MONTH, 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "keys"),
    [
        ({"price": 0}, {"price"}),
        ({"price": 2500.5}, {"price"}),
        ({"name": "  ", "unit": ""}, {"name", "unit"}),
        (
            {"kind": ProductKind.SERVICE, "initial_stock": 3, "weight_grams": 10},
            {"initial_stock", "weight_grams"},
        ),
        ({"capacity": 10}, {"capacity"}),
        (
            {"kind": ProductKind.TOUR, "capacity": 5, "tour_date": datetime.date(2020, 1, 1)},
            {"tour_date"},
        ),
        ({"initial_stock": -1}, {"initial_stock"}),
    ],
)
def test_invalid_products_are_refused_by_field_and_nothing_is_written(shop, fields, keys):
    before = Product.objects.count()
    with pytest.raises(ValidationError) as caught:
        new_product(shop, **fields)
    assert set(caught.value.message_dict) == keys
    assert Product.objects.count() == before
    assert not StockMovement.objects.exists()


@pytest.mark.django_db
def test_messages_are_clear_in_english(shop):
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            new_product(shop, price=0)
        # The message is lazy: it is put into words when read, so read it in English.
        assert caught.value.message_dict == {"price": ["The price must be more than Rp0."]}


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["other_staff", "outsider", "resident"])
def test_only_those_who_run_the_seller_add_products(shop, who):
    before = Product.objects.count()
    with pytest.raises(NotAllowedForVillage):
        new_product(shop, who=who, initial_stock=5)
    assert Product.objects.count() == before


@pytest.mark.django_db
def test_update_changes_editable_fields_but_never_stock(shop):
    product = shop["product"]
    slug = product.slug
    restock(product, 7)  # the object in memory still says 0: only edited fields are saved

    services.update_product(acting_user=shop["admin"], product=product, price=15000, name="Beras")

    product.refresh_from_db()
    assert (product.price, product.name, product.slug, product.stock) == (
        15000,
        "Beras",
        slug,  # a product keeps its address
        7,
    )
    with pytest.raises(TypeError):
        services.update_product(acting_user=shop["admin"], product=product, stock=99)


@pytest.mark.django_db
def test_goods_with_stock_cannot_become_a_service(shop):
    product = shop["product"]
    restock(product, 2)
    with pytest.raises(ValidationError) as caught:
        services.update_product(
            acting_user=shop["staff"], product=product, kind=ProductKind.SERVICE
        )
    assert set(caught.value.message_dict) == {"kind"}
    product.refresh_from_db()
    assert product.kind == ProductKind.GOODS


@pytest.mark.django_db
def test_changing_the_kind_clears_what_no_longer_applies(shop):
    product = shop["product"]  # goods of 1000 g, no stock
    services.update_product(
        acting_user=shop["staff"],
        product=product,
        kind=ProductKind.TOUR,
        tour_date=NEXT_MONTH,
        capacity=12,
        unit="orang",
    )
    product.refresh_from_db()
    assert (product.kind, product.weight_grams, product.capacity) == (ProductKind.TOUR, None, 12)


@pytest.mark.django_db
def test_update_is_refused_to_another_village(shop):
    with pytest.raises(NotAllowedForVillage):
        services.update_product(acting_user=shop["outsider"], product=shop["product"], price=1)
    shop["product"].refresh_from_db()
    assert shop["product"].price == 14000


@pytest.mark.django_db
def test_validate_product_fields_writes_nothing_and_raises_by_field():
    services.validate_product_fields(
        name="Gula Jawa", category=category("gula"), price=18000, unit="kg"
    )
    with pytest.raises(ValidationError) as caught:
        services.validate_product_fields(name="Gula Jawa", category=None, price=-1, unit="kg")
    assert set(caught.value.message_dict) == {"category", "price"}


# --- dashboard selectors ----------------------------------------------------------------


@pytest.mark.django_db
def test_manager_lists_filter_and_stay_within_the_tenant(shop, django_assert_num_queries):
    restock(shop["product"], 3)
    ProductFactory(seller=shop["seller"], name="Gula Semut", category=category("gula"))
    ProductFactory(name="Beras Desa Lain")  # another seller, another village

    with django_assert_num_queries(3):  # scope, products, photos
        names = [p.name for p in products_for_manager(user=shop["admin"], seller=None)]
    assert names == ["Beras Pandan Wangi", "Gula Semut"]
    assert [
        p.name
        for p in products_for_manager(user=shop["staff"], seller=shop["seller"], search="semut")
    ] == ["Gula Semut"]
    assert [
        p.name
        for p in products_for_manager(
            user=shop["staff"],
            seller=shop["seller"],
            category=category("karbohidrat"),
            low_stock=True,
        )
    ] == ["Beras Pandan Wangi", "Gula Semut"]
    with pytest.raises(NotAllowedForVillage):
        products_for_manager(user=shop["outsider"], seller=shop["seller"])
    assert list(products_for_manager(user=shop["outsider"], seller=None)) == []


@pytest.mark.django_db
def test_get_product_for_manager_tells_unknown_from_forbidden(shop):
    product = shop["product"]
    assert get_product_for_manager(user=shop["staff"], product_id=product.pk) == product
    with pytest.raises(ProductNotFound):
        get_product_for_manager(user=shop["staff"], product_id=product.pk + 1000)
    with pytest.raises(ProductNotFound):
        get_product_for_manager(
            user=shop["admin"], product_id=product.pk, seller=SellerFactory(village=product.village)
        )
    with pytest.raises(NotAllowedForVillage):
        get_product_for_manager(user=shop["other_staff"], product_id=product.pk)


@pytest.mark.django_db
def test_low_stock_and_history(shop):
    product = shop["product"]
    restock(product, 10)
    services.adjust_stock(
        acting_user=shop["staff"],
        product_id=product.pk,
        quantity=-7,
        kind=StockMovementKind.CORRECTION,
        reason="Dihitung ulang",
    )
    full = ProductFactory(seller=shop["seller"], name="Beras Merah")
    restock(full, 50)

    assert list(low_stock_products(user=shop["staff"])) == [product]
    assert list(low_stock_products(user=shop["outsider"])) == []
    assert [(m.quantity, m.stock_after, m.reason) for m in stock_history(product=product)] == [
        (-7, 3, "Dihitung ulang"),
        (10, 10, "Panen"),
    ]
