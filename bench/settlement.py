"""Settlement benchmark: 100,000 completed fulfilments across 20 villages, posted by one
worker on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pd_settle_bench \\
    REDIS_URL=redis://127.0.0.1:6379/12 \\
        .venv/bin/python bench/settlement.py --fulfilments 100000

Creates the database if it is missing and migrates it, empties it, and builds in bulk one
market of 20 villages, each with its BUMDes, 5 sellers and an aid programme with 100
beneficiaries whose wallets hold money. Then ``--fulfilments`` completed fulfilments, each
waiting in the settlement outbox as a completed sale leaves it: half paid in cash, half by a
voucher of a random village's programme (so claims cross villages) plus cash for the
delivery fee; the voucher money is already in flight, as checkout leaves it.

Timed: one ``celery worker`` (solo pool: one process) is started against ``REDIS_URL``
and sent the sweeper task, which posts every outbox row in batches; then the day is
cleared (claims between villages netted, sellers' payouts listed) as the daily beat job
does. Reported: seconds and fulfilments per second until the last posting is marked posted
(the worker's start-up is not counted), the clearing's seconds, and both together; then
the ledger is re-checked (``ledger_problems()``), the day closed again must make no second
batch, and the sweeper run again must post nothing. Without ``REDIS_URL`` the sweeper runs in this
process instead (the same code a worker runs). Exit status 1 when a check fails or the
target is missed.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from database import ensure_database  # bench/database.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pasardesa.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pd_settle_bench")

VILLAGES = 20
SELLERS_PER_VILLAGE = 5
BENEFICIARIES_PER_VILLAGE = 100
PRICE = 20_000
DELIVERY_FEE = 5_000
TARGET_PER_SECOND = 2_000.0
CHUNK = 5_000


def setup_django() -> None:
    url = os.environ["DATABASE_URL"]
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL=postgres://… (the benchmark runs on PostgreSQL only).")
    ensure_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(fulfilments: int) -> dict:
    from django.db import connection
    from django.utils import timezone

    from catalog.enums import ProductKind
    from catalog.models import Category, Product
    from ledger import services as ledger
    from ledger.enums import AccountKind, TransferKind
    from orders.enums import DeliveryMethod, FulfilmentStatus, PaymentMethod, PaymentStatus
    from orders.models import Fulfilment, Order, OrderLine, Payment
    from settlement.models import Posting
    from tests.factories import UserFactory
    from villages.enums import BumdesKind, SellerKind
    from villages.models import Bumdes, Market, MarketVillage, Seller, Village
    from vouchers import nik
    from vouchers.enums import ChargeChannel, ProgrammeScope, ProgrammeStatus
    from vouchers.models import Beneficiary, Programme, VoucherCharge, VoucherChargeLine, Wallet

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE villages_village, villages_market, accounts_user, catalog_product, "
            "ledger_account, ledger_transfer, ledger_entry RESTART IDENTITY CASCADE"
        )
    now = timezone.now()
    rice = Category.objects.get(slug="beras")
    market = Market.objects.create(name="Pasar Bench", slug="bench")
    villages = Village.objects.bulk_create(
        Village(
            name=f"Desa {i:02d}",
            slug=f"desa-{i:02d}",
            code=f"34.02.{i:02d}.2001",
            kecamatan="Kecamatan Bench",
            kabupaten="Bantul",
            provinsi="DI Yogyakarta",
        )
        for i in range(VILLAGES)
    )
    MarketVillage.objects.bulk_create(MarketVillage(market=market, village=v) for v in villages)
    Bumdes.objects.bulk_create(
        Bumdes(
            name=f"BUMDes {v.name}",
            legal_name=f"BUM Desa {v.name}",
            slug=f"bumdes-{v.slug}",
            kind=BumdesKind.DESA,
            village=v,
        )
        for v in villages
    )
    sellers = Seller.objects.bulk_create(
        Seller(village=v, name=f"Warung {v.pk}-{j}", slug=f"warung-{j}", kind=SellerKind.UMKM)
        for v in villages
        for j in range(SELLERS_PER_VILLAGE)
    )
    products = {
        p.seller_id: p
        for p in Product.objects.bulk_create(
            Product(
                seller=s,
                village_id=s.village_id,
                kind=ProductKind.GOODS,
                name="Beras",
                slug="beras",
                category=rice,
                price=PRICE,
                unit="kg",
                weight_grams=1000,
                stock=0,
            )
            for s in sellers
        )
    }
    buyer = UserFactory(phone="+6281299990000")
    programmes = Programme.objects.bulk_create(
        Programme(
            village=v,
            name="BLT Bench",
            amount_per_month=300_000,
            first_month=now.date().replace(day=1),
            scope=ProgrammeScope.MARKET,
            market=market,
            status=ProgrammeStatus.ACTIVE,
        )
        for v in villages
    )
    token = nik.encrypt("3402000000000000")
    beneficiaries = Beneficiary.objects.bulk_create(
        Beneficiary(
            village_id=p.village_id,
            nik_encrypted=token,
            nik_hash=f"{p.pk}-{k}",
            nik_masked="3402••••••••0000",
            name=f"Penerima {k}",
            card_number=f"{p.pk:04d}{k:012d}",
        )
        for p in programmes
        for k in range(BENEFICIARIES_PER_VILLAGE)
    )
    programme_of_village = {p.village_id: p for p in programmes}
    wallets = Wallet.objects.bulk_create(
        Wallet(beneficiary=b, programme=programme_of_village[b.village_id]) for b in beneficiaries
    )
    wallet_accounts = ledger.open_accounts(
        AccountKind.BENEFICIARY_WALLET, [(w.pk, w.programme.village_id) for w in wallets]
    )
    funds = ledger.open_accounts(
        AccountKind.PROGRAMME_FUND, [(p.pk, p.village_id) for p in programmes]
    )
    in_flight = ledger.open_accounts(
        AccountKind.VOUCHER_IN_FLIGHT, [(p.pk, p.village_id) for p in programmes]
    )
    voucher_sales = fulfilments // 2
    per_wallet = -(-voucher_sales // len(wallets)) * PRICE
    ledger.post_many(
        [
            ledger.TransferDraft(
                key=f"issue:{w.programme_id}:1:{w.beneficiary_id}",
                kind=TransferKind.ISSUE,
                legs=(
                    (funds[w.programme_id].pk, -per_wallet),
                    (wallet_accounts[w.pk].pk, per_wallet),
                ),
                village_id=w.programme.village_id,
            )
            for w in wallets
        ]
    )

    rng = random.Random(2026)
    spent = 0
    for start in range(0, fulfilments, CHUNK):
        size = min(CHUNK, fulfilments - start)
        orders = Order.objects.bulk_create(
            Order(
                number=f"B{start + n:010d}",
                buyer=buyer,
                idempotency_key=f"bench-{start + n}",
                recipient_name="Bench",
                contact_phone="+6281299990000",
                delivery_village=villages[0],
                goods_total=PRICE,
                delivery_total=DELIVERY_FEE,
                total=PRICE + DELIVERY_FEE,
            )
            for n in range(size)
        )
        chosen = [rng.choice(sellers) for _ in orders]
        made = Fulfilment.objects.bulk_create(
            Fulfilment(
                order=o,
                seller=s,
                village_id=s.village_id,
                status=FulfilmentStatus.COMPLETED,
                delivery_method=DeliveryMethod.COURIER,
                delivery_fee=DELIVERY_FEE,
                goods_total=PRICE,
                total=PRICE + DELIVERY_FEE,
                status_changed_at=now,
            )
            for o, s in zip(orders, chosen, strict=True)
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                fulfilment=f,
                product=products[f.seller_id],
                product_name="Beras",
                unit="kg",
                category=rice,
                is_staple=True,
                unit_price=PRICE,
                quantity=1,
                line_total=PRICE,
            )
            for f in made
        )
        by_voucher = [f for n, f in enumerate(made) if (start + n) % 2 == 0]
        cash = [f for n, f in enumerate(made) if (start + n) % 2 == 1]
        payments = Payment.objects.bulk_create(
            [
                Payment(
                    fulfilment=f,
                    method=PaymentMethod.CASH,
                    amount=f.total,
                    status=PaymentStatus.PAID,
                )
                for f in cash
            ]
            + [
                Payment(
                    fulfilment=f,
                    method=PaymentMethod.CASH,
                    amount=DELIVERY_FEE,
                    status=PaymentStatus.PAID,
                )
                for f in by_voucher
            ]
            + [
                Payment(
                    fulfilment=f,
                    method=PaymentMethod.VOUCHER,
                    amount=PRICE,
                    status=PaymentStatus.PAID,
                )
                for f in by_voucher
            ]
        )
        voucher_payments = payments[len(cash) + len(by_voucher) :]
        # Round robin: every wallet holds enough for its share of the voucher sales.
        spending = [wallets[(spent + n) % len(wallets)] for n in range(len(voucher_payments))]
        spent += len(voucher_payments)
        charges = VoucherCharge.objects.bulk_create(
            VoucherCharge(
                wallet=w,
                channel=ChargeChannel.ONLINE,
                payment=p,
                seller_id=p.fulfilment.seller_id,
                seller_village_id=p.fulfilment.village_id,
                amount=PRICE,
                transfer_key=f"spend:payment:{p.pk}",
            )
            for p, w in zip(voucher_payments, spending, strict=True)
        )
        VoucherChargeLine.objects.bulk_create(
            VoucherChargeLine(charge=c, category=rice, amount=PRICE) for c in charges
        )
        ledger.post_many(
            [
                ledger.TransferDraft(
                    key=c.transfer_key,
                    kind=TransferKind.SPEND,
                    legs=(
                        (wallet_accounts[c.wallet_id].pk, -PRICE),
                        (in_flight[c.wallet.programme_id].pk, PRICE),
                    ),
                    village_id=c.wallet.programme.village_id,
                )
                for c in charges
            ]
        )
        Posting.objects.bulk_create(Posting(fulfilment=f) for f in made)
    return {"voucher_sales": voucher_sales, "cash_sales": fulfilments - voucher_sales}


def start_worker(redis_url: str, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "pasardesa.settings.local",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "pasardesa",
            "worker",
            "--pool",
            "solo",
            "--queues",
            "settlement-bench",
            "--without-mingle",
            "--without-gossip",
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while " ready." not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"the worker did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.2)
    return process


def run_sweep(redis_url: str | None, expected: int) -> float:
    """Seconds until ``expected`` postings are posted, by the worker (or in-process)."""
    from settlement.enums import PostingStatus
    from settlement.models import Posting
    from settlement.services import posting
    from settlement.tasks import sweep_unposted_sales

    started = time.perf_counter()
    if redis_url is None:
        posting.sweep()
    else:
        sweep_unposted_sales.apply_async(queue="settlement-bench")
        while Posting.objects.filter(status=PostingStatus.POSTED).count() < expected:
            time.sleep(0.2)
    return time.perf_counter() - started


def clear_today() -> list[int]:
    """The daily clearing, for today (the sales were completed today): the beat's task does
    this for yesterday. Returns the ids of the batches it made."""
    from django.utils import timezone

    from settlement.services import clearing

    return clearing.close_day(day=timezone.localdate())


def describe(batch_ids: list[int]) -> str:
    from settlement.models import Payout, VillageTransfer

    payouts = Payout.objects.filter(batch_id__in=batch_ids)
    transfers = VillageTransfer.objects.filter(batch_id__in=batch_ids)
    return (
        f"{len(batch_ids)} batch, {payouts.count()} seller payouts, "
        f"{transfers.count()} net transfers between villages"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fulfilments", type=int, default=100_000)
    args = parser.parse_args()
    redis_url = os.environ.get("REDIS_URL")
    setup_django()
    from django.conf import settings

    from ledger.models import Transfer
    from ledger.selectors import ledger_problems
    from settlement.enums import PostingStatus
    from settlement.models import Posting

    if redis_url:
        settings.CELERY_TASK_ALWAYS_EAGER = False
        from pasardesa.celery import app

        app.conf.task_always_eager = False
        app.conf.broker_url = redis_url

    print(
        f"machine: {platform.node()} · {os.cpu_count()} CPUs · Python {platform.python_version()}"
    )
    started = time.perf_counter()
    built = build(args.fulfilments)
    print(
        f"built {args.fulfilments} completed fulfilments ({built['voucher_sales']} by voucher, "
        f"{built['cash_sales']} cash) across {VILLAGES} villages in "
        f"{time.perf_counter() - started:.1f} s"
    )
    # The objects of the build stay alive in this process (a worker has none of them): out
    # of the collector's way, so an in-process run is not slowed by scanning them.
    gc.collect()
    gc.freeze()
    worker = None
    with tempfile.TemporaryDirectory() as tmp:
        try:
            if redis_url:
                worker = start_worker(redis_url, Path(tmp) / "worker.log")
            seconds = run_sweep(redis_url, args.fulfilments)
            transfers = Transfer.objects.count()
            rate = args.fulfilments / seconds
            print(
                f"posted {args.fulfilments} fulfilments in {seconds:.1f} s: {rate:,.0f} per second "
                f"({'one worker' if worker else 'in-process'}); target {TARGET_PER_SECOND:,.0f}/s"
            )
            cleared = time.perf_counter()
            batches = clear_today()
            clearing_seconds = time.perf_counter() - cleared
            print(f"cleared the day in {clearing_seconds:.1f} s: {describe(batches)}")
            total_seconds = seconds + clearing_seconds
            print(
                f"posted and cleared in {total_seconds:.1f} s: "
                f"{args.fulfilments / total_seconds:,.0f} fulfilments per second"
            )
            if clear_today():
                sys.exit("closing the same day again made a second batch")
            transfers = Transfer.objects.count()
            # The sweeper again, in this process so its end is known: a second run (or a
            # task delivered twice) must find every sale posted and post nothing.
            second = run_sweep(None, args.fulfilments)
            again = Transfer.objects.count() - transfers
            print(f"second run: {again} new transfers in {second:.1f} s")
            checked = time.perf_counter()
            problems = ledger_problems()
            print(
                f"ledger re-checked in {time.perf_counter() - checked:.1f} s: "
                f"{len(problems)} problem(s)"
            )
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=30)
    failed = (
        problems
        or again
        or Posting.objects.exclude(status=PostingStatus.POSTED).exists()
        or args.fulfilments / total_seconds < TARGET_PER_SECOND
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
