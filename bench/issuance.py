"""Issuance benchmark: one month of a programme to 10,000 beneficiaries on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pd_issbench \\
        .venv/bin/python bench/issuance.py --beneficiaries 10000 --rounds 3

Creates the database if it is missing and migrates it. Each round empties it of the
previous round's villages, people, programmes and ledger, builds one village with
``--beneficiaries`` active beneficiaries (and 2% inactive ones, who must get nothing), an
official and an active programme of Rp300.000 a month whose first two months have begun,
then issues month 1 through the real path: ``start_issuance`` as the official, which sends
the batch task after commit; without Redis the task runs in-process, exactly the code a
worker runs. Then it checks, and reports:

- seconds from the official's click to the last credit, and beneficiaries per second;
- month 2 issued the same way (wallets and their accounts exist by then);
- issuing month 1 again is refused (``month_already_issued``);
- the batch run again (a task delivered twice) posts nothing;
- every active beneficiary holds exactly Rp600.000, inactive ones nothing, and
  ``ledger_problems()`` is empty.

Exit status 1 when a check fails or month 1 takes longer than the target.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from database import ensure_database  # bench/database.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pasardesa.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pd_issbench")
os.environ.pop("REDIS_URL", None)  # tasks run in-process, after commit

AMOUNT = 300_000
TARGET_SECONDS = 20.0


def setup_django() -> None:
    url = os.environ["DATABASE_URL"]
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL=postgres://… (the benchmark runs on PostgreSQL only).")
    ensure_database(url)
    import django

    django.setup()


def build(beneficiaries: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from catalog.models import Category
    from villages.enums import Role
    from villages.models import Membership, Village
    from vouchers import nik, rules
    from vouchers.enums import ExpiryRule, ProgrammeScope, ProgrammeStatus
    from vouchers.models import Beneficiary, Programme

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE villages_village, accounts_user, ledger_account, ledger_transfer, "
            "ledger_entry RESTART IDENTITY CASCADE"
        )
    village = Village.objects.create(
        name="Desa Bantuan",
        slug="bantuan",
        code="34.02.15.2999",
        kecamatan="Sewon",
        kabupaten="Bantul",
        provinsi="DI Yogyakarta",
    )
    official = get_user_model().objects.create(
        username="perangkat-bench",
        email="perangkat@bench.pasardesa.id",
        name="Perangkat Desa",
        password="!",  # noqa: S106 -- an unusable password: nobody signs in as this official
    )
    Membership.objects.create(user=official, village=village, role=Role.VILLAGE_OFFICIAL)
    inactive = beneficiaries // 50
    pin = make_password("246810")
    rows = []
    for number in range(beneficiaries + inactive):
        value = f"3402{number + 1:012d}"
        rows.append(
            Beneficiary(
                village=village,
                nik_encrypted=nik.encrypt(value),
                nik_hash=nik.nik_hash(value),
                nik_masked=nik.mask(value),
                name=f"Penerima {number + 1:05d}",
                card_number=f"9{number + 1:015d}",
                pin_hash=pin,
                is_active=number % 51 != 50,  # every 51st has left the programme
            )
        )
    Beneficiary.objects.bulk_create(rows, batch_size=2000)
    active = Beneficiary.objects.filter(village=village, is_active=True).count()
    this_month = datetime.date.today().replace(day=1)
    programme = Programme.objects.create(
        village=village,
        name="BLT Dana Desa bench",
        amount_per_month=AMOUNT,
        first_month=rules.add_months(this_month, -1),  # months 1 and 2 have begun
        months=8,
        scope=ProgrammeScope.VILLAGE,
        expiry_rule=ExpiryRule.MONTHLY,
        status=ProgrammeStatus.ACTIVE,
    )
    programme.allowed_categories.set(Category.objects.filter(is_staple=True))
    return {
        "official": official,
        "programme": programme,
        "active": active,
        "inactive": beneficiaries + inactive - active,
    }


def issue(data: dict, month: int) -> tuple[float, object]:
    """Seconds from the official's start to the last credit (the task runs after commit)."""
    from vouchers.models import Issuance
    from vouchers.services.issuance import start_issuance

    started = time.perf_counter()
    issuance = start_issuance(
        acting_user=data["official"], programme_id=data["programme"].pk, month=month
    )
    seconds = time.perf_counter() - started
    return seconds, Issuance.objects.get(pk=issuance.pk)


