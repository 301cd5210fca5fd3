"""Closing a period of a market: net what villages owe each other, list what sellers are owed.

Voucher money spent at a seller of another village is a claim of that seller's village on
the programme's village (the SETTLE transfers name both). Each period, per market, the
claims between two villages are netted into one CLEARING transfer between their clearing
accounts, and a ``SettlementBatch`` lists the net transfers and every seller's payout.

A period is closed once: the batch is unique per (market, period end), and the clearing
transfers have keys per market, period and pair, so a rerun finds the batch and posts
nothing (docs/adr/0008-settlement.md).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from ledger import services as ledger
from ledger.enums import AccountKind, TransferKind
from ledger.models import Account, Transfer
from settlement.models import BatchStatus, Payout, PayoutStatus, SettlementBatch, VillageTransfer
from villages.models import Market, MarketVillage, Seller
from vouchers.models import Programme


def period_bounds(
    start: datetime.date, end: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """The instants a period of local dates covers: [start 00:00, the day after end 00:00)."""
    zone = timezone.get_current_timezone()
    begins = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    ends = datetime.datetime.combine(
        end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    return begins, ends


@dataclass(frozen=True)
class NetClaim:
    """``amount`` rupiah the ``debtor`` village owes the ``creditor`` after netting."""

    debtor_id: int
    creditor_id: int
    amount: int
    debtor_owed: int  # gross: what the debtor's programmes owe the creditor's sellers
    creditor_owed: int  # gross: what the creditor's programmes owe the debtor's sellers


def market_village_ids(market_id: int) -> set[int]:
    return set(
        MarketVillage.objects.filter(market_id=market_id).values_list("village_id", flat=True)
    )


def gross_claims(
    *, market_id: int, period_start: datetime.date, period_end: datetime.date
) -> dict[tuple[int, int], int]:
    """What each village's programmes owe each other village's sellers in the period, as
    ``{(programme village, seller village): rupiah}``, from the SETTLE transfers (two queries
    and one for the programmes' markets)."""
    villages = market_village_ids(market_id)
    begins, ends = period_bounds(period_start, period_end)
    settled = list(
        Transfer.objects.filter(
            kind=TransferKind.SETTLE, created_at__gte=begins, created_at__lt=ends
        ).values_list("details", flat=True)
    )
    programme_ids = {int(d["programme_id"]) for d in settled if "programme_id" in d}
    programme_markets = dict(
        Programme.objects.filter(pk__in=programme_ids).values_list("pk", "market_id")
    )
    claims: dict[tuple[int, int], int] = defaultdict(int)
    for details in settled:
        debtor = details.get("programme_village_id")
        creditor = details.get("seller_village_id")
        if debtor is None or creditor is None or debtor == creditor:
            continue
        if debtor not in villages or creditor not in villages:
            continue
        # A programme of a market settles in that market only (villages may share two).
        programme_market = programme_markets.get(int(details["programme_id"]))
        if programme_market is not None and programme_market != market_id:
            continue
        claims[(int(debtor), int(creditor))] += int(details["amount"])
    return dict(claims)


def net_claims(claims: dict[tuple[int, int], int]) -> list[NetClaim]:
    """One claim per pair of villages: A owes B 100 and B owes A 30 → A owes B 70."""
    pairs = {(min(a, b), max(a, b)) for a, b in claims}
    netted = []
    for low, high in sorted(pairs):
        low_owes = claims.get((low, high), 0)
        high_owes = claims.get((high, low), 0)
        if low_owes > high_owes:
            netted.append(NetClaim(low, high, low_owes - high_owes, low_owes, high_owes))
        elif high_owes > low_owes:
            netted.append(NetClaim(high, low, high_owes - low_owes, high_owes, low_owes))
    return netted


def clearing_key(market_id: int, period_end: datetime.date, a: int, b: int) -> str:
    low, high = sorted((a, b))
    return f"clearing:{market_id}:{period_end.isoformat()}:{low}:{high}"


def _post_clearing(batch: SettlementBatch, netted: Iterable[NetClaim]) -> list[VillageTransfer]:
    netted = list(netted)
    accounts = ledger.open_accounts(
        AccountKind.VILLAGE_CLEARING,
        [(v, v) for claim in netted for v in (claim.debtor_id, claim.creditor_id)],
    )
    drafts = []
    rows = []
    for claim in netted:
        key = clearing_key(batch.market_id, batch.period_end, claim.debtor_id, claim.creditor_id)
        drafts.append(
            ledger.TransferDraft(
                key=key,
                kind=TransferKind.CLEARING,
                legs=(
                    (accounts[claim.debtor_id].pk, -claim.amount),
                    (accounts[claim.creditor_id].pk, claim.amount),
                ),
                village_id=claim.debtor_id,
                memo=f"{batch.market_id} {batch.period_start}..{batch.period_end}",
                details={
                    "batch_id": batch.pk,
                    "market_id": batch.market_id,
                    "period_start": batch.period_start.isoformat(),
                    "period_end": batch.period_end.isoformat(),
                    "from_village_id": claim.debtor_id,
                    "to_village_id": claim.creditor_id,
                    "amount": claim.amount,
                    "from_owed": claim.debtor_owed,
                    "to_owed": claim.creditor_owed,
                },
            )
        )
        rows.append(
            VillageTransfer(
                batch=batch,
                from_village_id=claim.debtor_id,
                to_village_id=claim.creditor_id,
                amount=claim.amount,
                transfer_key=key,
            )
        )
    ledger.post_many(drafts)
    return VillageTransfer.objects.bulk_create(rows)


def _list_payouts(batch: SettlementBatch, village_ids: set[int]) -> list[Payout]:
    """Every seller of the market's villages whose payable, less what earlier batches
    already list to pay, is not zero: a payout if the market owes it, else what it owes."""
    sellers = dict(
        Seller.objects.filter(village_id__in=village_ids).values_list("pk", "village_id")
    )
    balances = dict(
        Account.objects.filter(
            kind=AccountKind.SELLER_PAYABLE, owner_id__in=list(sellers)
        ).values_list("owner_id", "balance")
    )
    listed = dict(
        Payout.objects.filter(seller_id__in=list(balances), status=PayoutStatus.PENDING)
        .values("seller_id")
        .annotate(total=Sum("amount"))
        .values_list("seller_id", "total")
    )
    rows = []
    for seller_id in sorted(balances):
        due = balances[seller_id] - (listed.get(seller_id) or 0)
        if due == 0:
            continue
        rows.append(
            Payout(
                batch=batch,
                seller_id=seller_id,
                village_id=sellers[seller_id],
                amount=abs(due),
                status=PayoutStatus.PENDING if due > 0 else PayoutStatus.OWING,
            )
        )
    return Payout.objects.bulk_create(rows)


def close_period(
    *, market_id: int, period_start: datetime.date, period_end: datetime.date
) -> tuple[SettlementBatch, bool]:
    """Settle one period of one market: returns (batch, True), or (the batch, False) when
    the period was settled before — then nothing is written or posted.

    In one transaction: the batch, the net CLEARING transfers between villages (and their
    rows), and the payouts. Concurrent closes of one period: the second waits on the
    batch's unique key, then finds the first's batch.
    """
    Market.objects.only("pk").get(pk=market_id)
    existing = SettlementBatch.objects.filter(market_id=market_id, period_end=period_end).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            batch = SettlementBatch.objects.create(
                market_id=market_id, period_start=period_start, period_end=period_end
            )
            villages = market_village_ids(market_id)
            claims = gross_claims(
                market_id=market_id, period_start=period_start, period_end=period_end
            )
            _post_clearing(batch, net_claims(claims))
            payouts = _list_payouts(batch, villages)
            if not any(p.status == PayoutStatus.PENDING for p in payouts):
                batch.status = BatchStatus.PAID  # nothing to pay: settled as it stands
                batch.save(update_fields=["status"])
    except IntegrityError:
        found = SettlementBatch.objects.filter(market_id=market_id, period_end=period_end).first()
        if found is None:
            raise
        return found, False
    return batch, True


def close_day(*, day: datetime.date) -> list[int]:
    """Close ``day`` for every market (the daily beat); returns the ids of new batches."""
    created = []
    for market_id in Market.objects.order_by("pk").values_list("pk", flat=True):
        batch, new = close_period(market_id=market_id, period_start=day, period_end=day)
        if new:
            created.append(batch.pk)
    return created
