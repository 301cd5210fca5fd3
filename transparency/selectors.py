"""The public transparency figures: aid, where it was spent, commissions, profit, batches.

Every figure is a sum of ledger entries, or of rows that name ledger transfers, read in a
fixed number of aggregate queries whatever the number of beneficiaries, payments, months
or batches (docs/adr/0006-ledger.md, 0007, 0008). Nothing here names a beneficiary: the
figures are grouped by village, month, BUMDes and batch, never by person.

Aid is counted where it was issued: a village's figures are those of its programmes (the
ledger accounts of a programme and its wallets carry the programme's village), and a
market's are those of its villages. For each village:

- issued: ISSUE entries on its wallets; expired: EXPIRE entries out of its wallets;
- spent: voucher payments into its programmes' in-flight accounts (SPEND) less what was
  given back from them (REFUND to a wallet, or to the fund once that money had expired);
  ``returned_to_programme`` is the part given back to the fund;
- outstanding: the sum of its wallets' entries, which is what they hold now, so that
  ``issued - spent - expired - returned_to_programme == outstanding``;
- where it was spent: its programmes' voucher charges that stand, by the seller's village:
  the programme's own village, another village of the programme's market, elsewhere;
- community share: the entries on its community fund (its part of a BUMDes's profit).

A BUMDes's commissions are the entries on its commission account other than costs and
profit shares; its costs and community share are the COST and PROFIT_SHARE entries out of
it, so commissions - costs - community share is the account's balance (retained).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from ledger.enums import AccountKind, TransferKind
from ledger.models import Entry
from settlement.models import (
    BatchStatus,
    Payout,
    PayoutStatus,
    ProfitShare,
    SettlementBatch,
    VillageTransfer,
)
from villages.exceptions import VillageNotFound
from villages.models import Bumdes, Market, MarketVillage, Village
from villages.selectors import get_market
from vouchers.enums import ChargeStatus
from vouchers.models import VoucherCharge
from vouchers.selectors.reports import percent

# The newest settlement batches listed on a page; the counts cover all of them.
BATCHES_SHOWN = 20
# The newest closed profit periods listed per BUMDes.
PROFIT_PERIODS_SHOWN = 12

_WALLET = AccountKind.BENEFICIARY_WALLET
_IN_FLIGHT = AccountKind.VOUCHER_IN_FLIGHT
_COMMUNITY = AccountKind.COMMUNITY_FUND
_GIVEN_BACK = frozenset({TransferKind.REFUND, TransferKind.EXPIRE})


@dataclass(frozen=True)
class AidFigures:
    """Aid of one village's programmes (or of several villages', added up), in rupiah."""

    issued: int = 0
    spent: int = 0  # net of payments given back
    expired: int = 0
    returned_to_programme: int = 0  # cancelled payments whose money had expired meanwhile
    outstanding: int = 0  # in the wallets now
    spent_in_village: int = 0  # at sellers of the programme's own village
    spent_in_market: int = 0  # at sellers of another village of the programme's market
    spent_outside: int = 0  # at sellers anywhere else
    community_share: int = 0  # profit shared into the village's community fund

    def __add__(self, other: AidFigures) -> AidFigures:
        return AidFigures(
            **{name: getattr(self, name) + getattr(other, name) for name in _AID_FIELDS}
        )

    @property
    def in_village_percent(self) -> int:
        """The share of spending kept in the beneficiaries' own village."""
        return percent(self.spent_in_village, self.spent_in_village + self.spent_elsewhere)

    @property
    def spent_elsewhere(self) -> int:
        return self.spent_in_market + self.spent_outside

    @property
    def spent_percent(self) -> int:
        return percent(self.spent, self.issued)

    @property
    def balance_check(self) -> int:
        """``issued - spent - expired - returned_to_programme``: equals ``outstanding``
        when the books hold."""
        return self.issued - self.spent - self.expired - self.returned_to_programme

    @property
    def reconciled(self) -> bool:
        """Whether the figures add up: what was issued and not spent, expired or returned is
        in the wallets, and the spending by place adds up to what was spent."""
        by_place = self.spent_in_village + self.spent_in_market + self.spent_outside
        return self.balance_check == self.outstanding and by_place == self.spent


_AID_FIELDS = tuple(AidFigures.__dataclass_fields__)


