"""Products as CSV: export, all-or-nothing import, and the stock ledger kept true."""

import time

import pytest
from django.db.models import Count, F, Sum
from django.urls import reverse
from django.utils import translation

from catalog import csv_io
from catalog.enums import ProductKind, StockMovementKind
from catalog.models import Product, StockMovement
from tests.catalog.conftest import restock
from tests.factories import ProductFactory, category
from villages.exceptions import NotAllowedForVillage

pytestmark = pytest.mark.django_db

HEADER = "slug,name,category,kind,price,unit,weight_grams,stock,is_active,is_flagship,description"


def csv_bytes(*lines, header=HEADER, encoding="utf-8"):
    return "\n".join([header, *lines]).encode(encoding)


def run_import(shop, data, *, user="staff"):
    with translation.override("en"):
        return csv_io.import_products(
            acting_user=shop[user], seller=shop["seller"], data=data, filename="produk.csv"
        )


def import_errors(shop, data):
    with pytest.raises(csv_io.ProductImportInvalid) as caught:
        run_import(shop, data)
    assert caught.value.code == "csv_invalid"
    return [(e.row, e.column, e.message) for e in caught.value.errors]


def snapshot():
    """Everything an import could write, to assert that nothing was."""
    return (
        list(Product.objects.order_by("pk").values()),
        StockMovement.objects.count(),
    )


def assert_stock_equals_ledger():
    mismatched = (
        Product.objects.annotate(ledger=Sum("stock_movements__quantity"))
        .exclude(stock=0, ledger__isnull=True)
        .exclude(stock=F("ledger"))
    )
    assert list(mismatched) == []


# --- a good file -------------------------------------------------------------------------


def test_a_good_file_adds_and_changes_products_and_records_stock(shop):
    product = shop["product"]  # beras-pandan-wangi-N, stock 0
    restock(product, 10)
    data = csv_bytes(
        f"{product.slug},Beras Pandan Wangi,beras,goods,Rp15.000,kg,1000,7,ya,tidak,Pulen",
        ",Telur Ayam Kampung,telur,goods,2.500,butir,60,30,true,true,",
        "servis-sepeda,Servis Sepeda,jasa-pitulungan,jasa,25000,jam,,,1,0,Datang ke rumah",
    )

    result = run_import(shop, data)

    assert result == csv_io.ImportResult(created=2, updated=1, unchanged=0, stock_movements=2)
    product.refresh_from_db()
    assert (product.price, product.stock, product.description) == (15000, 7, "Pulen")
    eggs = Product.objects.get(seller=shop["seller"], slug="telur-ayam-kampung")
    assert (eggs.price, eggs.stock, eggs.unit, eggs.is_flagship, eggs.village) == (
        2500,
        30,
        "butir",
        True,
        shop["seller"].village,
    )
    service = Product.objects.get(seller=shop["seller"], slug="servis-sepeda")
    assert (service.kind, service.stock, service.weight_grams) == (ProductKind.SERVICE, 0, None)
    movements = StockMovement.objects.filter(reason="CSV import produk.csv")
    assert sorted(movements.values_list("product__slug", "kind", "quantity", "stock_after")) == [
        (product.slug, StockMovementKind.CORRECTION, -3, 7),
        ("telur-ayam-kampung", StockMovementKind.RESTOCK, 30, 30),
    ]
    assert set(movements.values_list("actor", flat=True)) == {shop["staff"].pk}
    assert_stock_equals_ledger()


def test_prices_in_the_ways_people_write_them(shop):
    lines = [
        f"p{i},Produk {i},beras,,{price},kg,,,,,"
        for i, price in enumerate(["12500", "12.500", "Rp12.500", '"Rp 12.500,-"', "rp12500"])
    ]

    run_import(shop, csv_bytes(*lines))

    prices = Product.objects.filter(slug__startswith="p").values_list("price", flat=True)
    assert set(prices) == {12500}


def test_utf8_with_a_byte_order_mark_and_semicolons_from_a_spreadsheet(shop):
    data = (
        "\ufeff" + HEADER.replace(",", ";") + "\n;Gethuk Lindri;makanan-olahan;;5000;pcs;;;;;Manis"
    )
    data = data.encode("utf-8")

    result = run_import(shop, data)

    assert result.created == 1
    assert Product.objects.get(seller=shop["seller"], slug="gethuk-lindri").price == 5000


def test_empty_cells_keep_the_current_values(shop):
    product = shop["product"]
    restock(product, 4)
    Product.objects.filter(pk=product.pk).update(description="Beras pulen")

    run_import(
        shop,
        csv_bytes(f"{product.slug},Beras Pandan Wangi,beras,,14000,,,,,,"),
    )

    product.refresh_from_db()
    assert (product.description, product.stock, product.unit, product.weight_grams) == (
        "Beras pulen",
        4,
        "kg",
        1000,
    )
    assert StockMovement.objects.filter(product=product).count() == 1


