"""The public catalogue API: categories, products with the search page's filters, a product."""

import pytest
from rest_framework.test import APIClient

from catalog.enums import PhotoStatus
from catalog.models import ProductPhoto
from tests.catalog.test_search import found
from tests.catalog.test_storefront import build_market, more_products
from tests.factories import ProductFactory

LIST_QUERIES = 5  # villages, categories, (threshold on PostgreSQL), products, photos


@pytest.fixture
def market(two_villages):
    return build_market(two_villages)


@pytest.fixture
def api():
    client = APIClient()
    client.cookies["django_language"] = "en"
    return client


def products(api, **params):
    response = api.get("/api/v1/products/", params)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.django_db
def test_categories_come_parents_first_with_parent_slug_and_staple_flag(api):
    response = api.get("/api/v1/categories/")

    assert response.status_code == 200
    body = response.json()
    assert body[:4] == [
        {
            "slug": "karbohidrat",
            "name": "Karbohidrat",
            "parent": None,
            "is_staple": True,
            "food_group": "carbohydrate",
        },
        {
            "slug": "beras",
            "name": "Beras",
            "parent": "karbohidrat",
            "is_staple": True,
            "food_group": "carbohydrate",
        },
        {
            "slug": "tepung",
            "name": "Tepung",
            "parent": "karbohidrat",
            "is_staple": True,
            "food_group": "carbohydrate",
        },
        {
            "slug": "gula",
            "name": "Gula",
            "parent": "karbohidrat",
            "is_staple": True,
            "food_group": "carbohydrate",
        },
    ]
    assert body[-1] == {
        "slug": "kebutuhan-rumah-tangga",
        "name": "Kebutuhan rumah tangga",
        "parent": None,
        "is_staple": False,
        "food_group": "",
    }
    assert len(body) == 23


@pytest.mark.django_db
def test_product_list_shows_cards_and_pages(api, market):
    body = products(api, q="beras")

    assert body == {
        "page": 1,
        "has_next": False,
        "next": None,
        "previous": None,
        "results": [
            {
                "id": market["beras"].pk,
                "name": "Beras Pandan Wangi",
                "slug": "beras-pandan-wangi",
                "kind": "goods",
                "price": 12500,
                "price_display": "Rp12.500",
                "unit": "kg",
                "stock": 20,
                "stock_state": "available",
                "is_flagship": False,
                "voucher_payable": True,
                "category": {"slug": "beras", "name": "Beras", "is_staple": True},
                "seller": {"slug": "warung-bu-sri", "name": "Warung Bu Sri"},
                "village": {"slug": "panggungharjo", "name": "Panggungharjo"},
                "photo": None,
                "url": f"http://testserver/produk/{market['beras'].pk}/beras-pandan-wangi/",
            }
        ],
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "bras"},
        {"q": "telur ayam"},
        {"village": "sriharjo"},
        {"category": "karbohidrat"},
        {"staple": "1", "in_stock": "1"},
        {"min_price": "2500", "max_price": "18000", "sort": "price_desc"},
        {"sort": "price_asc"},
    ],
)
def test_product_list_gives_what_the_search_page_shows(api, client, market, params):
    assert [p["id"] for p in products(api, **params)["results"]] == found(client, **params)


@pytest.mark.django_db
def test_product_list_links_the_next_and_previous_pages(api, two_villages):
    more_products(two_villages["home"], n=45, flagship=False)

    first = products(api, sort="price_asc")
    second = products(api, sort="price_asc", page=2)
    third = products(api, sort="price_asc", page=3)

    assert (len(first["results"]), len(second["results"]), len(third["results"])) == (20, 20, 5)
    assert first["next"] == "http://testserver/api/v1/products/?page=2&sort=price_asc"
    assert second["previous"] == "http://testserver/api/v1/products/?sort=price_asc"
    assert third["has_next"] is False
    assert third["next"] is None
    assert first["results"][0]["photo"] == {
        "small": "http://testserver/media/products/320/0.webp",
        "large": "http://testserver/media/products/800/0.webp",
        "width": 1200,
        "height": 900,
    }


