"""What sellers and residents read in the default language, Indonesian.

The English wording is checked elsewhere; here the same errors and stock words are read
as a village seller or resident sees them, and the catalogue itself is checked whole.
"""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from catalog import csv_io, services
from catalog.exceptions import InsufficientStock, StockChangeInvalid
from catalog.models import StockMovement
from tests.catalog.conftest import restock
from tests.catalog.test_csv_io import csv_bytes, import_url, snapshot, upload
from tests.catalog.test_dashboard import product_url as dashboard_url
from tests.catalog.test_dashboard import stock_token
from tests.catalog.test_storefront import build_market, card_ids, product_url
from tests.pages.html import read_page

pytestmark = pytest.mark.usefixtures("compiled_translations")

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "id" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


@pytest.fixture(autouse=True)
def _default_language():
    """Code outside a request reads the default language, whatever ran before."""
    assert settings.LANGUAGE_CODE == "id"
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture
def market(two_villages):
    return build_market(two_villages)


# --- the catalogue -----------------------------------------------------------------------


def test_every_message_has_an_indonesian_translation_with_the_same_placeholders():
    catalogue = polib.pofile(str(CATALOGUE))
    entries = [e for e in catalogue if not e.obsolete]

    assert catalogue.metadata["Plural-Forms"] == "nplurals=1; plural=0;"
    assert [e.msgid for e in entries if "fuzzy" in e.flags] == []
    assert [e.msgid for e in entries if not e.translated()] == []
    for entry in entries:
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(entry.msgid)), (
                entry.msgid
            )


# --- stock -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_taking_more_than_there_is_names_the_product_in_indonesian(shop):
    product = shop["product"]
    restock(product, 2)

    with pytest.raises(InsufficientStock) as caught:
        services.adjust_stock(
            acting_user=shop["staff"], product_id=product.pk, quantity=-3, kind="sale", reason=""
        )

    assert caught.value.code == "out_of_stock"
    assert str(caught.value.message) == "Stok habis: Beras Pandan Wangi"
    assert StockMovement.objects.filter(product=product).count() == 1


@pytest.mark.django_db
def test_the_stock_page_refuses_a_correction_below_zero_in_indonesian(client, shop):
    product = shop["product"]
    restock(product, 3)
    client.force_login(shop["staff"])

    response = client.post(
        dashboard_url("product_stock", product),
        {
            "kind": "correction",
            "quantity": "-5",
            "reason": "Rusak",
            "token": stock_token(client, product),
        },
    )

    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == ["Stok habis: Beras Pandan Wangi"]
    assert "Stok habis: Beras Pandan Wangi" in read_page(response).text()


@pytest.mark.django_db
def test_stock_change_rules_are_explained_in_indonesian(shop):
    with pytest.raises(StockChangeInvalid) as caught:
        services.validate_stock_change(quantity=2, kind="correction", reason=" ")

    assert str(caught.value.message) == "Tulis alasan koreksi stok."


# --- CSV import --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_bad_csv_lists_each_problem_in_indonesian_with_its_row_and_column(shop):
    data = csv_bytes(
        ",Kopi,makanan-olahan,,12000,,,,,,",
        ",Teh,teh-ajaib,,nol,,,,,,",
        "Bukan Slug,Gula,gula,barang,15000,kg,,-2,mungkin,,",
    )

    with pytest.raises(csv_io.ProductImportInvalid) as caught:
        csv_io.import_products(
            acting_user=shop["staff"], seller=shop["seller"], data=data, filename="produk.csv"
        )

    assert str(caught.value.message) == (
        "Berkas tidak diimpor. Perbaiki baris yang tercantum, lalu unggah lagi."
    )
    assert [(e.row, e.column, e.message) for e in caught.value.errors] == [
        (3, "category", "Tidak ada kategori dengan slug “teh-ajaib”."),
        (
            3,
            "price",
            "Isi harga dalam rupiah, angka bulat di atas nol, misalnya 12500, 12.500, "
            "atau Rp12.500.",
        ),
        (
            4,
            "slug",
            "Pakai huruf kecil, angka, dan tanda hubung (-) saja, misalnya beras-merah.",
        ),
        (4, "stock", "Isi angka bulat, nol atau lebih, misalnya 25."),
        (4, "is_active", "Isi true atau false (boleh juga: ya/tidak, 1/0)."),
    ]


