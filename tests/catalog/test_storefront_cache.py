"""The market home's village cards and flagship lists: cached, and renewed as soon as what
they show changes, whichever way it changed."""

import pytest
from django.urls import reverse
from django.utils import translation

from catalog import services
from catalog.enums import FoodGroup
from catalog.models import Category
from tests.catalog.test_storefront import HOME_QUERIES, build_market, product_url
from tests.factories import ProductFactory
from tests.pages.html import read_page
from villages.models import Seller
from villages.views import villages_fragment_key

HOME = reverse("villages:home")


@pytest.fixture
def market(two_villages):
    return build_market(two_villages)


@pytest.fixture
def en(client):
    client.cookies["django_language"] = "en"
    return client


def fail_to_render(*args, **kwargs):
    raise AssertionError("the fragment was rendered again")


def flagships(client, village_slug="panggungharjo"):
    return read_page(client.get(HOME)).element_text(f"flagships-{village_slug}")


@pytest.mark.django_db
def test_a_second_visit_reads_the_cards_and_flagships_from_the_cache(
    en, market, django_assert_num_queries, monkeypatch
):
    first = read_page(en.get(HOME))
    monkeypatch.setattr("villages.views.render_to_string", fail_to_render)

    with django_assert_num_queries(HOME_QUERIES):
        second = read_page(en.get(HOME))

    for element in ("village-panggungharjo", "village-sriharjo", "flagships-panggungharjo"):
        assert second.element_text(element) == first.element_text(element)
    assert f'href="{product_url(market["telur"])}"' in second.html
    village_url = reverse("villages:village", kwargs={"village_slug": "panggungharjo"})
    assert f'class="stretch" href="{village_url}"' in second.html


@pytest.mark.django_db
def test_a_changed_flagship_shows_at_once(en, market):
    assert "Telur Ayam Kampung Rp2.500" in flagships(en)

    services.update_product(
        acting_user=services.SYSTEM, product=market["telur"], name="Telur Omega", price=3000
    )

    assert "Telur Omega Rp3.000" in flagships(en)
    assert "Telur Ayam Kampung" not in flagships(en)


@pytest.mark.django_db
def test_a_new_flagship_and_a_closed_seller_show_at_once(en, market):
    assert flagships(en).startswith("Panggungharjo Batik Tulis Motif Parang")
    cards = read_page(en.get(HOME)).element_text("village-panggungharjo")
    assert cards.endswith(" 3 sellers")

    ProductFactory(seller=market["beras"].seller, name="Gula Semut Aren", is_flagship=True)
    assert flagships(en).startswith("Panggungharjo Gula Semut Aren")

    # A bulk update writes no timestamp and sends no signal; the page still follows.
    Seller.objects.filter(pk=market["batik"].seller_id).update(is_active=False)
    assert "Batik Tulis" not in flagships(en)
    cards = read_page(en.get(HOME)).element_text("village-panggungharjo")
    assert cards.endswith(" 2 sellers")


@pytest.mark.django_db
def test_a_category_that_becomes_staple_shows_its_voucher_badge_at_once(en, market):
    assert "Batik Tulis Motif Parang Rp350.000 BLT voucher" not in flagships(en)

    Category.objects.filter(pk=market["batik"].category_id).update(
        is_staple=True, food_group=FoodGroup.VITAMINS_MINERALS
    )

    assert "Batik Tulis Motif Parang Rp350.000 BLT voucher" in flagships(en)


@pytest.mark.django_db
def test_each_language_has_its_own_fragment(two_villages):
    villages = [two_villages["home"], two_villages["other"]]
    market = two_villages["market"]

    with translation.override("en"):
        english = villages_fragment_key(market, villages)
    with translation.override("id"):
        indonesian = villages_fragment_key(market, villages)

    assert english != indonesian


@pytest.mark.django_db
def test_the_cache_can_be_turned_off(en, market, settings, django_assert_num_queries):
    settings.MARKET_HOME_CACHE_SECONDS = 0
    en.get(HOME)

    with django_assert_num_queries(HOME_QUERIES):
        assert en.get(HOME).status_code == 200