@dataclass(frozen=True)
class MonthFigures:
    """What moved in one calendar month (Asia/Jakarta), by the ledger's time."""

    month: datetime.date  # its first day
    issued: int = 0
    spent: int = 0  # payments less payments given back within the month
    expired: int = 0
    community_share: int = 0


@dataclass(frozen=True)
class VillageAid:
    village_id: int
    name: str
    slug: str
    aid: AidFigures


@dataclass(frozen=True)
class ProfitPeriod:
    period_start: datetime.date
    period_end: datetime.date
    commissions: int
    costs: int
    profit: int
    community_share_bp: int
    community_share: int
    retained: int


@dataclass(frozen=True)
class BumdesFigures:
    """A BUMDes's commissions and how its profit was shared, since it began."""

    bumdes_id: int
    name: str
    kind: str
    commissions: int
    costs: int
    community_share: int
    periods: list[ProfitPeriod] = field(default_factory=list)  # newest first

    @property
    def profit(self) -> int:
        return self.commissions - self.costs

    @property
    def retained(self) -> int:
        """What stays with the BUMDes: its commission account's balance."""
        return self.profit - self.community_share


@dataclass(frozen=True)
class BatchFigures:
    """A settlement batch, with the part of it that concerns the villages shown."""

    batch_id: int
    market_name: str
    period_start: datetime.date
    period_end: datetime.date
    status: str
    payouts_paid: int = 0
    payouts_pending: int = 0
    sellers_owing: int = 0  # commission sellers owe their BUMDes
    sellers: int = 0  # payouts listed
    received: int = 0  # net transfers into the villages shown
    paid: int = 0  # net transfers out of the villages shown
    between_villages: int = 0  # every net transfer touching the villages shown

    @property
    def status_label(self) -> str:
        """In the language of the request (the figures may come from the cache)."""
        return str(BatchStatus(self.status).label)


@dataclass(frozen=True)
class BatchCounts:
    total: int = 0
    open: int = 0
    paid: int = 0


@dataclass(frozen=True)
class Transparency:
    """Everything a market's or a village's transparency page shows."""

    aid: AidFigures
    villages: list[VillageAid]  # a market's villages; the village itself on its page
    months: list[MonthFigures]  # oldest first
    bumdes: list[BumdesFigures]
    batches: list[BatchFigures]  # newest first, at most BATCHES_SHOWN
    batch_counts: BatchCounts
    spent_at: list[SpentAt] = field(default_factory=list)  # by the seller's village


@dataclass(frozen=True)
class SpentAt:
    """Aid spent at the sellers of one village."""

    village_id: int
    name: str
    slug: str
    amount: int


@dataclass(frozen=True)
class MarketSummary:
    market_id: int
    name: str
    slug: str
    villages: int
    aid: AidFigures


# --- Look-ups ------------------------------------------------------------------------------


def get_transparency_market(*, slug: str) -> Market:
    """The market named by ``slug``; ``MarketNotFound`` otherwise (one query)."""
    return get_market(slug=slug)


def get_transparency_village(*, slug: str) -> Village:
    """The village named by ``slug``; ``VillageNotFound`` otherwise (one query)."""
    village = Village.objects.filter(slug=slug).first()
    if village is None:
        raise VillageNotFound()
    return village


# --- Aid ----------------------------------------------------------------------------------


def _int(value: Any) -> int:
    return int(value or 0)


def _month_day(value: datetime.datetime | datetime.date) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    return value


class _AidSums:
    """Running sums of the ledger rows of one village (or one village-month)."""

    def __init__(self) -> None:
        self.issued = 0
        self.expired = 0
        self.wallets = 0
        self.spent_in = 0
        self.given_back = 0
        self.refunded = 0
        self.community = 0

    def add(self, account_kind: str, transfer_kind: str, total: int) -> None:
        if account_kind == _WALLET:
            self.wallets += total
            if transfer_kind == TransferKind.ISSUE:
                self.issued += total
            elif transfer_kind == TransferKind.EXPIRE:
                self.expired -= total
            elif transfer_kind == TransferKind.REFUND:
                self.refunded += total
        elif account_kind == _IN_FLIGHT:
            if transfer_kind == TransferKind.SPEND:
                self.spent_in += total
            elif transfer_kind in _GIVEN_BACK:
                self.given_back -= total
        elif account_kind == _COMMUNITY:
            self.community += total

    @property
    def spent(self) -> int:
        return self.spent_in - self.given_back

    @property
    def returned_to_programme(self) -> int:
        return self.given_back - self.refunded


