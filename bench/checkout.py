"""Checkout benchmark: concurrent buyers over HTTP against gunicorn and PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pd_checkout_bench \\
        .venv/bin/python bench/checkout.py --workers 3 --buyers 400 --clients 16

Creates the database if it is missing and migrates it, empties it of the previous run's
villages, people, products and orders, and builds one village with sellers, products,
buyers with API tokens and their carts (through the cart and stock services). Then it
starts gunicorn on a free local port with the production settings (a random SECRET_KEY,
``SECURE_SSL_REDIRECT=false``, ``DB_CONN_MAX_AGE=60``, e-mail to the dummy backend) and
runs two scenarios through ``POST /api/v1/checkout/``:

A. "last 10 units": 50 buyers each hold 1 unit of one product with stock 10 and all check
   out at once. Exactly 10 must get 201 and 40 get 409 ``out_of_stock``; in the database
   10 units are sold, the stock is 0 and equals the sum of its movements.
B. throughput: ``--buyers`` buyers with carts of 3 lines from 2 sellers (plenty of stock)
   check out through ``--clients`` concurrent clients. Orders per second, p50/p95 of the
   checkout request and errors are reported; every product's ledger is checked.

Oversold units (sold beyond the stock there was) must be 0 in both. gunicorn is always
stopped. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from database import ensure_database  # bench/database.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pasardesa.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pd_checkout_bench")

LAST_UNITS = 10
LAST_BUYERS = 50
SELLERS = 20
PRODUCTS_PER_SELLER = 10
PLENTY = 100_000
TARGET_ORDERS_PER_SECOND = 100.0
HOST = "127.0.0.1"


def setup_django() -> None:
    url = os.environ["DATABASE_URL"]
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL=postgres://… (the benchmark runs on PostgreSQL only).")
    ensure_database(url)
    import django

    django.setup()


def build(buyers: int) -> dict:
    """Everything both scenarios need; returns ids and tokens."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from catalog.enums import ProductKind, StockMovementKind
    from catalog.models import Category, Product
    from catalog.services.access import SYSTEM
    from catalog.services.stock import adjust_stock
    from orders import services
    from villages.enums import SellerKind
    from villages.models import Seller, Village

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE villages_village, accounts_user, catalog_product RESTART IDENTITY CASCADE"
        )
    category = Category.objects.get(slug="beras")
    village = Village.objects.create(
        name="Desa Checkout",
        slug="checkout",
        code="34.02.01.2001",
        kecamatan="Kecamatan Bench",
        kabupaten="Bantul",
        provinsi="DI Yogyakarta",
    )
    sellers = Seller.objects.bulk_create(
        Seller(
            village=village,
            name=f"Warung Checkout {j:02d}",
            slug=f"warung-checkout-{j:02d}",
            kind=SellerKind.UMKM,
            whatsapp=f"+6281200{j:06d}",
        )
        for j in range(SELLERS)
    )
    products = Product.objects.bulk_create(
        Product(
            seller=seller,
            village=village,
            kind=ProductKind.GOODS,
            name=f"Beras Pandan Wangi {seller.pk}-{k}",
            slug=f"beras-pandan-wangi-{k}",
            description="Beras dari desa.",
            category=category,
            price=12_000 + 500 * k,
            unit="kg",
            weight_grams=1000,
            stock=0,
        )
        for seller in sellers
        for k in range(PRODUCTS_PER_SELLER)
    )
    last, plenty = products[0], products[1:]
    adjust_stock(
        acting_user=SYSTEM,
        product_id=last.pk,
        quantity=LAST_UNITS,
        kind=StockMovementKind.RESTOCK,
        reason="Stok awal",
    )
    for product in plenty:
        adjust_stock(
            acting_user=SYSTEM,
            product_id=product.pk,
            quantity=PLENTY,
            kind=StockMovementKind.RESTOCK,
            reason="Stok awal",
        )
    user_model = get_user_model()
    total = LAST_BUYERS + buyers
    users = user_model.objects.bulk_create(
        user_model(username=f"bench-buyer-{i:05d}", name=f"Pembeli {i}", password="!")  # noqa: S106 (unusable)
        for i in range(total)
    )
    tokens = Token.objects.bulk_create(Token(key=Token.generate_key(), user=u) for u in users)
    # A: one unit of the last product each.
    for user in users[:LAST_BUYERS]:
        cart = services.get_or_create_cart(user=user)
        services.add_to_cart(cart=cart, product_id=last.pk, quantity=1)
    # B: 2 lines from one seller and 1 from another, spread over the sellers' products.
    by_seller: dict[int, list] = {}
    for product in plenty:
        by_seller.setdefault(product.seller_id, []).append(product)
    seller_ids = sorted(by_seller)
    carts_b = []
    for i, user in enumerate(users[LAST_BUYERS:]):
        first = seller_ids[i % len(seller_ids)]
        second = seller_ids[(i * 7 + 3) % len(seller_ids)]
        if second == first:
            second = seller_ids[(seller_ids.index(first) + 1) % len(seller_ids)]
        goods_a, goods_b = by_seller[first], by_seller[second]
        lines = [
            goods_a[i % len(goods_a)],
            goods_a[(i + 1) % len(goods_a)],
            goods_b[(i // 3) % len(goods_b)],
        ]
        cart = services.get_or_create_cart(user=user)
        for n, product in enumerate(lines):
            services.add_to_cart(cart=cart, product_id=product.pk, quantity=1 + n % 2)
        carts_b.append((first, second))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"built in {time.perf_counter() - started:.1f} s")
    return {
        "village": village.slug,
        "last": last.pk,
        "last_seller": last.seller_id,
        "tokens_a": [t.key for t in tokens[:LAST_BUYERS]],
        "tokens_b": [t.key for t in tokens[LAST_BUYERS:]],
        "carts_b": carts_b,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def request(
    port: int, method: str, path: str, token: str, body: dict | None = None, key: str = ""
) -> tuple[int, dict, float]:
    """One request on a new connection (sync workers close it); returns status, JSON, ms."""
    headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if key:
        headers["Idempotency-Key"] = key
    started = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        elapsed = (time.perf_counter() - started) * 1000
    finally:
        connection.close()
    try:
        payload = json.loads(raw) if raw else {}
    except ValueError:
        payload = {"raw": raw[:200].decode(errors="replace")}
    return response.status, payload, elapsed


def start_gunicorn(workers: int, log: Path, *, notify: bool) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="pasardesa.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        PASARDESA_PERSONAL_DATA_KEY=secrets.token_urlsafe(48),
        SECURE_SSL_REDIRECT="false",
        DB_CONN_MAX_AGE="60",
        ALLOWED_HOSTS=f"{HOST},localhost",
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
    )
    env.pop("REDIS_URL", None)  # notifications run in-process after commit, as without Redis
    if not notify:
        env["PASARDESA_ORDER_NOTIFIERS"] = ""  # no notifier: the checkout alone is timed
    process = subprocess.Popen(  # noqa: S603 (our own fixed command)
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "pasardesa.wsgi",
            "--config",
            "python:pasardesa.gunicorn_conf",
            "--workers",
            str(workers),
            "--bind",
            f"{HOST}:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return process, port


def wait_until_up(process: subprocess.Popen, port: int, token: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            status, _body, _ms = request(port, "GET", "/api/v1/cart/", token)
        except OSError:
            time.sleep(0.2)
            continue
        if status == 200:
            return
        sys.exit(f"gunicorn answered {status} to GET /api/v1/cart/:\n{log.read_text()[-3000:]}")
    sys.exit("gunicorn did not answer within 60 s")


def stop_gunicorn(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def checkout_body(village: str, seller_ids: list[int], i: int) -> dict:
    return {
        "address": {
            "village": village,
            "recipient_name": f"Pembeli {i}",
            "phone": f"0812{i:08d}",
            "dusun": "Krajan",
            "rt": "1",
            "rw": "2",
            "notes": "",
        },
        "delivery": {str(seller_id): "pickup" for seller_id in seller_ids},
        "payment": "cash",
    }


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def ledger(product_ids: list[int] | None = None) -> dict[int, tuple[int, int, int]]:
    """Per product: (stock, sum of movements, units sold in orders)."""
    from django.db.models import Sum

    from catalog.models import Product, StockMovement
    from orders.models import OrderLine

    products = Product.objects.all()
    if product_ids is not None:
        products = products.filter(pk__in=product_ids)
    stock = dict(products.values_list("pk", "stock"))
    moved = dict(
        StockMovement.objects.filter(product_id__in=stock)
        .values("product_id")
        .annotate(total=Sum("quantity"))
        .values_list("product_id", "total")
    )
    sold = dict(
        OrderLine.objects.filter(product_id__in=stock)
        .values("product_id")
        .annotate(total=Sum("quantity"))
        .values_list("product_id", "total")
    )
    return {pk: (stock[pk], moved.get(pk) or 0, sold.get(pk) or 0) for pk in stock}


def scenario_last_units(port: int, data: dict) -> dict:
    barrier = threading.Barrier(LAST_BUYERS)

    def buy(i: int) -> tuple[int, str, float]:
        body = checkout_body(data["village"], [data["last_seller"]], i)
        barrier.wait()
        status, payload, ms = request(
            port, "POST", "/api/v1/checkout/", data["tokens_a"][i], body, key=f"last-{i}"
        )
        return status, str(payload.get("code", "")), ms

    started = time.perf_counter()
    with ThreadPoolExecutor(LAST_BUYERS) as pool:
        results = list(pool.map(buy, range(LAST_BUYERS)))
    wall = time.perf_counter() - started
    stock, moved, sold = ledger([data["last"]])[data["last"]]
    created = sum(1 for status, _c, _ms in results if status == 201)
    refused = sum(1 for status, code, _ms in results if status == 409 and code == "out_of_stock")
    other = [(status, code) for status, code, _ms in results if status not in (201, 409)]
    other += [(s, c) for s, c, _ms in results if s == 409 and c != "out_of_stock"]
    oversold = max(0, sold - LAST_UNITS) + max(0, -stock)
    ok = (
        created == LAST_UNITS
        and refused == LAST_BUYERS - LAST_UNITS
        and sold == LAST_UNITS
        and stock == 0
        and stock == moved
        and oversold == 0
    )
    return {
        "created": created,
        "refused": refused,
        "other": other,
        "sold": sold,
        "stock": stock,
        "moved": moved,
        "oversold": oversold,
        "wall": wall,
        "timings": [ms for _s, _c, ms in results],
        "ok": ok,
    }


def cpu_seconds(gunicorn_group: int) -> dict[str, float]:
    """CPU time used so far by gunicorn (master and workers), PostgreSQL and this client.

    Read from /proc (Linux); empty elsewhere. PostgreSQL's backends end with their
    connections, so its figure is the server processes' own time plus their children's.
    """
    proc = Path("/proc")
    if not proc.exists():
        return {}
    tick = os.sysconf("SC_CLK_TCK")
    used = {"gunicorn": 0.0, "postgres": 0.0}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        seconds = sum(int(value) for value in fields[11:15]) / tick  # utime..cstime
        if int(fields[2]) == gunicorn_group:  # its session: master and workers
            used["gunicorn"] += seconds
        elif command.startswith(b"postgres") or b"/bin/postgres" in command.split(b"\0")[0]:
            used["postgres"] += seconds
    times = os.times()
    used["client"] = times.user + times.system
    return used


def scenario_throughput(port: int, data: dict, clients: int) -> dict:
    from catalog.models import Product

    others = Product.objects.exclude(pk=data["last"]).values_list("pk", flat=True)
    initial = dict.fromkeys(others, PLENTY)
    tokens, carts = data["tokens_b"], data["carts_b"]

    def buy(i: int) -> tuple[int, str, float]:
        body = checkout_body(data["village"], list(carts[i]), i)
        status, payload, ms = request(
            port, "POST", "/api/v1/checkout/", tokens[i], body, key=f"bench-{i}"
        )
        return status, str(payload.get("code", "")), ms

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(buy, range(len(tokens))))
    wall = time.perf_counter() - started
    created = [ms for status, _c, ms in results if status == 201]
    errors: dict[str, int] = {}
    for status, code, _ms in results:
        if status != 201:
            errors[f"{status} {code}"] = errors.get(f"{status} {code}", 0) + 1
    books = ledger(list(initial))
    oversold = sum(
        max(0, sold - initial[pk]) + max(0, -stock) for pk, (stock, _m, sold) in books.items()
    )
    unbalanced = sum(1 for stock, moved, _sold in books.values() if stock != moved)
    mismatch = sum(1 for pk, (stock, _m, sold) in books.items() if stock != initial[pk] - sold)
    rate = len(created) / wall
    timings = [ms for _s, _c, ms in results]
    return {
        "orders": len(created),
        "wall": wall,
        "rate": rate,
        "p50": statistics.median(timings),
        "p95": percentile(timings, 0.95),
        "errors": errors,
        "oversold": oversold,
        "unbalanced": unbalanced + mismatch,
        "ok": not errors
        and oversold == 0
        and unbalanced + mismatch == 0
        and rate >= TARGET_ORDERS_PER_SECOND,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--workers",
        type=int,
        default=3,
        help="gunicorn sync workers (3 did best on 2 cores: docs/benchmarks.md)",
    )
    parser.add_argument("--buyers", type=int, default=400, help="checkouts in scenario B")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients in B")
    parser.add_argument(
        "--no-notify",
        action="store_true",
        help="no order notifiers (they run in the request without Redis): the checkout alone",
    )
    args = parser.parse_args()
    setup_django()

    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    data = build(args.buyers)
    connection.close()  # gunicorn's workers get the connections

    log = Path(tempfile.mkdtemp(prefix="pd-checkout-bench-")) / "gunicorn.log"
    process, port = start_gunicorn(args.workers, log, notify=not args.no_notify)
    try:
        wait_until_up(process, port, data["tokens_b"][0], log)
        # Warm every worker: imports, URL resolution and its database connection.
        with ThreadPoolExecutor(args.workers * 2) as pool:
            list(
                pool.map(
                    lambda t: request(port, "GET", "/api/v1/cart/", t),
                    data["tokens_b"][: args.workers * 8],
                )
            )
        a = scenario_last_units(port, data)
        before = cpu_seconds(process.pid)
        b = scenario_throughput(port, data, args.clients)
        after = cpu_seconds(process.pid)
    finally:
        stop_gunicorn(process)

    print(
        f"Python {platform.python_version()} · {platform.machine()} · {os.cpu_count()} CPUs · "
        f"gunicorn {args.workers} sync workers · production settings, DB_CONN_MAX_AGE=60 · "
        f"notifications {'off' if args.no_notify else 'in the request, after commit'}"
    )
    print(f"{'scenario':<44} {'value':>24}  target")
    rows = [
        ("A: 201 created / 409 out_of_stock", f"{a['created']} / {a['refused']}", "10 / 40"),
        ("A: other answers", str(a["other"] or "none"), "none"),
        (
            "A: sold / stock / sum of movements",
            f"{a['sold']} / {a['stock']} / {a['moved']}",
            "10 / 0 / 0",
        ),
        ("A: oversold units", str(a["oversold"]), "0"),
        ("A: wall time, p95 ms", f"{a['wall']:.2f} s, {percentile(a['timings'], 0.95):.0f}", ""),
        (
            f"B: orders placed ({args.buyers} buyers, {args.clients} clients)",
            str(b["orders"]),
            str(args.buyers),
        ),
        ("B: orders/s", f"{b['rate']:.1f}", f">= {TARGET_ORDERS_PER_SECOND:.0f}"),
        ("B: checkout p50 / p95 ms", f"{b['p50']:.0f} / {b['p95']:.0f}", ""),
        ("B: errors", str(b["errors"] or "none"), "none"),
        ("B: oversold units / ledger mismatches", f"{b['oversold']} / {b['unbalanced']}", "0 / 0"),
    ]
    if before and b["orders"]:
        per_order = {k: (after[k] - before[k]) * 1000 / b["orders"] for k in before}
        rows.append(
            (
                "B: CPU ms per order: gunicorn / PostgreSQL / client",
                " / ".join(f"{per_order[k]:.1f}" for k in ("gunicorn", "postgres", "client")),
                "",
            )
        )
    for name, value, target in rows:
        print(f"{name:<44} {value:>24}  {target}")
    print(
        f"A {'ok' if a['ok'] else 'MISSED'} · B {'ok' if b['ok'] else 'MISSED'} · "
        f"gunicorn log {log}"
    )
    sys.exit(0 if a["ok"] and b["ok"] else 1)


if __name__ == "__main__":
    main()
