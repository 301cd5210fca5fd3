"""Demo products for the five Bantul villages' sellers, with stock and generated pictures.

Runs after ``villages.demo.seed_demo`` (the sellers must exist). Idempotent: a product the
seller already has (same name) is left alone, so running it again creates nothing. Every
write goes through the catalog services, as trusted code (``services.SYSTEM``): stock is
RESTOCK movements, pictures go through the same photo pipeline as uploads.
Names, units and descriptions are data in Indonesian; prices are integer rupiah.
"""

from __future__ import annotations

import datetime
import zlib
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from catalog import photos, services
from catalog.enums import ProductKind, StockMovementKind
from catalog.models import Category, Product
from villages.models import Seller

DEMO_STOCK_REASON = "Stok awal demo"


@dataclass(frozen=True)
class Item:
    name: str
    category: str  # slug of a seeded category
    unit: str
    price: int
    weight: int | None = None  # grams, goods only
    stock: int = 0
    sizes: tuple[tuple[str, int, int], ...] = ()  # (label, price, weight): one product each
    kind: str = ProductKind.GOODS
    departures: int = 0  # tours: one product per weekly departure, with this capacity…
    capacity: int = 0
    flagship: bool = False
    description: str = ""


G, S, T = ProductKind.GOODS, ProductKind.SERVICE, ProductKind.TOUR
RICE_SIZES = (("1 kg", 1, 1000), ("5 kg", 5, 5000), ("10 kg", 10, 10000))
BAKPIA_SIZES = (("isi 10", 1, 400), ("isi 20", 2, 800))
SHIRT_SIZES = (("S", 1, 250), ("M", 1, 260), ("L", 1, 270), ("XL", 1, 280))
BATIK_MOTIFS = ("Sidomukti", "Parang Rusak", "Truntum", "Kawung", "Sekar Jagad", "Wahyu Tumurun")


def _rice(name: str, price: int, *, flagship: bool = False, stock: int = 40) -> Item:
    return Item(name, "beras", "karung", price, stock=stock, sizes=RICE_SIZES, flagship=flagship)