@pytest.mark.django_db
def test_bad_filters_get_the_error_shape_with_a_message_per_field(api, market):
    response = api.get("/api/v1/products/", {"min_price": "abc", "village": "tidak-ada"})

    assert response.status_code == 400
    assert response.json() == {
        "message": "Some of the data sent is not valid.",
        "code": "invalid",
        "extra": {
            "fields": {
                "min_price": ["Write a price as a whole number of rupiah, for example 12500."],
                "village": [
                    "Select a valid choice. tidak-ada is not one of the available choices."
                ],
            }
        },
    }
    low_above_high = api.get("/api/v1/products/", {"min_price": "9000", "max_price": "100"})
    assert low_above_high.json()["extra"]["fields"] == {
        "max_price": ["The highest price must not be lower than the lowest price."]
    }


@pytest.mark.django_db
def test_product_detail_has_description_photos_tour_and_whatsapp(api, market):
    beras = market["beras"]
    ProductPhoto.objects.create(
        product=beras,
        image="products/original/a.jpg",
        status=PhotoStatus.READY,
        width=800,
        height=600,
        small="products/320/a.webp",
        large="products/800/a.webp",
    )
    ProductPhoto.objects.create(
        product=beras, image="products/original/b.jpg", position=1, status=PhotoStatus.PENDING
    )

    body = api.get(f"/api/v1/products/{beras.pk}/").json()

    photo = {
        "small": "http://testserver/media/products/320/a.webp",
        "large": "http://testserver/media/products/800/a.webp",
        "width": 800,
        "height": 600,
    }
    assert body["description"] == "Beras pulen dari sawah Panggungharjo."
    assert body["photo"] == photo
    assert body["photos"] == [photo]
    assert body["weight_grams"] == 1000
    assert body["tour"] is None
    assert body["seller_whatsapp_url"] == "https://wa.me/6281299998888"
    tour = api.get(f"/api/v1/products/{market['tour'].pk}/").json()
    assert tour["tour"] == {
        "date": "2026-12-20",
        "capacity": 20,
        "meeting_point": "Balai Desa Sriharjo",
    }
    assert tour["stock"] is None
    assert tour["stock_state"] == "available"


@pytest.mark.django_db
def test_hidden_and_unknown_products_are_not_found(api, market):
    for product_id in (market["inactive"].pk, market["closed"].pk, 999999):
        response = api.get(f"/api/v1/products/{product_id}/")
        assert response.status_code == 404
        assert response.json()["code"] == "product_not_found"


@pytest.mark.django_db
def test_list_queries_do_not_grow_with_the_catalogue(api, market, django_assert_max_num_queries):
    with django_assert_max_num_queries(LIST_QUERIES):
        products(api, q="bras", in_stock="1")
    with django_assert_max_num_queries(2):
        api.get("/api/v1/categories/")
    more_products(market["beras"].village, n=30)
    ProductFactory.create_batch(10, seller=market["beras"].seller)

    with django_assert_max_num_queries(LIST_QUERIES):
        products(api, q="bras", in_stock="1")
    with django_assert_max_num_queries(LIST_QUERIES):
        products(api, sort="price_desc", page=2)
    with django_assert_max_num_queries(2):
        api.get(f"/api/v1/products/{market['beras'].pk}/")


@pytest.mark.django_db
def test_schema_documents_the_catalogue(api):
    schema = api.get("/api/schema/?format=json").json()

    assert {"/api/v1/categories/", "/api/v1/products/", "/api/v1/products/{product_id}/"} <= set(
        schema["paths"]
    )
    names = {p["name"] for p in schema["paths"]["/api/v1/products/"]["get"]["parameters"]}
    assert names == {
        "q",
        "village",
        "category",
        "staple",
        "in_stock",
        "min_price",
        "max_price",
        "sort",
        "page",
    }