def _village_filter(prefix: str, village_ids: Collection[int] | None) -> Q:
    if village_ids is None:
        return Q(**{f"{prefix}__isnull": False})
    return Q(**{f"{prefix}__in": village_ids})


def _ledger_rows(
    village_ids: Collection[int] | None, *, by_month: bool
) -> Iterable[dict[str, Any]]:
    """One query: entries on wallets, in-flight accounts and community funds, summed by the
    account's village, the account's kind, the transfer's kind (and the month)."""
    entries = Entry.objects.filter(
        _village_filter("account__village_id", village_ids),
        account__kind__in=[_WALLET, _IN_FLIGHT, _COMMUNITY],
    )
    group = ["account__village_id", "account__kind", "transfer__kind"]
    if by_month:
        entries = entries.annotate(
            month=TruncMonth("transfer__created_at", tzinfo=timezone.get_current_timezone())
        )
        group.append("month")
    return entries.values(*group).annotate(total=Sum("amount")).order_by()


def _where_spent(
    village_ids: Collection[int] | None,
) -> dict[int, tuple[int, int, int]]:
    """Two queries: each village's programmes' charges that stand, as (in its own village,
    in another village of the programme's market, elsewhere)."""
    charges = (
        VoucherCharge.objects.filter(
            _village_filter("wallet__programme__village_id", village_ids),
            status=ChargeStatus.CHARGED,
        )
        .values(
            "wallet__programme__village_id", "wallet__programme__market_id", "seller_village_id"
        )
        .annotate(total=Sum("amount"))
        .order_by()
    )
    memberships = MarketVillage.objects.all()
    if village_ids is not None:
        memberships = memberships.filter(
            market__aid_programmes__village_id__in=village_ids
        ).distinct()
    members: dict[int, set[int]] = defaultdict(set)
    for market_id, village_id in memberships.values_list("market_id", "village_id"):
        members[market_id].add(village_id)
    found: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in charges:
        village = row["wallet__programme__village_id"]
        seller_village = row["seller_village_id"]
        total = _int(row["total"])
        if seller_village == village:
            found[village][0] += total
        elif seller_village in members.get(row["wallet__programme__market_id"] or 0, set()):
            found[village][1] += total
        else:
            found[village][2] += total
    return {village: (a, b, c) for village, (a, b, c) in found.items()}


def aid_by_village(
    village_ids: Collection[int] | None = None, *, by_month: bool = False
) -> tuple[dict[int, AidFigures], dict[tuple[int, datetime.date], MonthFigures]]:
    """The aid figures of each village (all villages with any, for ``None``), and, with
    ``by_month``, each village's months; three queries."""
    totals: dict[int, _AidSums] = defaultdict(_AidSums)
    months: dict[tuple[int, datetime.date], _AidSums] = defaultdict(_AidSums)
    for row in _ledger_rows(village_ids, by_month=by_month):
        village = row["account__village_id"]
        args = (row["account__kind"], row["transfer__kind"], _int(row["total"]))
        totals[village].add(*args)
        if by_month:
            months[(village, _month_day(row["month"]))].add(*args)
    places = _where_spent(village_ids)
    figures = {}
    for village in set(totals) | set(places):
        sums = totals[village]
        in_village, in_market, outside = places.get(village, (0, 0, 0))
        figures[village] = AidFigures(
            issued=sums.issued,
            spent=sums.spent,
            expired=sums.expired,
            returned_to_programme=sums.returned_to_programme,
            outstanding=sums.wallets,
            spent_in_village=in_village,
            spent_in_market=in_market,
            spent_outside=outside,
            community_share=sums.community,
        )
    by_months = {
        key: MonthFigures(
            month=key[1],
            issued=sums.issued,
            spent=sums.spent,
            expired=sums.expired,
            community_share=sums.community,
        )
        for key, sums in months.items()
    }
    return figures, by_months


def spent_at(village_ids: Collection[int]) -> list[SpentAt]:
    """Where the villages' aid was spent: by the seller's village, the largest first (one
    query). Payments that stand only."""
    rows = (
        VoucherCharge.objects.filter(
            wallet__programme__village_id__in=village_ids, status=ChargeStatus.CHARGED
        )
        .values("seller_village_id", "seller_village__name", "seller_village__slug")
        .annotate(total=Sum("amount"))
        .order_by("-total", "seller_village__name", "seller_village_id")
    )
    return [
        SpentAt(
            village_id=row["seller_village_id"],
            name=row["seller_village__name"],
            slug=row["seller_village__slug"],
            amount=_int(row["total"]),
        )
        for row in rows
    ]


