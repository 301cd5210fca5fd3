"""Public villages and markets: exact public data, constant query counts, no private rows."""

import pytest

from tests.api.helpers import error_of
from tests.factories import MarketFactory, SellerFactory, VillageFactory

pytestmark = pytest.mark.django_db

PANGGUNG_SUMMARY = {
    "name": "Panggungharjo",
    "slug": "panggungharjo",
    "code": "34.02.15.2001",
    "kecamatan": "Sewon",
    "kabupaten": "Bantul",
    "provinsi": "DI Yogyakarta",
    "seller_count": 3,
}
SRIHARJO_SUMMARY = {
    "name": "Sriharjo",
    "slug": "sriharjo",
    "code": "34.02.10.2002",
    "kecamatan": "Imogiri",
    "kabupaten": "Bantul",
    "provinsi": "DI Yogyakarta",
    "seller_count": 0,
}


def more_rows(count):
    """Villages, each with two sellers, in a market of their own: rows that cost no queries."""
    villages = [VillageFactory() for _ in range(count)]
    for village in villages:
        SellerFactory.create_batch(2, village=village)
    MarketFactory(villages=villages)


def test_village_list_pages_villages_by_name_with_active_seller_counts(api, bantul):
    response = api.get("/api/v1/villages/")

    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [PANGGUNG_SUMMARY, SRIHARJO_SUMMARY],
    }


@pytest.mark.parametrize("extra_rows", [0, 12])
def test_village_list_costs_two_queries_however_many_rows(
    api, bantul, extra_rows, django_assert_max_num_queries
):
    more_rows(extra_rows)

    with django_assert_max_num_queries(2):  # count, page
        response = api.get("/api/v1/villages/")

    assert response.json()["count"] == 2 + extra_rows


def test_village_detail_shows_bumdes_markets_and_only_active_sellers(api, bantul):
    response = api.get("/api/v1/villages/panggungharjo/")

    assert response.status_code == 200
    assert response.json() == {
        "name": "Panggungharjo",
        "slug": "panggungharjo",
        "code": "34.02.15.2001",
        "kecamatan": "Sewon",
        "kabupaten": "Bantul",
        "provinsi": "DI Yogyakarta",
        "description": "Desa dengan Kampung Mataraman.",
        "bumdes": {"name": "BUMDes Panggung Lestari", "legal_name": "BUM Desa Panggung Lestari"},
        "markets": [{"slug": "bantul", "name": "Pasar Desa Bantul"}],
        "sellers": [
            {
                "name": "Kopi Mbah Kromo",
                "slug": "kopi-mbah-kromo",
                "kind": "umkm",
                "whatsapp_url": None,
            },
            {
                "name": "Unit Air Bersih",
                "slug": "unit-air-bersih",
                "kind": "bumdes_unit",
                "whatsapp_url": "https://wa.me/6285712345678",
            },
            {
                "name": "Warung Bu Sri",
                "slug": "warung-bu-sri",
                "kind": "umkm",
                "whatsapp_url": "https://wa.me/6281234567890",
            },
        ],
    }


def test_village_without_bumdes_or_sellers(api, bantul):
    body = api.get("/api/v1/villages/sriharjo/").json()

    assert body["bumdes"] is None
    assert body["sellers"] == []
    assert body["description"] == ""


@pytest.mark.parametrize("extra_sellers", [0, 15])
def test_village_detail_costs_three_queries_however_many_sellers(
    api, bantul, extra_sellers, django_assert_max_num_queries
):
    SellerFactory.create_batch(extra_sellers, village=bantul["panggung"])
    MarketFactory(villages=[bantul["panggung"]])

    with django_assert_max_num_queries(3):  # village with BUMDes, markets, sellers
        response = api.get("/api/v1/villages/panggungharjo/")

    assert len(response.json()["sellers"]) == 3 + extra_sellers
    assert len(response.json()["markets"]) == 2


def test_unknown_village_is_404_with_the_error_shape(api_en, bantul):
    body = error_of(api_en.get("/api/v1/villages/atlantis/"), 404, "village_not_found")

    assert body == {
        "message": "That village is not in the market.",
        "code": "village_not_found",
        "extra": {},
    }


def test_market_list(api, bantul):
    MarketFactory(name="Pasar Lintas Desa", slug="lintas", description="", villages=[])

    response = api.get("/api/v1/markets/")

    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [
            {
                "name": "Pasar Desa Bantul",
                "slug": "bantul",
                "description": "Pasar bersama lima desa.",
                "village_count": 2,
            },
            {"name": "Pasar Lintas Desa", "slug": "lintas", "description": "", "village_count": 0},
        ],
    }


@pytest.mark.parametrize("extra_markets", [0, 6])
def test_market_list_costs_two_queries_however_many_rows(
    api, bantul, extra_markets, django_assert_max_num_queries
):
    for _ in range(extra_markets):
        more_rows(2)

    with django_assert_max_num_queries(2):  # count, page
        response = api.get("/api/v1/markets/")

    assert response.json()["count"] == 1 + extra_markets


def test_market_detail_lists_its_villages_with_seller_counts(api, bantul):
    response = api.get("/api/v1/markets/bantul/")

    assert response.status_code == 200
    assert response.json() == {
        "name": "Pasar Desa Bantul",
        "slug": "bantul",
        "description": "Pasar bersama lima desa.",
        "villages": [PANGGUNG_SUMMARY, SRIHARJO_SUMMARY],
    }


@pytest.mark.parametrize("extra_villages", [0, 10])
def test_market_detail_costs_two_queries_however_many_villages(
    api, bantul, extra_villages, django_assert_max_num_queries
):
    for village in VillageFactory.create_batch(extra_villages):
        SellerFactory(village=village)
        bantul["market"].memberships.create(village=village)

    with django_assert_max_num_queries(2):  # market, villages with counts
        response = api.get("/api/v1/markets/bantul/")

    assert len(response.json()["villages"]) == 2 + extra_villages


def test_unknown_market_is_404_naming_a_market(api_en, bantul):
    body = error_of(api_en.get("/api/v1/markets/atlantis/"), 404, "market_not_found")

    assert body == {
        "message": "That market does not exist.",
        "code": "market_not_found",
        "extra": {},
    }


def test_public_endpoints_need_no_sign_in_and_ignore_a_bad_session(api, bantul):
    api.cookies["sessionid"] = "not-a-session"

    assert api.get("/api/v1/villages/").status_code == 200
    assert api.get("/api/v1/markets/bantul/").status_code == 200
