"""Storefront read benchmark: 100,000 products, 50 villages, 1,000 sellers, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pd_bench .venv/bin/python bench/catalog.py

Creates the database if it is missing, migrates it, builds the data once (``--rebuild`` to
start again), then times at least 200 requests of each page through Django's test client,
server-side: the market home (with its fragment cache, then without it), a category page, a
search with a typo (with its ranking cache, then without it) and product pages. It prints
p50/p95 in milliseconds and the most queries any request of the page ran.

The data is written with ``bulk_create`` for speed. Each product with stock gets the one
restock movement that explains it, so the stock ledger holds; nothing here goes through the
services, which is fine for a read benchmark.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

from database import ensure_database  # bench/database.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pasardesa.settings.test")

VILLAGES = 50
SELLERS_PER_VILLAGE = 20
PRODUCTS_PER_SELLER = 100  # 50 * 20 * 100 = 100,000
BATCH = 5_000
TARGET_P95_MS = 30.0
TARGET_QUERIES = 10
UNCACHED_HOME = "market home, fragment cache off"
UNCACHED_SEARCH = "search q=bras, ranking cache off"

# (name, category slug, unit, price range) — what the seed villages sell.
GOODS = [
    ("Beras Pandan Wangi", "beras", "kg", (11_000, 16_000)),
    ("Beras Merah Organik", "beras", "kg", (14_000, 22_000)),
    ("Beras Rojolele", "beras", "kg", (12_000, 17_000)),
    ("Tepung Mocaf", "tepung", "kg", (9_000, 15_000)),
    ("Gula Jawa", "gula", "kg", (16_000, 25_000)),
    ("Gula Semut Aren", "gula", "kg", (25_000, 40_000)),
    ("Telur Ayam Kampung", "telur", "butir", (2_000, 3_500)),
    ("Telur Bebek", "telur", "butir", (2_500, 4_000)),
    ("Daging Ayam Kampung", "daging-ayam", "kg", (45_000, 70_000)),
    ("Daging Sapi Segar", "daging-sapi", "kg", (120_000, 150_000)),
    ("Ikan Nila Segar", "ikan", "kg", (28_000, 40_000)),
    ("Ikan Lele", "ikan", "kg", (22_000, 30_000)),
    ("Tempe Kedelai Lokal", "kedelai-tahu-tempe", "papan", (4_000, 7_000)),
    ("Tahu Putih", "kedelai-tahu-tempe", "pcs", (500, 1_500)),
    ("Sayur Bayam", "sayur", "ikat", (2_000, 4_000)),
    ("Kangkung", "sayur", "ikat", (2_000, 3_500)),
    ("Cabai Rawit", "sayur", "kg", (30_000, 80_000)),
    ("Pisang Raja", "buah", "sisir", (15_000, 30_000)),
    ("Salak Pondoh", "buah", "kg", (10_000, 18_000)),
    ("Minyak Goreng Kelapa", "minyak-goreng", "liter", (18_000, 30_000)),
    ("Garam Krosok", "garam", "kg", (5_000, 10_000)),
    ("Keripik Tempe", "makanan-olahan", "bungkus", (8_000, 15_000)),
    ("Rengginang Ketan", "makanan-olahan", "bungkus", (10_000, 20_000)),
    ("Bakpia Kacang Hijau", "makanan-olahan", "kotak", (25_000, 40_000)),
    ("Batik Tulis Motif Parang", "fashion-batik", "pcs", (250_000, 900_000)),
    ("Batik Cap Sekar Jagad", "fashion-batik", "pcs", (120_000, 300_000)),
    ("Anyaman Bambu", "kerajinan", "pcs", (35_000, 150_000)),
    ("Gerabah Kasongan", "kerajinan", "pcs", (40_000, 250_000)),
    ("Sapu Lidi", "kebutuhan-rumah-tangga", "pcs", (10_000, 20_000)),
    ("Sabun Sereh", "kebutuhan-rumah-tangga", "pcs", (8_000, 15_000)),
]
SERVICES = [("Jasa Antar Barang", "jasa-pitulungan", "kali", (10_000, 30_000))]
TOURS = [("Paket Wisata Susur Sungai", "paket-wisata", "orang", (50_000, 150_000))]
WORDS = ["Desa", "Pilihan", "Super", "Asli", "Segar", "Premium", "Lokal", "Panen Baru"]


def setup_django() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL=postgres://… (the benchmark runs on PostgreSQL only).")
    ensure_database(url)
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()  # allows the test client's host; e-mail in memory


def build(rng: random.Random) -> None:
    from django.db import connection

    from catalog.enums import PhotoStatus, ProductKind, StockMovementKind
    from catalog.models import Category, Product, ProductPhoto, StockMovement
    from villages.enums import SellerKind
    from villages.models import Market, MarketVillage, Seller, Village

    started = time.perf_counter()
    categories = {c.slug: c.pk for c in Category.objects.all()}
    villages = Village.objects.bulk_create(
        Village(
            name=f"Desa Bench {i:02d}",
            slug=f"bench-{i:02d}",
            code=f"34.{i // 10:02d}.{i % 10:02d}.{2000 + i:04d}",
            kecamatan=f"Kecamatan {i % 7}",
            kabupaten="Bantul",
            provinsi="DI Yogyakarta",
        )
        for i in range(VILLAGES)
    )
    market = Market.objects.create(name="Pasar Bersama Bench", slug="bench")
    MarketVillage.objects.bulk_create(MarketVillage(market=market, village=v) for v in villages)
    sellers = Seller.objects.bulk_create(
        Seller(
            village=village,
            name=f"Warung {village.name[-2:]}-{j:02d}",
            slug=f"warung-{j:02d}",
            kind=SellerKind.UMKM,
            whatsapp=f"+62812{village.pk:04d}{j:04d}",
            is_active=j != 0,  # one closed seller per village: its products stay hidden
        )
        for village in villages
        for j in range(SELLERS_PER_VILLAGE)
    )
    catalogue = [(ProductKind.GOODS, *g) for g in GOODS] * 3
    catalogue += [(ProductKind.SERVICE, *s) for s in SERVICES]
    catalogue += [(ProductKind.TOUR, *t) for t in TOURS]
    today = datetime.date.today()
    pending: list[Product] = []
    count = 0

    def flush() -> None:
        nonlocal count
        Product.objects.bulk_create(pending, batch_size=BATCH)
        count += len(pending)
        pending.clear()
        print(f"  {count:,} products", end="\r", flush=True)

    for seller in sellers:
        for k in range(PRODUCTS_PER_SELLER):
            kind, base, category, unit, (low, high) = rng.choice(catalogue)
            name = f"{base} {rng.choice(WORDS)} {k}"
            goods = kind == ProductKind.GOODS
            pending.append(
                Product(
                    seller=seller,
                    village_id=seller.village_id,
                    kind=kind,
                    name=name,
                    slug=f"{base.lower().replace(' ', '-')}-{k}",
                    description=f"{base} dari {seller.name}, dipanen dan dikemas di desa.",
                    category_id=categories[category],
                    price=rng.randrange(low, high, 500),
                    unit=unit,
                    weight_grams=1000 if goods else None,
                    stock=(0 if rng.random() < 0.1 else rng.randint(1, 200)) if goods else 0,
                    capacity=20 if kind == ProductKind.TOUR else None,
                    tour_date=today + datetime.timedelta(days=30) if kind == "tour" else None,
                    meeting_point="Balai desa" if kind == ProductKind.TOUR else "",
                    is_active=rng.random() > 0.03,
                    is_flagship=rng.random() < 0.03,
                )
            )
            if len(pending) >= BATCH:
                flush()
    flush()
    print()
    with connection.cursor() as cursor:
        # Spread creation times over the past months so "newest" means something.
        cursor.execute(
            "UPDATE catalog_product SET created_at = now() - (id % 100003) * interval '2 minutes'"
        )
    products = Product.objects.values_list("pk", "stock")
    movements = [
        StockMovement(
            product_id=pk,
            kind=StockMovementKind.RESTOCK,
            quantity=stock,
            stock_after=stock,
            reason="Stok awal",
        )
        for pk, stock in products
        if stock > 0
    ]
    StockMovement.objects.bulk_create(movements, batch_size=BATCH)
    photos = [
        ProductPhoto(
            product_id=pk,
            image=f"products/original/{pk}.jpg",
            status=PhotoStatus.READY,
            width=1200,
            height=900,
            small=f"products/320/{pk}.webp",
            large=f"products/800/{pk}.webp",
        )
        for pk, _stock in products
        if pk % 3 == 0
    ]
    ProductPhoto.objects.bulk_create(photos, batch_size=BATCH)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"built in {time.perf_counter() - started:.0f} s")


def measure(client, urls: list[str], rounds: int) -> tuple[list[float], int, set[int]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for url in urls[:20]:  # warm the connection, the templates and PostgreSQL's caches
        client.get(url)
    timings: list[float] = []
    queries = 0
    statuses: set[int] = set()
    for i in range(rounds):
        url = urls[i % len(urls)]
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        queries = max(queries, len(captured))
        statuses.add(response.status_code)
    return timings, queries, statuses


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="drop the data and build again")
    parser.add_argument("--rounds", type=int, default=300, help="requests per page (≥ 200)")
    args = parser.parse_args()
    setup_django()

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings
    from django.urls import reverse

    from catalog.models import Product

    call_command("migrate", verbosity=0)
    if args.rebuild:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE catalog_productphoto, catalog_stockmovement, catalog_product, "
                "villages_marketvillage, villages_market, villages_seller, villages_village "
                "RESTART IDENTITY CASCADE"
            )
    rng = random.Random(2026)
    if not Product.objects.exists():
        build(rng)

    visible = list(
        Product.objects.filter(is_active=True, seller__is_active=True)
        .order_by("?")
        .values_list("pk", "slug")[:500]
    )
    pages = {
        "market home": [reverse("villages:home")],
        UNCACHED_HOME: [reverse("villages:home")],
        "category (karbohidrat, with subcategories)": [
            reverse("catalog:category", kwargs={"category_slug": "karbohidrat"})
        ],
        "search with a typo (q=bras)": [reverse("catalog:search") + "?q=bras"],
        UNCACHED_SEARCH: [reverse("catalog:search") + "?q=bras"],
        "product page (500 different products)": [
            reverse("catalog:product", kwargs={"product_id": pk, "product_slug": slug})
            for pk, slug in visible
        ],
    }
    client = Client()
    print(
        f"{Product.objects.count():,} products · Python {platform.python_version()} · "
        f"{platform.machine()} · {os.cpu_count()} CPUs · {args.rounds} requests per page"
    )
    print(f"{'page':<46} {'p50 ms':>7} {'p95 ms':>7} {'queries':>8}  status")
    failed = False
    for name, urls in pages.items():
        # The market home caches its village fragment, the search its pages of best matches
        # of a common word; each is measured without its cache too.
        with override_settings(
            MARKET_HOME_CACHE_SECONDS=0 if name == UNCACHED_HOME else 60,
            SEARCH_CACHE_SECONDS=0 if name == UNCACHED_SEARCH else 30,
        ):
            timings, queries, statuses = measure(client, urls, args.rounds)
        p50, p95 = statistics.median(timings), percentile(timings, 0.95)
        ok = p95 <= TARGET_P95_MS and queries <= TARGET_QUERIES and statuses == {200}
        failed |= not ok
        print(
            f"{name:<46} {p50:7.1f} {p95:7.1f} {queries:8d}  "
            f"{','.join(map(str, sorted(statuses)))} {'ok' if ok else 'MISSED'}"
        )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