def test_export_then_import_changes_nothing(client, shop):
    seller = shop["seller"]
    restock(shop["product"], 12)
    ProductFactory(
        seller=seller,
        name='Batik Tulis "Sekar Jagad", 2 m',
        category=category("fashion-batik"),
        price=350000,
        unit="lembar",
        description="Baris satu\nbaris dua; ada koma, juga",
        is_flagship=True,
    )
    ProductFactory(
        seller=seller,
        name="Paket Wisata Kampung Mataraman",
        kind=ProductKind.TOUR,
        category=category("paket-wisata"),
        weight_grams=None,
        capacity=20,
        tour_date="2020-01-05",  # already past: an unchanged date is accepted back
        meeting_point="Pendopo",
        unit="orang",
    )
    client.force_login(shop["staff"])
    response = client.get(
        reverse(
            "dashboard:product_export",
            kwargs={"village_slug": seller.village.slug, "seller_slug": seller.slug},
        )
    )
    exported = b"".join(response.streaming_content)
    before = snapshot()

    result = run_import(shop, exported)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert exported.startswith(b"\xef\xbb\xbfslug,name,category,kind,price")
    assert result == csv_io.ImportResult(created=0, updated=0, unchanged=3, stock_movements=0)
    assert snapshot() == before


def test_export_lists_only_this_sellers_products(shop):
    ProductFactory(name="Produk Penjual Lain")

    text = "".join(csv_io.export_products_csv(seller=shop["seller"]))

    assert text.count("\n") == 2
    assert "Produk Penjual Lain" not in text


# --- bad files ---------------------------------------------------------------------------


def test_bad_rows_are_all_listed_and_nothing_is_applied(shop):
    restock(shop["product"], 5)
    before = snapshot()
    data = csv_bytes(
        ",Beras Baru,beras,goods,14000,kg,1000,10,,,",  # good
        ",,beras,goods,14000,kg,,,,,",  # no name
        ",Gula,gula-pasir-ajaib,goods,0,kg,,,,,",  # unknown category, zero price
        "dup,Kopi,makanan-olahan,barang,12.50,pcs,,,,,",  # price not whole
        "dup,Kopi Lagi,makanan-olahan,goods,12000,pcs,,-3,,,",  # dup slug, negative stock
        ",Sapu,kerajinan,thing,12000,pcs,,,maybe,,",  # bad kind, bad boolean
        ",Servis,jasa-pitulungan,service,12000,jam,,5,,,",  # a service with stock
        ",Tikar,kerajinan,goods,12000,pcs,,,,,,extra",  # too many cells
    )

    errors = import_errors(shop, data)

    price = "Enter the price in whole rupiah above zero, e.g. 12500, 12.500 or Rp12.500."
    assert errors == [
        (3, "name", "This cell is required."),
        (4, "category", "No category has the slug “gula-pasir-ajaib”."),
        (4, "price", price),
        (5, "price", price),
        (6, "stock", "Enter a whole number, zero or more, e.g. 25."),
        (6, "slug", "The slug “dup” is also used in row 5."),
        (7, "kind", "Kind must be one of: goods, service, tour."),
        (7, "is_active", "Enter true or false (also accepted: ya/tidak, 1/0)."),
        (8, "stock", "Only goods keep stock."),
        (9, "", "This row has 12 cells but the header has 11 columns."),
    ]
    assert snapshot() == before


def test_a_file_that_is_not_utf8_is_refused(shop):
    data = csv_bytes(",Kue Lapis Legit Nyonya Ménir,makanan-olahan,,5000,,,,,,", encoding="cp1252")

    errors = import_errors(shop, data)

    assert len(errors) == 1
    assert errors[0][:2] == (0, "")
    assert errors[0][2].startswith("The file is not UTF-8 text")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            "name,category,price,colour",
            [
                (
                    1,
                    "colour",
                    "Unknown column “colour”. The columns are: " + ", ".join(csv_io.COLUMNS) + ".",
                )
            ],
        ),
        ("name,category", [(1, "price", "Column “price” is missing.")]),
        ("name,category,price,price", [(1, "price", "Column “price” appears twice.")]),
    ],
)
def test_a_bad_header_is_refused(shop, header, expected):
    assert import_errors(shop, csv_bytes("Kopi,makanan-olahan,12000", header=header)) == expected