@pytest.mark.django_db
def test_a_csv_with_a_wrong_header_says_which_column_in_indonesian(shop):
    data = b"nama,category,price\nKopi,makanan-olahan,12000"

    with pytest.raises(csv_io.ProductImportInvalid) as caught:
        csv_io.validate_products_csv(seller=shop["seller"], data=data)

    messages = [(e.row, e.column, e.message) for e in caught.value.errors]
    assert messages[0][:2] == (1, "nama")
    assert messages[0][2].startswith("Kolom “nama” tidak dikenal. Kolom yang bisa dipakai: slug,")
    assert messages[1] == (1, "name", "Kolom wajib “name” tidak ada.")


@pytest.mark.django_db
def test_a_csv_row_breaking_a_product_rule_is_explained_in_indonesian(shop):
    data = csv_bytes(",Jasa Pijat,makanan-olahan,jasa,50000,jam,,4,,,")

    with pytest.raises(csv_io.ProductImportInvalid) as caught:
        csv_io.validate_products_csv(seller=shop["seller"], data=data)

    assert [(e.row, e.column, e.message) for e in caught.value.errors] == [
        (2, "stock", "Hanya barang yang punya stok.")
    ]


@pytest.mark.django_db
def test_the_import_page_lists_bad_rows_in_indonesian_and_imports_nothing(client, shop):
    client.force_login(shop["staff"])
    before = snapshot()

    response = client.post(
        import_url(shop["seller"]),
        {"file": upload(csv_bytes(",Kopi,makanan-olahan,,12000,,,,,,", ",Teh,teh-ajaib,,0,,,,,,"))},
    )

    assert response.status_code == 400
    text = read_page(response).text()
    assert "Tidak ada yang diimpor" in text
    assert "Baris 1 adalah baris judul (nama kolom)." in text
    table = read_page(response).element_text("import-errors")
    assert "Baris Kolom Masalah" in table
    assert "3 category Tidak ada kategori dengan slug “teh-ajaib”." in table
    assert "3 price Isi harga dalam rupiah, angka bulat di atas nol" in table
    assert snapshot() == before


# --- search ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_price_that_is_not_a_number_is_explained_in_indonesian(client, market):
    response = client.get(reverse("catalog:search"), {"q": "beras", "min_price": "abc"})

    assert response.status_code == 400
    page = read_page(response)
    assert "Silakan perbaiki filter di bawah ini." in page.text()
    assert "Tulis harga dalam rupiah sebagai angka bulat, misalnya 12500." in page.text()
    assert card_ids(page) == []


@pytest.mark.django_db
def test_a_lowest_price_above_the_highest_is_explained_in_indonesian(client, market):
    response = client.get(reverse("catalog:search"), {"min_price": "20000", "max_price": "1000"})

    assert response.status_code == 400
    assert (
        "Harga tertinggi tidak boleh lebih rendah dari harga terendah."
        in read_page(response).text()
    )


# --- storefront --------------------------------------------------------------------------


@pytest.mark.django_db
def test_product_pages_say_the_stock_state_in_indonesian(client, market):
    def stock_words(name):
        return read_page(client.get(product_url(market[name]))).element_text("stock")

    assert stock_words("beras") == "Tersedia Bisa dibayar dengan voucher BLT"
    assert stock_words("telur") == "Tinggal 3 Produk unggulan Bisa dibayar dengan voucher BLT"
    assert stock_words("gula") == "Stok habis Bisa dibayar dengan voucher BLT"
    assert stock_words("batik") == "Tinggal 2 Produk unggulan"
    assert stock_words("tour") == "Tersedia"


@pytest.mark.django_db
def test_search_results_show_stock_states_in_indonesian(client, market):
    page = read_page(client.get(reverse("catalog:search"), {"q": "gula"}))

    assert card_ids(page) == [market["gula"].pk]
    assert "Stok habis" in page.element_text(f"product-{market['gula'].pk}")