SEMBAKO = (
    _rice("Beras Pandan Wangi", 15_500),
    _rice("Beras Medium", 13_500),
    Item("Telur Ayam Ras", "telur", "kg", 29_000, 1000, 60),
    Item(
        "Minyak Goreng Kemasan",
        "minyak-goreng",
        "pouch",
        18_500,
        900,
        48,
        sizes=(("1 liter", 1, 900), ("2 liter", 2, 1800)),
    ),
    Item("Minyak Goreng Curah", "minyak-goreng", "liter", 16_000, 900, 30),
    Item("Gula Pasir", "gula", "kg", 17_500, 1000, 50),
    Item("Tepung Terigu", "tepung", "kg", 12_000, 1000, 35),
    Item("Tepung Beras", "tepung", "bungkus", 7_500, 500, 20),
    Item("Garam Beryodium", "garam", "bungkus", 3_000, 250, 80),
    Item("Kedelai Lokal", "kedelai-tahu-tempe", "kg", 12_000, 1000, 25),
    Item("Kecap Manis", "makanan-olahan", "botol", 14_000, 650, 24),
    Item("Mi Telur Kering", "makanan-olahan", "bungkus", 6_500, 200, 40),
    Item("Susu Kental Manis", "makanan-olahan", "kaleng", 12_500, 370, 24),
    Item("Kopi Bubuk Robusta", "makanan-olahan", "bungkus", 12_000, 165, 30),
    Item("Ikan Sarden Kaleng", "ikan", "kaleng", 11_000, 155, 24),
    Item("Sabun Mandi", "kebutuhan-rumah-tangga", "pcs", 4_000, 85, 40),
    Item("Deterjen Bubuk", "kebutuhan-rumah-tangga", "bungkus", 21_000, 800, 20),
    Item("Pasta Gigi", "kebutuhan-rumah-tangga", "pcs", 11_000, 190, 24),
    Item("Teh Tubruk", "makanan-olahan", "bungkus", 6_000, 100, 30),
    Item("Sabun Cuci Piring", "kebutuhan-rumah-tangga", "pouch", 9_500, 800, 20),
    Item("Sapu Ijuk", "kebutuhan-rumah-tangga", "pcs", 25_000, 600, 8),
)
FRESH = (
    Item("Sayur Bayam", "sayur", "ikat", 3_000, 250, 40),
    Item("Kangkung", "sayur", "ikat", 3_000, 250, 40),
    Item("Sawi Hijau", "sayur", "ikat", 4_000, 300, 25),
    Item("Kacang Panjang", "sayur", "ikat", 5_000, 250, 25),
    Item("Cabai Rawit", "sayur", "ons", 6_000, 100, 30),
    Item("Bawang Merah", "sayur", "kg", 38_000, 1000, 15),
    Item("Pisang Raja", "buah", "sisir", 25_000, 2000, 12),
    Item("Pisang Kepok", "buah", "sisir", 18_000, 2000, 12),
    Item("Salak Pondoh", "buah", "kg", 15_000, 1000, 20),
    Item("Pepaya California", "buah", "buah", 12_000, 1500, 10),
    Item("Ikan Lele Segar", "ikan", "kg", 28_000, 1000, 15),
    Item("Ikan Nila Segar", "ikan", "kg", 35_000, 1000, 10),
    Item("Daging Sapi", "daging-sapi", "kg", 135_000, 1000, 5),
    Item("Ikan Bandeng", "ikan", "kg", 32_000, 1000, 10),
    Item("Wortel", "sayur", "kg", 14_000, 1000, 20),
    Item("Tomat", "sayur", "kg", 12_000, 1000, 20),
    Item("Terong Ungu", "sayur", "kg", 10_000, 1000, 15),
    Item("Buncis", "sayur", "kg", 14_000, 1000, 15),
    Item("Labu Siam", "sayur", "buah", 3_000, 400, 30),
    Item("Daun Singkong", "sayur", "ikat", 3_000, 250, 25),
    Item("Jeruk Nipis", "buah", "kg", 16_000, 1000, 10),
    Item("Mangga Arumanis", "buah", "kg", 25_000, 1000, 12),
    Item("Semangka", "buah", "buah", 20_000, 4000, 8),
)
VILLAGE_FOOD = (
    Item(
        "Bakpia Kacang Hijau",
        "makanan-olahan",
        "kotak",
        35_000,
        stock=30,
        flagship=True,
        sizes=BAKPIA_SIZES,
    ),
    Item("Bakpia Keju", "makanan-olahan", "kotak", 40_000, stock=20, sizes=BAKPIA_SIZES),
    Item("Bakpia Cokelat", "makanan-olahan", "kotak", 40_000, stock=20, sizes=BAKPIA_SIZES),
    Item("Bakpia Ubi Ungu", "makanan-olahan", "kotak", 38_000, stock=20, sizes=BAKPIA_SIZES),
    Item("Geblek Goreng", "makanan-olahan", "bungkus", 10_000, 250, 25),
    Item("Jadah Tempe", "makanan-olahan", "porsi", 12_000, 300, 20),
    Item("Wedang Uwuh", "makanan-olahan", "bungkus", 15_000, 100, 40),
    Item("Keripik Singkong Balado", "makanan-olahan", "bungkus", 12_000, 200, 30),
    Item("Keripik Singkong Original", "makanan-olahan", "bungkus", 11_000, 200, 30),
    Item("Keripik Pisang Manis", "makanan-olahan", "bungkus", 13_000, 200, 25),
    Item("Emping Melinjo", "makanan-olahan", "bungkus", 25_000, 250, 15),
    Item("Peyek Kacang", "makanan-olahan", "bungkus", 15_000, 200, 25),
    Item("Jamu Kunyit Asam", "makanan-olahan", "botol", 8_000, 350, 20),
    Item("Belajar Membatik", "paket-wisata", "orang", 75_000, kind=T, departures=8, capacity=20),
    Item(
        "Dolanan Anak Mataraman",
        "paket-wisata",
        "orang",
        35_000,
        kind=T,
        departures=8,
        capacity=30,
        description="Permainan tradisional Jawa untuk anak dan keluarga.",
    ),
)
SOY = (
    Item("Tempe Papan", "kedelai-tahu-tempe", "papan", 5_000, 400, 40, flagship=True),
    Item("Tempe Bungkus Daun", "kedelai-tahu-tempe", "bungkus", 2_000, 150, 60),
    Item("Tahu Putih", "kedelai-tahu-tempe", "10 pcs", 5_000, 500, 40),
    Item("Tahu Bacem", "kedelai-tahu-tempe", "5 pcs", 7_500, 300, 25),
    Item("Tempe Mendoan Mentah", "kedelai-tahu-tempe", "10 lembar", 10_000, 400, 20),
    Item("Keripik Tempe", "makanan-olahan", "bungkus", 15_000, 200, 30),
    Item("Susu Kedelai", "makanan-olahan", "botol", 5_000, 250, 24),
)
BATIK = (
    *(
        Item(
            f"Batik Tulis {motif}",
            "fashion-batik",
            "lembar",
            450_000 + 150_000 * n,
            400,
            3,
            flagship=n == 0,
            description=f"Kain batik tulis motif {motif}, 2 x 1,15 m.",
        )
        for n, motif in enumerate(BATIK_MOTIFS)
    ),
    *(
        Item(f"Batik Cap {motif}", "fashion-batik", "lembar", 150_000, 400, 8)
        for motif in BATIK_MOTIFS
    ),
    *(
        Item(f"Kemeja Batik {motif}", "fashion-batik", "pcs", 175_000, stock=4, sizes=SHIRT_SIZES)
        for motif in BATIK_MOTIFS
    ),
    *(
        Item(f"Blus Batik {motif}", "fashion-batik", "pcs", 165_000, stock=3, sizes=SHIRT_SIZES)
        for motif in BATIK_MOTIFS
    ),
    Item("Selendang Batik", "fashion-batik", "pcs", 85_000, 150, 10),
    Item("Tas Batik", "fashion-batik", "pcs", 95_000, 300, 6),
)
PALM_SUGAR = (
    Item(
        "Gula Jawa Batok",
        "gula",
        "bungkus",
        22_000,
        stock=30,
        flagship=True,
        sizes=(("500 g", 1, 500), ("1 kg", 2, 1000)),
    ),
    Item(
        "Gula Semut",
        "gula",
        "bungkus",
        15_000,
        stock=30,
        flagship=True,
        sizes=(("250 g", 1, 250), ("500 g", 2, 500), ("1 kg", 4, 1000)),
    ),
    Item("Gula Semut Jahe", "gula", "bungkus", 18_000, 250, 20),
    Item("Gula Semut Kunyit", "gula", "bungkus", 18_000, 250, 20),
    Item("Gula Semut Temulawak", "gula", "bungkus", 18_000, 250, 15),
    Item("Nira Kelapa Segar", "makanan-olahan", "liter", 12_000, 1000, 10),
)
GUWOSARI_TOURS = (
    Item(
        "Jelajah Goa Selarong",
        "paket-wisata",
        "orang",
        50_000,
        kind=T,
        departures=8,
        capacity=25,
        flagship=True,
        description="Sejarah Pangeran Diponegoro di Goa Selarong.",
    ),
    Item(
        "Kelas Membuat Gula Semut",
        "paket-wisata",
        "orang",
        65_000,
        kind=T,
        departures=8,
        capacity=15,
    ),
    Item(
        "Outbound Bukit Guwosari",
        "paket-wisata",
        "orang",
        90_000,
        kind=T,
        departures=8,
        capacity=40,
    ),
)
EGGS = (
    Item("Telur Ayam Kampung", "telur", "butir", 2_500, 60, 300, flagship=True),
    Item("Telur Ayam Kampung Isi 10", "telur", "pak", 24_000, 600, 40),
    Item("Telur Ayam Kampung Isi 30", "telur", "tray", 70_000, 1800, 15),
    Item("Telur Bebek", "telur", "butir", 3_500, 70, 120),
    Item("Telur Puyuh Isi 20", "telur", "pak", 9_000, 200, 30),
    Item("Ayam Kampung Potong", "daging-ayam", "ekor", 85_000, 1000, 10),
    Item("Daging Ayam Broiler", "daging-ayam", "kg", 38_000, 1000, 20),
    Item("Pupuk Kandang", "kebutuhan-rumah-tangga", "karung", 20_000, 25000, 15),
)
BAMBOO = (
    Item("Tampah Bambu", "kerajinan", "pcs", 25_000, 400, 20, flagship=True),
    Item("Besek Bambu Isi 10", "kerajinan", "ikat", 20_000, 500, 30),
    Item("Tudung Saji Bambu", "kerajinan", "pcs", 45_000, 500, 12),
    Item(
        "Keranjang Bambu",
        "kerajinan",
        "pcs",
        35_000,
        600,
        15,
        sizes=(("kecil", 1, 400), ("sedang", 2, 700), ("besar", 3, 1000)),
    ),
    Item("Kursi Bambu", "kerajinan", "pcs", 250_000, 6000, 4),
    Item("Lampu Hias Bambu", "kerajinan", "pcs", 120_000, 800, 6),
    Item("Caping Bambu", "kerajinan", "pcs", 30_000, 300, 10),
    Item("Kipas Anyaman Bambu", "kerajinan", "pcs", 10_000, 100, 30),
    Item("Rak Bambu Tiga Susun", "kerajinan", "pcs", 180_000, 5000, 3),
    Item("Tempat Pensil Bambu", "kerajinan", "pcs", 15_000, 150, 20),
    Item("Seruling Bambu", "kerajinan", "pcs", 35_000, 200, 10),
    Item("Tas Anyaman Bambu", "kerajinan", "pcs", 65_000, 400, 8),
)
SRIHARJO_FARM = (
    _rice("Beras Pandan Wangi Sriharjo", 16_000, flagship=True, stock=60),
    _rice("Beras Merah", 19_000),
    _rice("Beras Hitam", 25_000, stock=20),
    _rice("Beras IR64", 13_000),
    Item("Beras Ketan Putih", "beras", "kg", 18_000, 1000, 25),
    Item("Beras Ketan Hitam", "beras", "kg", 22_000, 1000, 15),
    Item("Jagung Manis", "sayur", "kg", 9_000, 1000, 30),
    Item("Sayur Bayam Sriharjo", "sayur", "ikat", 2_500, 250, 50),
    Item("Kangkung Sriharjo", "sayur", "ikat", 2_500, 250, 50),
    Item("Pisang Raja Sriharjo", "buah", "sisir", 23_000, 2000, 10),
    Item("Salak Pondoh Sriharjo", "buah", "kg", 14_000, 1000, 25),
)
DELIVERY = (
    Item("Antar Barang Dalam Desa", "jasa-pitulungan", "kali", 10_000, kind=S, flagship=True),
    Item("Antar Barang Antar Desa", "jasa-pitulungan", "kali", 25_000, kind=S),
    Item("Antar Galon dan Gas", "jasa-pitulungan", "kali", 5_000, kind=S),
    Item("Belanja ke Pasar Imogiri", "jasa-pitulungan", "kali", 15_000, kind=S),
    Item("Sewa Pikap dengan Sopir", "jasa-pitulungan", "hari", 350_000, kind=S),
    Item("Servis Pompa Air", "jasa-pitulungan", "kali", 75_000, kind=S),
    Item(
        "Susur Sungai Oya",
        "paket-wisata",
        "orang",
        60_000,
        kind=T,
        departures=8,
        capacity=20,
        flagship=True,
        description="Naik rakit menyusuri Sungai Oya.",
    ),
)