def _add_months(rows: Iterable[MonthFigures]) -> list[MonthFigures]:
    """Months of several villages added up, oldest first."""
    merged: dict[datetime.date, MonthFigures] = {}
    for row in rows:
        found = merged.get(row.month)
        if found is not None:
            row = replace(
                found,
                issued=found.issued + row.issued,
                spent=found.spent + row.spent,
                expired=found.expired + row.expired,
                community_share=found.community_share + row.community_share,
            )
        merged[row.month] = row
    return [merged[month] for month in sorted(merged)]


def _total(figures: Iterable[AidFigures]) -> AidFigures:
    total = AidFigures()
    for one in figures:
        total = total + one
    return total


# --- BUMDes -------------------------------------------------------------------------------


def _bumdes_of(village_ids: Collection[int]) -> QuerySet[Bumdes]:
    """The villages' own BUMDes and the BUM Desa Bersama they are members of."""
    return (
        Bumdes.objects.filter(Q(village_id__in=village_ids) | Q(member_villages__in=village_ids))
        .distinct()
        .order_by("name", "pk")
    )


def bumdes_figures(village_ids: Collection[int]) -> list[BumdesFigures]:
    """Commissions, costs and community share of the villages' BUMDes, with their closed
    periods (three queries)."""
    bumdes = list(_bumdes_of(village_ids).values("pk", "name", "kind"))
    ids = [row["pk"] for row in bumdes]
    sums: dict[int, dict[str, int]] = defaultdict(lambda: {"earned": 0, "costs": 0, "shared": 0})
    for owner, kind, total in (
        Entry.objects.filter(account__kind=AccountKind.BUMDES_COMMISSION, account__owner_id__in=ids)
        .values("account__owner_id", "transfer__kind")
        .annotate(total=Sum("amount"))
        .order_by()
        .values_list("account__owner_id", "transfer__kind", "total")
    ):
        if kind == TransferKind.COST:
            sums[owner]["costs"] -= _int(total)
        elif kind == TransferKind.PROFIT_SHARE:
            sums[owner]["shared"] -= _int(total)
        else:
            sums[owner]["earned"] += _int(total)
    periods: dict[int, list[ProfitPeriod]] = defaultdict(list)
    for share in ProfitShare.objects.filter(bumdes_id__in=ids).order_by("-period_end", "pk"):
        if len(periods[share.bumdes_id]) < PROFIT_PERIODS_SHOWN:
            periods[share.bumdes_id].append(
                ProfitPeriod(
                    period_start=share.period_start,
                    period_end=share.period_end,
                    commissions=share.commissions,
                    costs=share.costs,
                    profit=share.profit,
                    community_share_bp=share.community_share_bp,
                    community_share=share.community_share,
                    retained=share.retained,
                )
            )
    return [
        BumdesFigures(
            bumdes_id=row["pk"],
            name=row["name"],
            kind=row["kind"],
            commissions=sums[row["pk"]]["earned"],
            costs=sums[row["pk"]]["costs"],
            community_share=sums[row["pk"]]["shared"],
            periods=periods[row["pk"]],
        )
        for row in bumdes
    ]


# --- Settlement batches -------------------------------------------------------------------