def check(data: dict) -> dict:
    from django.db.models import Count, Sum

    from ledger.enums import AccountKind, TransferKind
    from ledger.models import Account, Transfer
    from ledger.selectors import ledger_problems
    from vouchers.models import Beneficiary, Wallet
    from vouchers.services.issuance import IssuanceRefused, run_issuance, start_issuance
    from vouchers.tasks import run_issuance as run_issuance_task

    programme = data["programme"]
    try:
        start_issuance(acting_user=data["official"], programme_id=programme.pk, month=1)
        second_start = "issued twice"
    except IssuanceRefused as refused:
        second_start = refused.code
    first = programme.issuances.get(month=1)
    before = Transfer.objects.count()
    rerun_posted = run_issuance(issuance_id=first.pk)  # a second delivery, as a worker would
    rerun_posted += run_issuance_task.apply(kwargs={"issuance_id": first.pk}).get()
    wallets = Account.objects.filter(
        kind=AccountKind.BENEFICIARY_WALLET,
        owner_id__in=Wallet.objects.filter(programme=programme).values("pk"),
    ).aggregate(n=Count("pk"), total=Sum("balance"))
    wrong = (
        Account.objects.filter(
            kind=AccountKind.BENEFICIARY_WALLET,
            owner_id__in=Wallet.objects.filter(programme=programme).values("pk"),
        )
        .exclude(balance=2 * AMOUNT)
        .count()
    )
    inactive_paid = Wallet.objects.filter(
        programme=programme,
        beneficiary__in=Beneficiary.objects.filter(is_active=False),
    ).count()
    return {
        "second_start": second_start,
        "rerun_posted": rerun_posted,
        "new_transfers_on_rerun": Transfer.objects.count() - before,
        "issue_transfers": Transfer.objects.filter(kind=TransferKind.ISSUE).count(),
        "wallets": wallets["n"],
        "wallet_total": wallets["total"] or 0,
        "wallets_not_600k": wrong,
        "inactive_with_wallet": inactive_paid,
        "ledger_problems": len(ledger_problems()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--beneficiaries", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    setup_django()

    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    firsts, seconds_m2, failures = [], [], []
    for round_number in range(1, args.rounds + 1):
        started = time.perf_counter()
        data = build(args.beneficiaries)
        built = time.perf_counter() - started
        seconds_1, first = issue(data, 1)
        seconds_2, second = issue(data, 2)
        checks = check(data)
        firsts.append(seconds_1)
        seconds_m2.append(seconds_2)
        expected = {
            "second_start": "month_already_issued",
            "rerun_posted": 0,
            "new_transfers_on_rerun": 0,
            "issue_transfers": 2 * data["active"],
            "wallets": data["active"],
            "wallet_total": 2 * AMOUNT * data["active"],
            "wallets_not_600k": 0,
            "inactive_with_wallet": 0,
            "ledger_problems": 0,
        }
        wrong = {k: (checks[k], v) for k, v in expected.items() if checks[k] != v}
        if first.status != "done" or first.done != data["active"] or second.status != "done":
            wrong["issuance"] = (first.status, first.done, second.status, second.done)
        if wrong:
            failures.append((round_number, wrong))
        print(
            f"round {round_number}: built {data['active']:,} active + {data['inactive']} "
            f"inactive beneficiaries in {built:.1f} s; month 1 {seconds_1:.2f} s "
            f"({data['active'] / seconds_1:,.0f}/s, new wallets); month 2 {seconds_2:.2f} s "
            f"({data['active'] / seconds_2:,.0f}/s); issuing month 1 again: "
            f"{checks['second_start']}; batch run again posted {checks['rerun_posted']}; "
            f"ledger problems {checks['ledger_problems']}",
            flush=True,
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    median = statistics.median(firsts)
    print(
        f"Python {platform.python_version()} · {os.cpu_count()} CPUs · {version} · "
        f"test settings, tasks in-process after commit"
    )
    print(
        f"month 1 (wallets opened): median {median:.2f} s, "
        f"{args.beneficiaries / median:,.0f} beneficiaries/s; runs "
        + ", ".join(f"{s:.2f}" for s in firsts)
        + f" · month 2: median {statistics.median(seconds_m2):.2f} s; runs "
        + ", ".join(f"{s:.2f}" for s in seconds_m2)
        + f" · target ≤ {TARGET_SECONDS:.0f} s"
    )
    if failures:
        print(f"FAILED checks: {failures}")
    if failures or max(firsts) > TARGET_SECONDS:
        sys.exit(1)


if __name__ == "__main__":
    main()