CATALOGUE: dict[tuple[str, str], tuple[Item, ...]] = {
    ("panggungharjo", "warung-sembako-bu-sri"): SEMBAKO,
    ("panggungharjo", "swadesa"): FRESH,
    ("panggungharjo", "kampoeng-mataraman"): VILLAGE_FOOD,
    ("ngestiharjo", "tempe-mbak-yuni"): SOY,
    ("ngestiharjo", "batik-ngestiharjo"): BATIK,
    ("guwosari", "gula-jawa-pak-darmo"): PALM_SUGAR,
    ("guwosari", "wisata-guwosari"): GUWOSARI_TOURS,
    ("wirokerten", "telur-kampung-wirokerten"): EGGS,
    ("wirokerten", "kerajinan-bambu-wiro"): BAMBOO,
    ("sriharjo", "beras-sriharjo"): SRIHARJO_FARM,
    ("sriharjo", "jasa-antar-sriharjo"): DELIVERY,
}


@dataclass(frozen=True)
class Listing:
    """One product to create, expanded from an ``Item`` (a size, a departure)."""

    name: str
    item: Item
    price: int
    weight: int | None = None
    tour_date: datetime.date | None = None


def listings(item: Item, *, today: datetime.date) -> list[Listing]:
    if item.sizes:
        return [
            Listing(f"{item.name} {label}", item, item.price * factor, weight)
            for label, factor, weight in item.sizes
        ]
    if item.kind == ProductKind.TOUR:
        first_saturday = today + datetime.timedelta(days=(5 - today.weekday()) % 7 or 7)
        return [
            Listing(
                f"{item.name} (rombongan {number})",
                item,
                item.price,
                tour_date=first_saturday + datetime.timedelta(weeks=number - 1),
            )
            for number in range(1, item.departures + 1)
        ]
    return [Listing(item.name, item, item.price, item.weight)]