def batch_figures(
    batches: QuerySet[SettlementBatch], village_ids: Collection[int]
) -> tuple[list[BatchFigures], BatchCounts]:
    """The newest ``BATCHES_SHOWN`` of ``batches`` with their payouts to sellers of the
    villages and their net transfers touching them, and the counts of all (four queries)."""
    counts = batches.order_by().aggregate(
        total=Count("pk"),
        open=Count("pk", filter=Q(status=BatchStatus.OPEN)),
        paid=Count("pk", filter=Q(status=BatchStatus.PAID)),
    )
    shown = list(batches.select_related("market").order_by("-period_end", "-pk")[:BATCHES_SHOWN])
    ids = [batch.pk for batch in shown]
    payouts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for batch_id, status, total, count in (
        Payout.objects.filter(batch_id__in=ids, village_id__in=village_ids)
        .values("batch_id", "status")
        .annotate(total=Sum("amount"), count=Count("pk"))
        .order_by()
        .values_list("batch_id", "status", "total", "count")
    ):
        payouts[batch_id][status] += _int(total)
        payouts[batch_id]["count"] += count
    moves: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    inside = set(village_ids)
    for batch_id, from_village, to_village, amount in VillageTransfer.objects.filter(
        Q(from_village_id__in=village_ids) | Q(to_village_id__in=village_ids), batch_id__in=ids
    ).values_list("batch_id", "from_village_id", "to_village_id", "amount"):
        if to_village in inside:
            moves[batch_id][0] += amount
        if from_village in inside:
            moves[batch_id][1] += amount
        moves[batch_id][2] += amount
    rows = []
    for batch in shown:
        listed = payouts[batch.pk]
        received, paid, between = moves[batch.pk]
        rows.append(
            BatchFigures(
                batch_id=batch.pk,
                market_name=batch.market.name,
                period_start=batch.period_start,
                period_end=batch.period_end,
                status=batch.status,
                payouts_paid=listed[PayoutStatus.PAID],
                payouts_pending=listed[PayoutStatus.PENDING],
                sellers_owing=listed[PayoutStatus.OWING],
                sellers=listed["count"],
                received=received,
                paid=paid,
                between_villages=between,
            )
        )
    return rows, BatchCounts(
        total=_int(counts["total"]), open=_int(counts["open"]), paid=_int(counts["paid"])
    )


# --- Pages --------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarketsOverview:
    markets: list[MarketSummary]  # oldest first
    total: AidFigures  # every village of a market, each once


def market_summaries() -> MarketsOverview:
    """Every market with its villages' aid added up, oldest first, and the total of all
    villages in a market (each once, even when it is in two markets); five queries."""
    markets = list(Market.objects.order_by("created_at", "pk").values("pk", "name", "slug"))
    members: dict[int, list[int]] = defaultdict(list)
    for market_id, village_id in MarketVillage.objects.values_list("market_id", "village_id"):
        members[market_id].append(village_id)
    figures, _months = aid_by_village(None)
    in_markets = {v for villages in members.values() for v in villages}
    summaries = [
        MarketSummary(
            market_id=row["pk"],
            name=row["name"],
            slug=row["slug"],
            villages=len(members[row["pk"]]),
            aid=_total(figures.get(v, AidFigures()) for v in members[row["pk"]]),
        )
        for row in markets
    ]
    return MarketsOverview(
        markets=summaries,
        total=_total(figures.get(v, AidFigures()) for v in sorted(in_markets)),
    )


def market_transparency(*, market: Market) -> Transparency:
    """A market's figures: its villages' aid, each village's and by month; the BUMDes of its
    villages; its settlement batches. Twelve queries, whatever the data."""
    villages = list(
        Village.objects.filter(market_memberships__market=market)
        .order_by("name", "pk")
        .values("pk", "name", "slug")
    )
    ids = [row["pk"] for row in villages]
    figures, months = aid_by_village(ids, by_month=True)
    rows = [
        VillageAid(
            village_id=row["pk"],
            name=row["name"],
            slug=row["slug"],
            aid=figures.get(row["pk"], AidFigures()),
        )
        for row in villages
    ]
    batches, counts = batch_figures(SettlementBatch.objects.filter(market=market), ids)
    return Transparency(
        spent_at=spent_at(ids),
        aid=_total(row.aid for row in rows),
        villages=rows,
        months=_add_months(months.values()),
        bumdes=bumdes_figures(ids),
        batches=batches,
        batch_counts=counts,
    )


def village_transparency(*, village: Village) -> Transparency:
    """A village's figures: its programmes' aid, by month; its BUMDes (its own and those it
    shares); the settlement batches of its markets, as far as they concern it. Eleven
    queries, whatever the data."""
    figures, months = aid_by_village([village.pk], by_month=True)
    aid = figures.get(village.pk, AidFigures())
    batches, counts = batch_figures(
        SettlementBatch.objects.filter(market__memberships__village=village), [village.pk]
    )
    return Transparency(
        spent_at=spent_at([village.pk]),
        aid=aid,
        villages=[VillageAid(village_id=village.pk, name=village.name, slug=village.slug, aid=aid)],
        months=_add_months(months.values()),
        bumdes=bumdes_figures([village.pk]),
        batches=batches,
        batch_counts=counts,
    )


def markets_of_village(*, village: Village) -> list[Market]:
    """The markets the village trades in, for links (one query)."""
    return list(Market.objects.filter(memberships__village=village).order_by("created_at", "pk"))