def test_too_many_rows_or_bytes_are_refused(shop, monkeypatch):
    monkeypatch.setattr(csv_io, "MAX_ROWS", 3)
    rows = [f",Produk {i},beras,,12000,,,,,," for i in range(4)]
    assert import_errors(shop, csv_bytes(*rows)) == [
        (5, "", "The file has more than 3 rows; split it into smaller files.")
    ]
    monkeypatch.setattr(csv_io, "MAX_BYTES", 100)
    assert import_errors(shop, csv_bytes(*rows)) == [
        (0, "", "The file is larger than 0 MB; split it into smaller files.")
    ]


def test_an_empty_file_is_refused(shop):
    assert import_errors(shop, b"") == [(1, "", "The file is empty: it needs a header row.")]
    assert import_errors(shop, csv_bytes()) == [(2, "", "The file has no product rows.")]


def test_goods_with_stock_cannot_become_a_service(shop):
    product = shop["product"]
    restock(product, 2)
    data = csv_bytes(f"{product.slug},Beras,beras,service,14000,kg,,,,,")

    assert import_errors(shop, data) == [
        (2, "kind", "Bring the stock to 0 before turning goods into another kind.")
    ]


def test_a_person_who_may_not_manage_the_seller_imports_nothing(shop):
    data = csv_bytes(",Kopi,makanan-olahan,,12000,,,,,,")
    before = snapshot()

    for person in ("other_staff", "outsider", "resident"):
        with pytest.raises(NotAllowedForVillage):
            run_import(shop, data, user=person)

    assert snapshot() == before


# --- speed -------------------------------------------------------------------------------


def test_five_thousand_rows_import_in_under_ten_seconds(shop):
    seller = shop["seller"]
    half = [
        Product(
            seller=seller,
            village=seller.village,
            name=f"Produk Lama {i}",
            slug=f"lama-{i}",
            category=category("beras"),
            price=10000,
            unit="kg",
        )
        for i in range(2500)
    ]
    Product.objects.bulk_create(half)
    lines = [
        f"lama-{i},Produk Lama {i},beras,goods,11000,kg,1000,{i % 50},ya,tidak,Baru"
        for i in range(2500)
    ]
    lines += [
        f",Produk Baru {i},telur,goods,Rp2.500,butir,60,{i % 40},ya,tidak,Segar"
        for i in range(2500)
    ]
    data = csv_bytes(*lines)

    started = time.perf_counter()
    result = run_import(shop, data)
    elapsed = time.perf_counter() - started
    print(f"5,000-row import: {elapsed:.2f} s")

    assert elapsed < 10, f"5,000 rows took {elapsed:.1f} s"
    assert (result.created, result.updated) == (2500, 2500)
    assert Product.objects.filter(seller=seller).count() == 5001
    assert_stock_equals_ledger()
    per_kind = dict(
        StockMovement.objects.values_list("kind").annotate(n=Count("pk")).values_list("kind", "n")
    )
    assert per_kind == {
        "correction": sum(1 for i in range(2500) if i % 50),
        "restock": sum(1 for i in range(2500) if i % 40),
    }


# --- the page ----------------------------------------------------------------------------


def import_url(seller):
    return reverse(
        "dashboard:product_import",
        kwargs={"village_slug": seller.village.slug, "seller_slug": seller.slug},
    )


def upload(data, name="produk.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_the_import_page_lists_each_bad_row_and_column(client, shop):
    client.cookies["django_language"] = "en"
    client.force_login(shop["staff"])
    before = snapshot()

    response = client.post(
        import_url(shop["seller"]),
        {"file": upload(csv_bytes(",Kopi,makanan-olahan,,12000,,,,,,", ",Teh,teh-ajaib,,0,,,,,,"))},
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert [(e.row, e.column) for e in response.context["row_errors"]] == [
        (3, "category"),
        (3, "price"),
    ]
    assert "Nothing was imported" in html
    assert "No category has the slug “teh-ajaib”." in html
    assert snapshot() == before


def test_the_import_page_applies_a_good_file_and_says_so(client, shop):
    client.cookies["django_language"] = "en"
    client.force_login(shop["admin"])

    response = client.post(
        import_url(shop["seller"]),
        {"file": upload(csv_bytes(",Kopi Robusta,makanan-olahan,,Rp45.000,bungkus,250,8,,,"))},
        follow=True,
    )

    assert response.redirect_chain[-1][0].endswith("/produk/")
    assert "Import done: 1 added, 0 changed, 0 unchanged." in response.content.decode()
    assert Product.objects.get(slug="kopi-robusta", seller=shop["seller"]).stock == 8
    assert_stock_equals_ledger()


def test_the_import_page_documents_the_columns(client, shop):
    client.force_login(shop["staff"])

    html = client.get(import_url(shop["seller"])).content.decode()

    for column in csv_io.COLUMNS:
        assert f"<code>{column}</code>" in html
