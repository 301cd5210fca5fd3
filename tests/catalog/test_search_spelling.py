"""Typo tolerance on PostgreSQL: the word list of product names and the close spellings."""

import pytest
from django.db import connection
from django.urls import reverse

from catalog import services
from catalog.search import name_spellings
from tests.catalog.test_storefront import build_market, card_ids
from tests.factories import ProductFactory, category
from tests.pages.html import read_page

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def market(two_villages):
    return build_market(two_villages)


def found(client, text):
    response = client.get(reverse("catalog:search"), {"q": text})
    assert response.status_code == 200
    return card_ids(read_page(response))


def word_list():
    with connection.cursor() as cursor:
        cursor.execute("SELECT word FROM catalog_search_word")
        return {word for (word,) in cursor.fetchall()}


def test_the_words_of_product_names_are_listed_letters_only(market):
    ProductFactory(seller=market["beras"].seller, name="Kopi-Robusta 250g Temanggung 2")

    words = word_list()

    assert {"beras", "pandan", "wangi", "telur", "kopi", "robusta", "temanggung"} <= words
    assert not {"250g", "2", "kopi-robusta"} & words
    assert all(word.isalpha() and len(word) >= 3 for word in words)


def test_close_spellings_come_closest_first(market):
    spellings = name_spellings(["bras", "telor", "ab"])

    assert spellings["bras"][0] == "beras"
    assert spellings["telor"][0] == "telur"
    assert spellings["ab"] == []  # too short to guess at


def test_a_renamed_product_is_found_with_a_typo_in_its_new_name(client, market):
    assert found(client, "kerupk") == []

    services.update_product(
        acting_user=services.SYSTEM, product=market["gula"], name="Kerupuk Gula Merah"
    )

    assert found(client, "kerupk") == [market["gula"].pk]


def test_a_close_spelling_matches_names_only_and_every_word_must_match(client, market):
    ProductFactory(
        seller=market["beras"].seller,
        name="Rengginang",
        slug="rengginang",
        category=category("makanan-olahan"),
        description="Dibuat dari beras ketan.",
    )

    assert found(client, "bras") == [market["beras"].pk]  # not the description's "beras"
    assert found(client, "bras pandn") == [market["beras"].pk]
    assert found(client, "bras sungai") == []