def _colour(text: str) -> tuple[int, int, int]:
    """A stable, fairly dark colour per category, so white initials stay readable."""
    seed = zlib.crc32(text.encode())
    return (40 + seed % 140, 40 + (seed >> 8) % 140, 40 + (seed >> 16) % 140)


def _card(listing: Listing) -> SimpleUploadedFile:
    png = photos.draw_card(
        text=photos.initials(listing.name), colour=_colour(listing.item.category)
    )
    return SimpleUploadedFile("demo.png", png, content_type="image/png")


def seed_catalog_demo() -> int:
    """Create the demo products that do not exist yet; returns how many were created.

    One transaction for speed; photo renditions are made once it has committed.
    """
    today = timezone.localdate()
    categories = {category.slug: category for category in Category.objects.all()}
    sellers = {
        (seller.village.slug, seller.slug): seller
        for seller in Seller.objects.select_related("village").filter(
            village__slug__in={village for village, _seller in CATALOGUE}
        )
    }
    created = 0
    with transaction.atomic():
        for key, items in CATALOGUE.items():
            seller = sellers.get(key)
            if seller is None:
                continue
            existing = set(Product.objects.filter(seller=seller).values_list("name", flat=True))
            for item in items:
                for listing in listings(item, today=today):
                    if listing.name not in existing:
                        _create(seller, listing, categories[item.category])
                        created += 1
    return created


def _create(seller: Seller, listing: Listing, category: Category) -> None:
    item = listing.item
    product = services.create_product(
        acting_user=services.SYSTEM,
        seller=seller,
        name=listing.name,
        category=category,
        price=listing.price,
        unit=item.unit,
        kind=item.kind,
        description=item.description or f"{listing.name} dari {seller.name}.",
        weight_grams=listing.weight if item.kind == ProductKind.GOODS else None,
        capacity=item.capacity or None,
        tour_date=listing.tour_date,
        meeting_point=f"Balai Desa {seller.village.name}" if item.kind == ProductKind.TOUR else "",
        is_flagship=item.flagship,
    )
    if item.kind == ProductKind.GOODS and item.stock:
        services.adjust_stock(
            acting_user=services.SYSTEM,
            product_id=product.pk,
            quantity=item.stock,
            kind=StockMovementKind.RESTOCK,
            reason=DEMO_STOCK_REASON,
        )
    services.add_product_photo(acting_user=services.SYSTEM, product=product, image=_card(listing))
