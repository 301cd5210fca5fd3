"""Search across the market: words with typos, filters, sorts, pages, and bad input."""

import pytest
from django.db.models import F
from django.urls import reverse

from catalog.models import Product
from catalog.search import ProductQuery, filter_products, match_words, search_products
from catalog.selectors.storefront import PER_PAGE, category_tree, public_products
from tests.catalog.test_storefront import build_market, card_ids
from tests.conftest import ON_POSTGRES
from tests.factories import ProductFactory, SellerFactory, category
from tests.pages.html import read_page


@pytest.fixture
def market(two_villages):
    return build_market(two_villages)


@pytest.fixture
def en(client):
    client.cookies["django_language"] = "en"
    return client


def search(client, **params):
    return client.get(reverse("catalog:search"), params)


def found(client, **params):
    response = search(client, **params)
    assert response.status_code == 200, response.content
    return card_ids(read_page(response))


def ids(market, *names):
    return [market[name].pk for name in names]


# --- words ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_word_finds_products_by_name_and_hides_inactive_ones(client, market):
    assert found(client, q="beras") == ids(market, "beras")
    assert found(client, q="telur ayam") == ids(market, "telur")
    assert found(client, q="Susur") == ids(market, "tour")


@pytest.mark.django_db
def test_a_word_finds_products_by_description_and_by_category(client, market):
    assert found(client, q="pulen") == ids(market, "beras")
    assert found(client, q="paket wisata") == ids(market, "tour")


@pytest.mark.django_db
@pytest.mark.skipif(ON_POSTGRES, reason="the SQLite fallback; PostgreSQL is tested below")
def test_fallback_tolerates_a_typo(client, market):
    assert found(client, q="bras") == ids(market, "beras")
    assert found(client, q="telor") == ids(market, "telur")
    assert found(client, q="batk parang") == ids(market, "batik")


@pytest.mark.django_db
@pytest.mark.postgres
def test_postgresql_trigram_search_finds_beras_for_bras_best_match_first(client, market):
    seller = market["beras"].seller
    merah = ProductFactory(
        seller=seller, name="Beras Merah Organik", slug="beras-merah", category=category("beras")
    )
    rengginang = ProductFactory(
        seller=seller,
        name="Rengginang",
        slug="rengginang",
        category=category("makanan-olahan"),
        description="Dibuat dari beras ketan.",
    )

    assert set(found(client, q="bras")) == {market["beras"].pk, merah.pk}
    results = found(client, q="beras")
    assert set(results) == {market["beras"].pk, merah.pk, rengginang.pk}
    assert results[-1] == rengginang.pk  # a match in the description only comes last
    assert found(client, q="telor") == ids(market, "telur")
    assert set(found(client, q="ber")) >= {market["beras"].pk, merah.pk}  # a prefix


@pytest.mark.django_db
@pytest.mark.postgres
def test_best_matches_come_page_by_page_in_the_order_of_their_relevance(market):
    seller = market["beras"].seller
    for n, name in enumerate(["Beras Pandan", "Beras Merah", "Bakso Ikan", "Rengginang"] * 8):
        ProductFactory(seller=seller, name=f"{name} {n}", description="Dari beras desa.")
    tree = category_tree()
    query = ProductQuery(text="bras beras")
    # Every match ranked by the ORM expression, as the first RANKED_MATCHES would be.
    products = filter_products(public_products(), query)
    expected = list(
        match_words(products, query.words, tree=tree, ranked=True)
        .order_by(F("relevance").desc(), "-created_at", "-pk")
        .values_list("pk", flat=True)
    )

    first = search_products(query, tree=tree)
    second = search_products(ProductQuery(text="bras beras", page=2), tree=tree)

    assert len(expected) > PER_PAGE
    assert [p.pk for p in first.products] + [p.pk for p in second.products] == expected
    assert (first.has_next, second.has_next) == (True, False)
    assert first.products[0].url == reverse(
        "catalog:product",
        kwargs={"product_id": first.products[0].pk, "product_slug": first.products[0].slug},
    )


@pytest.mark.django_db
def test_nothing_found_says_so(en, market):
    page = read_page(search(en, q="sepeda motor"))

    assert card_ids(page) == []
    assert "Nothing matches. Try another word or fewer filters." in page.text()


# --- filters and sorts ---------------------------------------------------------------


@pytest.mark.django_db
def test_without_words_the_newest_come_first(client, market):
    assert found(client) == ids(market, "tour", "batik", "gula", "telur", "beras")


@pytest.mark.django_db
def test_filters_by_village_category_staple_stock_and_price(client, market):
    assert found(client, village="sriharjo") == ids(market, "tour")
    assert found(client, category="karbohidrat") == ids(market, "gula", "beras")
    assert found(client, staple="1") == ids(market, "gula", "telur", "beras")
    assert found(client, in_stock="1") == ids(market, "tour", "batik", "telur", "beras")
    assert found(client, min_price="2500", max_price="18000") == ids(
        market, "gula", "telur", "beras"
    )
    assert found(client, q="beras", village="sriharjo") == []
    assert found(client, staple="1", in_stock="1", max_price="5000") == ids(market, "telur")


