"""Typo tolerance on PostgreSQL: the word list of product names and the close spellings."""

import pytest
from django.db import connection
from django.urls import reverse

from catalog import services
from catalog.models import Product
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


def search_document(product):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_document::text FROM catalog_product WHERE id = %s", [product.pk]
        )
        return cursor.fetchone()[0]


def test_a_sale_does_not_recompute_the_search_document_and_a_new_text_does(market):
    product = market["gula"]
    with connection.cursor() as cursor:  # a marker no trigger would write
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks: ALTER may run
        cursor.execute(
            "ALTER TABLE catalog_product DISABLE TRIGGER catalog_product_search_document"
        )
        cursor.execute(
            "UPDATE catalog_product SET search_document = 'penanda'::tsvector WHERE id = %s",
            [product.pk],
        )
        cursor.execute("ALTER TABLE catalog_product ENABLE TRIGGER catalog_product_search_document")

    services.adjust_stock(
        acting_user=services.SYSTEM, product_id=product.pk, quantity=5, kind="restock"
    )
    services.take_stock_for_lines(lines=[(product.pk, 2)], actor=None, reason="Pesanan")
    assert search_document(product) == "'penanda'"  # only the stock was written

    Product.objects.filter(pk=product.pk).update(description="Manis legit dari nira kelapa")
    assert "penanda" not in search_document(product)
    assert "'nira':" in search_document(product)

    services.update_product(acting_user=services.SYSTEM, product=product, name="Gula Aren Cetak")
    assert "'aren':" in search_document(product)
    assert "aren" in word_list()
