"""Unspent voucher money returns to its programme's fund (docs/adr/0007-vouchers.md).

Run daily by Celery beat (``vouchers.tasks.expire_vouchers``). Under ``ExpiryRule.MONTHLY``
what a wallet held when a month ended goes back after that month; under
``PROGRAMME_END`` what it held when the programme's last month ended. Each return is one
EXPIRE transfer per wallet and month, keyed ``expire:<programme>:<month>:<wallet>``, so a
second run, or a run days late, returns nothing twice. Programmes past their end close.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from ledger import services as ledger
from ledger.enums import AccountKind, TransferKind
from ledger.models import Account, Entry, Transfer
from vouchers import rules
from vouchers.accounts import programme_fund
from vouchers.enums import ExpiryRule, ProgrammeStatus
from vouchers.models import Programme, Wallet
from vouchers.selectors.issuance import months_elapsed

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1000


@dataclass
class ExpiryResult:
    expired_wallets: int = 0
    expired_amount: int = 0
    closed_programmes: int = 0


def expire_key(programme_id: int, month: int, wallet_id: int) -> str:
    return f"expire:{programme_id}:{month}:{wallet_id}"


def month_to_expire(programme: Programme, today: datetime.date) -> int | None:
    """The month whose end ``today`` is past and whose unspent money the rule returns now.

    Only the latest ended month: a run that comes late returns, under that month's key,
    what every earlier month left too.
    """
    if today >= rules.programme_end(programme):
        return programme.months
    if programme.expiry_rule == ExpiryRule.MONTHLY:
        ended = months_elapsed(programme, today) - 1
        return ended if ended >= 1 else None
    return None


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def expire_programme_month(
    *, programme: Programme, month: int, chunk_size: int = CHUNK_SIZE
) -> tuple[int, int]:
    """Return to the fund what each wallet of ``programme`` held when ``month`` ended (and
    still holds). Returns (wallets expired now, rupiah returned now).

    Money credited after the month ended (a later month's issuance, a refund) stays; if the
    wallet spent since, it returns no more than it holds. Each chunk locks the fund and its
    wallet accounts in primary-key order, as every ledger writer does, so a voucher
    payment at the same moment either comes first or waits, and no balance goes negative.
    """
    boundary = _local_midnight(rules.month_start(programme, month + 1))
    fund = programme_fund(programme)
    candidates = list(
        Account.objects.filter(
            kind=AccountKind.BENEFICIARY_WALLET,
            owner_id__in=Wallet.objects.filter(programme=programme).values("pk"),
            balance__gt=0,
        )
        .order_by("pk")
        .values_list("pk", "owner_id")
    )
    wallets_done = 0
    amount_done = 0
    for start in range(0, len(candidates), chunk_size):
        chunk = dict(candidates[start : start + chunk_size])  # account id -> wallet id
        keys = {
            expire_key(programme.pk, month, wallet): account for account, wallet in chunk.items()
        }
        expired = set(Transfer.objects.filter(key__in=keys).values_list("key", flat=True))
        wanted = [account for key, account in keys.items() if key not in expired]
        if not wanted:
            continue
        with transaction.atomic():
            balances = dict(
                Account.objects.select_for_update()
                .filter(pk__in=[fund.pk, *wanted])
                .order_by("pk")
                .values_list("pk", "balance")
            )
            # A concurrent run may have returned some while this one waited for the locks.
            expired = set(Transfer.objects.filter(key__in=keys).values_list("key", flat=True))
            wanted = [account for key, account in keys.items() if key not in expired]
            held_at_boundary = dict(
                Entry.objects.filter(account_id__in=wanted, transfer__created_at__lt=boundary)
                .values("account_id")
                .annotate(total=Sum("amount"))
                .values_list("account_id", "total")
            )
            drafts = []
            for account in wanted:
                amount = min(balances[account], held_at_boundary.get(account) or 0)
                if amount <= 0:
                    continue
                wallet = chunk[account]
                drafts.append(
                    ledger.TransferDraft(
                        key=expire_key(programme.pk, month, wallet),
                        kind=TransferKind.EXPIRE,
                        legs=((account, -amount), (fund.pk, amount)),
                        village_id=programme.village_id,
                        memo=f"{programme.name}, unspent at the end of month {month}",
                        details={
                            "programme_id": programme.pk,
                            "month": month,
                            "wallet_id": wallet,
                            "rule": programme.expiry_rule,
                        },
                    )
                )
            ledger.post_many(drafts)
        wallets_done += len(drafts)
        amount_done += sum(draft.amount for draft in drafts)
    return wallets_done, amount_done


def close_ended_programmes(*, today: datetime.date) -> int:
    """Active programmes whose last month has ended become closed; returns how many."""
    ended = [
        programme.pk
        for programme in Programme.objects.filter(status=ProgrammeStatus.ACTIVE).only(
            "pk", "first_month", "months"
        )
        if today >= rules.programme_end(programme)
    ]
    if not ended:
        return 0
    return Programme.objects.filter(pk__in=ended, status=ProgrammeStatus.ACTIVE).update(
        status=ProgrammeStatus.CLOSED, updated_at=timezone.now()
    )


def expire_due(*, today: datetime.date | None = None) -> ExpiryResult:
    """Everything the expiry rules return by ``today``, then close ended programmes.

    Safe to run twice, concurrently or late: nothing is returned twice.
    """
    today = today or timezone.localdate()
    result = ExpiryResult()
    programmes = Programme.objects.filter(
        status__in=(ProgrammeStatus.ACTIVE, ProgrammeStatus.CLOSED)
    ).order_by("pk")
    for programme in programmes:
        month = month_to_expire(programme, today)
        if month is None:
            continue
        wallets, amount = expire_programme_month(programme=programme, month=month)
        result.expired_wallets += wallets
        result.expired_amount += amount
    result.closed_programmes = close_ended_programmes(today=today)
    logger.info(
        "expiry: %s wallets, Rp%s returned, %s programmes closed",
        result.expired_wallets,
        result.expired_amount,
        result.closed_programmes,
    )
    return result
