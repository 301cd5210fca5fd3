"""Reading the ledger: balances from entries, and the checks that prove the books hold."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce

from ledger.models import Account, Entry, Transfer


def balance(account: Account) -> int:
    """The balance as its entries say (the cached column is for locking and speed)."""
    return int(Entry.objects.filter(account=account).aggregate(s=Sum("amount"))["s"] or 0)


@dataclass(frozen=True)
class LedgerProblem:
    what: str
    detail: str


def ledger_problems(*, limit: int = 50) -> list[LedgerProblem]:
    """Everything that would mean the books do not hold; empty when they do.

    Transfers whose entries do not add up to zero (or have fewer than two), accounts whose
    cached balance differs from their entries or is negative where it may not be, and a
    sum over all accounts that is not zero.
    """
    problems: list[LedgerProblem] = []
    unbalanced = (
        Transfer.objects.annotate(total=Sum("entries__amount"), legs=Count("entries"))
        .filter(~Q(total=0) | Q(total__isnull=True) | Q(legs__lt=2))
        .values_list("key", "total", "legs")[:limit]
    )
    for key, total, legs in unbalanced:
        problems.append(
            LedgerProblem("unbalanced_transfer", f"{key}: entries sum to {total} over {legs}")
        )
    drifted = (
        Account.objects.annotate(from_entries=Coalesce(Sum("entries__amount"), 0))
        .exclude(balance=F("from_entries"))
        .values_list("pk", "kind", "owner_id", "balance", "from_entries")[:limit]
    )
    for pk, kind, owner, cached, from_entries in drifted:
        problems.append(
            LedgerProblem(
                "balance_drift",
                f"account {pk} ({kind} #{owner}): cached {cached}, entries {from_entries or 0}",
            )
        )
    negative = Account.objects.filter(may_go_negative=False, balance__lt=0).values_list(
        "pk", "kind", "owner_id", "balance"
    )[:limit]
    for pk, kind, owner, cached in negative:
        problems.append(
            LedgerProblem("negative_balance", f"account {pk} ({kind} #{owner}): {cached}")
        )
    total = Entry.objects.aggregate(s=Sum("amount"))["s"] or 0
    if total:
        problems.append(LedgerProblem("books_do_not_balance", f"all entries sum to {total}"))
    return problems