@pytest.mark.django_db
def test_sorts_by_price_both_ways_and_by_newest(client, market):
    assert found(client, sort="price_asc") == ids(market, "telur", "beras", "gula", "tour", "batik")
    assert found(client, sort="price_desc") == ids(
        market, "batik", "tour", "gula", "beras", "telur"
    )
    assert found(client, staple="1", sort="newest") == ids(market, "gula", "telur", "beras")


@pytest.mark.django_db
def test_results_come_in_pages_that_keep_the_filters(en, two_villages):
    seller = SellerFactory(village=two_villages["home"])
    ProductFactory.create_batch(23, seller=seller, price=5000)

    first = read_page(search(en, q="beras", max_price="6000", sort="newest"))
    second = read_page(search(en, q="beras", max_price="6000", sort="newest", page="2"))

    assert len(card_ids(first)) == 20
    assert len(card_ids(second)) == 3
    flat = " ".join(first.html.split()).replace("&amp;", "&")
    assert 'rel="next" href="?q=beras&max_price=6000&sort=newest&page=2"' in flat


# --- bad input -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_price_that_is_not_a_number_gets_a_clear_message(en, market):
    response = search(en, q="beras", min_price="abc")

    assert response.status_code == 400
    page = read_page(response)
    assert "Please correct the filters below." in page.text()
    assert "Write a price as a whole number of rupiah, for example 12500." in page.text()
    assert card_ids(page) == []


@pytest.mark.django_db
def test_a_lowest_price_above_the_highest_gets_a_clear_message(en, market):
    response = search(en, min_price="20000", max_price="1000")

    assert response.status_code == 400
    assert (
        "The highest price must not be lower than the lowest price." in read_page(response).text()
    )


@pytest.mark.django_db
def test_unknown_village_or_category_and_bad_sort_or_page_are_refused(en, market):
    for params in (
        {"village": "tidak-ada"},
        {"category": "tidak-ada"},
        {"sort": "acak"},
        {"page": "0"},
        {"page": "x"},
    ):
        assert search(en, **params).status_code == 400, params


@pytest.mark.django_db
def test_search_function_pages_without_counting(market):
    page = search_products(ProductQuery(text="", page=1), tree=category_tree())

    assert [p.pk for p in page.products] == ids(market, "tour", "batik", "gula", "telur", "beras")
    assert page.has_next is False
    assert page.has_previous is False


@pytest.mark.django_db
def test_search_page_queries_do_not_grow_with_the_catalogue(
    client, market, django_assert_max_num_queries
):
    with django_assert_max_num_queries(5):
        search(client, q="bras", staple="1", sort="relevance")
    seller = market["beras"].seller
    ProductFactory.create_batch(40, seller=seller)

    with django_assert_max_num_queries(5):
        assert search(client, q="bras", staple="1", sort="relevance").status_code == 200


# --- common words are ranked once in a while (PostgreSQL) ------------------------------


def common_word_market(market):
    """More products called Beras than a page holds; the first page's best is known."""
    seller = market["beras"].seller
    for n in range(PER_PAGE + 5):
        ProductFactory(seller=seller, name=f"Beras Rojolele {n}", category=category("beras"))


@pytest.mark.django_db
@pytest.mark.postgres
def test_a_common_word_is_ranked_once_then_read_by_id(market, django_assert_num_queries):
    common_word_market(market)
    tree = category_tree()
    first = search_products(ProductQuery(text="bras"), tree=tree)

    # The page's products by id, their photos: no spellings, no ranking.
    with django_assert_num_queries(2):
        again = search_products(ProductQuery(text="bras"), tree=tree)

    assert [p.pk for p in again.products] == [p.pk for p in first.products]
    assert (first.has_next, again.has_next) == (True, True)
    assert again.products[0].url == first.products[0].url


@pytest.mark.django_db
@pytest.mark.postgres
def test_a_remembered_page_drops_a_withdrawn_product_and_shows_todays_price(market):
    common_word_market(market)
    tree = category_tree()
    first = search_products(ProductQuery(text="bras"), tree=tree).products
    withdrawn, repriced = first[0], first[1]
    withdrawn.is_active = False
    withdrawn.save()
    Product.objects.filter(pk=repriced.pk).update(price=99000)

    again = search_products(ProductQuery(text="bras"), tree=tree)

    assert [p.pk for p in again.products] == [p.pk for p in first[1:]]
    assert again.products[0].price == 99000
    assert again.has_next is True


@pytest.mark.django_db
@pytest.mark.postgres
def test_each_page_and_filter_is_remembered_apart(market):
    common_word_market(market)
    tree = category_tree()
    first = search_products(ProductQuery(text="bras"), tree=tree)
    second = search_products(ProductQuery(text="bras", page=2), tree=tree)
    in_stock = search_products(ProductQuery(text="bras", in_stock=True), tree=tree)

    assert not {p.pk for p in first.products} & {p.pk for p in second.products}
    assert [p.pk for p in in_stock.products] == [market["beras"].pk]  # the others have none
    assert search_products(ProductQuery(text="bras", page=2), tree=tree) == second


@pytest.mark.django_db
@pytest.mark.postgres
def test_without_the_cache_every_search_is_ranked(market, settings, django_assert_num_queries):
    settings.SEARCH_CACHE_SECONDS = 0
    common_word_market(market)
    tree = category_tree()
    search_products(ProductQuery(text="bras"), tree=tree)

    with django_assert_num_queries(3):  # spellings, the ranked page, its photos
        search_products(ProductQuery(text="bras"), tree=tree)
