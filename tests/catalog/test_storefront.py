"""Storefront pages: market home, village, seller, category and product, for anyone."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.enums import PhotoStatus, ProductKind
from catalog.models import Product, ProductPhoto
from tests.catalog.conftest import restock
from tests.factories import MarketFactory, ProductFactory, SellerFactory, VillageFactory, category
from tests.pages.html import read_page
from villages.models import MarketVillage

MAX_PAGE_QUERIES = 10
HOME_QUERIES = 5  # market, villages, their flagships, categories, other markets
VILLAGE_QUERIES = 5  # village + BUMDes, markets, sellers, products, their photos
SELLER_QUERIES = 3  # seller + village, products, their photos
CATEGORY_QUERIES = 3  # every category, products, their photos
PRODUCT_QUERIES = 2  # product + seller, village, category and its parent; photos
SEARCH_QUERIES = 5  # villages, categories, (close spellings on PostgreSQL), products, photos


def build_market(two_villages):
    """Products across the two villages of ``two_villages``; returns them by short name.

    Panggungharjo, Warung Bu Sri: beras (Rp12.500/kg, 20 in stock, staple), telur
    (Rp2.500/butir, 3 left, flagship), gula (Rp18.000/kg, none left). Batik Sekar: batik
    (Rp350.000, 2 left, flagship, not staple). Sriharjo, Wisata Sriharjo: a tour. Hidden: an
    inactive product and a product of an inactive seller. Newest first: tour, batik, gula,
    telur, beras.
    """
    home, other = two_villages["home"], two_villages["other"]
    bu_sri = SellerFactory(
        village=home, name="Warung Bu Sri", slug="warung-bu-sri", whatsapp="+6281299998888"
    )
    batik_sekar = SellerFactory(village=home, name="Batik Sekar", slug="batik-sekar")
    wisata = SellerFactory(village=other, name="Wisata Sriharjo", slug="wisata-sriharjo")
    closed = SellerFactory(village=home, name="Toko Tutup", slug="toko-tutup", is_active=False)

    def goods(seller, name, slug, cat, price, unit, stock, **fields):
        product = ProductFactory(
            seller=seller,
            name=name,
            slug=slug,
            category=category(cat),
            price=price,
            unit=unit,
            **fields,
        )
        if stock:
            restock(product, stock)
        return product

    products = {
        "beras": goods(
            bu_sri,
            "Beras Pandan Wangi",
            "beras-pandan-wangi",
            "beras",
            12500,
            "kg",
            20,
            description="Beras pulen dari sawah Panggungharjo.",
        ),
        "telur": goods(
            bu_sri,
            "Telur Ayam Kampung",
            "telur-ayam-kampung",
            "telur",
            2500,
            "butir",
            3,
            is_flagship=True,
        ),
        "gula": goods(bu_sri, "Gula Jawa", "gula-jawa", "gula", 18000, "kg", 0),
        "batik": goods(
            batik_sekar,
            "Batik Tulis Motif Parang",
            "batik-tulis-parang",
            "fashion-batik",
            350000,
            "pcs",
            2,
            is_flagship=True,
            weight_grams=300,
        ),
        "tour": ProductFactory(
            seller=wisata,
            name="Paket Wisata Susur Sungai",
            slug="susur-sungai",
            category=category("paket-wisata"),
            kind=ProductKind.TOUR,
            price=75000,
            unit="orang",
            weight_grams=None,
            capacity=20,
            tour_date=datetime.date(2026, 12, 20),
            meeting_point="Balai Desa Sriharjo",
        ),
        "inactive": goods(
            bu_sri,
            "Beras Lama Tidak Dijual",
            "beras-lama",
            "beras",
            9000,
            "kg",
            5,
            is_active=False,
        ),
        "closed": goods(
            closed, "Beras Rojolele Toko Tutup", "beras-rojolele", "beras", 13000, "kg", 5
        ),
    }
    start = timezone.now() - datetime.timedelta(days=10)
    for offset, key in enumerate(["beras", "telur", "gula", "batik", "tour"]):
        Product.objects.filter(pk=products[key].pk).update(
            created_at=start + datetime.timedelta(hours=offset)
        )
        products[key].refresh_from_db()
    return products


@pytest.fixture
def market(two_villages):
    return build_market(two_villages)


def product_url(product):
    return reverse(
        "catalog:product", kwargs={"product_id": product.pk, "product_slug": product.slug}
    )


def category_url(slug):
    return reverse("catalog:category", kwargs={"category_slug": slug})


def seller_url(village_slug, seller_slug):
    return reverse(
        "catalog:seller", kwargs={"village_slug": village_slug, "seller_slug": seller_slug}
    )


def card_ids(page):
    """Ids of the product cards on a page, in order."""
    import re

    return [int(pk) for pk in re.findall(r'id="product-(\d+)"', page.html)]


@pytest.fixture
def en(client):
    """The client, switched to English (strings not yet translated are checked in English)."""
    client.cookies["django_language"] = "en"
    return client


def more_products(village, n=30, *, flagship=True):
    seller = SellerFactory(village=village)
    for i in range(n):
        product = ProductFactory(seller=seller, is_flagship=flagship)
        ProductPhoto.objects.create(
            product=product,
            image=f"products/original/{i}.jpg",
            status=PhotoStatus.READY,
            width=1200,
            height=900,
            small=f"products/320/{i}.webp",
            large=f"products/800/{i}.webp",
        )


# --- product page --------------------------------------------------------------------


@pytest.mark.django_db
def test_product_page_shows_price_unit_seller_village_stock_and_voucher_badge(en, market):
    page = read_page(en.get(product_url(market["beras"])))

    assert page.headings["h1"] == ["Beras Pandan Wangi"]
    assert page.element_text("price") == "Rp12.500 / kg"
    assert page.element_text("stock") == "In stock Payable with a BLT voucher"
    assert page.element_text("facts") == (
        "Seller Warung Bu Sri Village Panggungharjo Kind Goods Weight 1000 g"
    )
    assert f'href="{seller_url("panggungharjo", "warung-bu-sri")}"' in page.html
    assert 'href="https://wa.me/6281299998888?text=' in page.html
    assert "Beras pulen dari sawah Panggungharjo." in page.text()


@pytest.mark.django_db
def test_product_page_says_how_many_are_left_or_that_none_are(en, market):
    telur = read_page(en.get(product_url(market["telur"])))
    gula = read_page(en.get(product_url(market["gula"])))

    assert telur.element_text("stock") == (
        "Only 3 left Flagship product Payable with a BLT voucher"
    )
    assert gula.element_text("stock") == "Out of stock Payable with a BLT voucher"


@pytest.mark.django_db
def test_non_staple_products_have_no_voucher_badge(en, market):
    page = read_page(en.get(product_url(market["batik"])))

    assert page.element_text("stock") == "Only 2 left Flagship product"
    assert "BLT" not in page.text()


@pytest.mark.django_db
def test_tour_page_shows_date_capacity_and_meeting_point(en, market):
    page = read_page(en.get(product_url(market["tour"])))

    assert page.element_text("price") == "Rp75.000 / orang"
    assert page.element_text("stock") == "In stock"
    assert page.element_text("facts") == (
        "Seller Wisata Sriharjo Village Sriharjo Kind Tour package Date Dec. 20, 2026 "
        "Capacity 20 persons Meeting point Balai Desa Sriharjo"
    )


@pytest.mark.django_db
def test_product_photos_use_renditions_and_pending_ones_a_placeholder(en, market):
    beras = market["beras"]
    ProductPhoto.objects.create(
        product=beras,
        image="products/original/a.jpg",
        position=0,
        status=PhotoStatus.READY,
        width=1200,
        height=900,
        small="products/320/a.webp",
        large="products/800/a.webp",
    )
    ProductPhoto.objects.create(
        product=beras,
        image="products/original/b.jpg",
        position=1,
        status=PhotoStatus.PENDING,
        width=800,
        height=800,
    )

    page = read_page(en.get(product_url(beras)))

    gallery = page.element_text("photos")
    assert gallery == "B"  # the placeholder shows the name's first letter
    assert (
        '<img src="/media/products/320/a.webp" '
        'srcset="/media/products/320/a.webp 320w, /media/products/800/a.webp 800w" '
        'sizes="(min-width: 36rem) 28rem, 100vw" width="320" height="240" loading="lazy" '
        'alt="Beras Pandan Wangi">'
    ) in " ".join(page.html.split())
    assert (
        " ".join(page.html.split()).count('class="ph" role="img" aria-label="Photo coming soon"')
        == 1
    )


@pytest.mark.django_db
def test_product_with_a_wrong_slug_redirects_to_its_own_url(client, market):
    beras = market["beras"]
    url = reverse("catalog:product", kwargs={"product_id": beras.pk, "product_slug": "lama"})

    response = client.get(url)

    assert response.status_code == 301
    assert response.url == product_url(beras)


@pytest.mark.django_db
def test_unknown_inactive_and_closed_sellers_products_are_not_found(client, market):
    unknown = reverse("catalog:product", kwargs={"product_id": 999999, "product_slug": "x"})

    assert client.get(unknown).status_code == 404
    assert client.get(product_url(market["inactive"])).status_code == 404
    assert client.get(product_url(market["closed"])).status_code == 404


@pytest.mark.django_db
def test_product_page_costs_the_same_queries_with_many_photos(
    client, market, django_assert_max_num_queries
):
    beras = market["beras"]
    for i in range(6):
        ProductPhoto.objects.create(
            product=beras,
            image=f"products/original/{i}.jpg",
            position=i,
            status=PhotoStatus.READY,
            width=600,
            height=600,
            small=f"products/320/{i}.webp",
            large=f"products/800/{i}.webp",
        )

    with django_assert_max_num_queries(PRODUCT_QUERIES):
        response = client.get(product_url(beras))

    assert read_page(response).html.count('loading="lazy"') == 6


# --- seller page ---------------------------------------------------------------------


@pytest.mark.django_db
def test_seller_page_lists_its_active_products_newest_first_with_whatsapp(en, market):
    page = read_page(en.get(seller_url("panggungharjo", "warung-bu-sri")))

    assert page.headings["h1"] == ["Warung Bu Sri"]
    assert card_ids(page) == [market["gula"].pk, market["telur"].pk, market["beras"].pk]
    assert page.element_text(f"product-{market['beras'].pk}") == (
        "B Beras Pandan Wangi Rp12.500 / kg Warung Bu Sri · Panggungharjo In stock "
        "Payable with a BLT voucher"
    )
    assert 'id="seller-whatsapp" href="https://wa.me/6281299998888"' in " ".join(page.html.split())
    assert "Beras Lama Tidak Dijual" not in page.text()


@pytest.mark.django_db
def test_inactive_unknown_or_elsewhere_sellers_are_not_found(client, market):
    assert client.get(seller_url("panggungharjo", "toko-tutup")).status_code == 404
    assert client.get(seller_url("panggungharjo", "tidak-ada")).status_code == 404
    assert client.get(seller_url("sriharjo", "warung-bu-sri")).status_code == 404


@pytest.mark.django_db
def test_seller_page_pages_through_products(en, two_villages):
    seller = SellerFactory(village=two_villages["home"], slug="toko-besar")
    ProductFactory.create_batch(25, seller=seller)
    url = seller_url("panggungharjo", "toko-besar")

    first = read_page(en.get(url))
    second = read_page(en.get(url + "?page=2"))

    assert len(card_ids(first)) == 20
    assert len(card_ids(second)) == 5
    assert set(card_ids(first)).isdisjoint(card_ids(second))
    assert 'rel="next" href="?page=2"' in " ".join(first.html.split())
    assert 'rel="prev" href="?page=1"' in " ".join(second.html.split())
    assert 'rel="next"' not in second.html


# --- category page -------------------------------------------------------------------


@pytest.mark.django_db
def test_category_page_includes_products_of_its_subcategories(en, market):
    page = read_page(en.get(category_url("karbohidrat")))

    assert page.headings["h1"] == ["Karbohidrat"]
    assert card_ids(page) == [market["gula"].pk, market["beras"].pk]
    assert page.element_text("subcategories") == "Beras Tepung Gula"
    assert "Payable with a BLT voucher" in page.text()


@pytest.mark.django_db
def test_non_staple_category_has_no_voucher_badge_and_unknown_one_is_not_found(en, market):
    page = read_page(en.get(category_url("fashion-batik")))

    assert card_ids(page) == [market["batik"].pk]
    assert "BLT" not in page.text()
    assert en.get(category_url("tidak-ada")).status_code == 404


# --- village page and market home ----------------------------------------------------


@pytest.mark.django_db
def test_village_page_lists_flagships_first_then_newest(en, market, two_villages):
    page = read_page(en.get(reverse("villages:village", kwargs={"village_slug": "panggungharjo"})))

    assert card_ids(page) == [
        market["batik"].pk,
        market["telur"].pk,
        market["gula"].pk,
        market["beras"].pk,
    ]
    assert f'href="{seller_url("panggungharjo", "warung-bu-sri")}"' in page.html
    assert "Beras Rojolele" not in page.text()


@pytest.mark.django_db
def test_market_home_shows_staple_categories_and_flagships_per_village(en, market):
    page = read_page(en.get(reverse("villages:home")))

    assert page.element_text("staples").startswith(
        "Staple food Everything here can be paid with a BLT voucher. Beras Tepung Gula Telur"
    )
    assert f'href="{category_url("minyak-goreng")}"' in page.html
    assert "Kerajinan" not in page.element_text("staples")
    flagships = page.element_text("flagships-panggungharjo")
    assert flagships == (
        "Panggungharjo Batik Tulis Motif Parang Rp350.000 Telur Ayam Kampung Rp2.500 BLT voucher"
    )
    assert "Beras Pandan Wangi" not in flagships
    assert 'id="flagships-sriharjo"' not in page.html


@pytest.mark.django_db
def test_market_home_shows_at_most_three_flagships_per_village(client, two_villages):
    more_products(two_villages["home"], n=6)

    page = read_page(client.get(reverse("villages:home")))

    assert page.element_text("flagships-panggungharjo").count("Beras Pandan Wangi") == 3


# --- query counts --------------------------------------------------------------------


def storefront_urls(market, two_villages):
    return {
        "home": (reverse("villages:home"), HOME_QUERIES),
        "village": (
            reverse("villages:village", kwargs={"village_slug": "panggungharjo"}),
            VILLAGE_QUERIES,
        ),
        "seller": (seller_url("panggungharjo", "warung-bu-sri"), SELLER_QUERIES),
        "category": (category_url("karbohidrat"), CATEGORY_QUERIES),
        "product": (product_url(market["beras"]), PRODUCT_QUERIES),
        "search": (reverse("catalog:search") + "?q=beras&in_stock=1", SEARCH_QUERIES),
    }


@pytest.mark.django_db
def test_every_storefront_page_costs_the_same_queries_whatever_the_data(
    client, market, two_villages, django_assert_max_num_queries
):
    urls = storefront_urls(market, two_villages)
    for _name, (url, queries) in urls.items():
        assert queries <= MAX_PAGE_QUERIES
        with django_assert_max_num_queries(queries):
            assert client.get(url).status_code == 200

    bu_sri = market["beras"].seller
    for i in range(30):
        product = ProductFactory(
            seller=bu_sri, is_flagship=i % 2 == 0, category=category("gula" if i % 3 else "beras")
        )
        ProductPhoto.objects.create(
            product=product,
            image=f"products/original/{i}.jpg",
            status=PhotoStatus.READY,
            width=900,
            height=900,
            small=f"products/320/{i}.webp",
            large=f"products/800/{i}.webp",
        )
    for _ in range(5):
        village = VillageFactory()
        MarketVillage.objects.create(market=two_villages["market"], village=village)
        more_products(village, n=5)
    MarketFactory(villages=[VillageFactory()])

    for name, (url, queries) in urls.items():
        with django_assert_max_num_queries(queries):
            response = client.get(url)
        assert response.status_code == 200, name
