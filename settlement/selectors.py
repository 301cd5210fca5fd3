"""Reads for the settlement pages and statements: batches, payouts, statements, profit.

Tenant checks go through ``villages.tenancy`` (via ``get_village_for_role``); every read
after that is scoped to the village it returns. Each list is a fixed number of queries.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from core.exceptions import NotFound
from ledger.enums import AccountKind
from ledger.models import Account, Entry
from settlement.enums import PostingStatus
from settlement.models import (
    BumdesCost,
    Payout,
    PayoutStatus,
    Posting,
    ProfitShare,
    SettlementBatch,
    VillageTransfer,
)
from settlement.services.clearing import period_bounds
from settlement.services.profit import closed_until, rule_for
from villages.models import Bumdes, Seller, Village
from villages.selectors import get_village_for_role
from villages.tenancy import SELLER_MANAGERS, VILLAGE_STEWARDS

# Who runs a village's settlement and profit sharing (pays, records costs, closes): its
# BUMDes admins. Who may read it (pages and statements): they and the village's officials.
SETTLEMENT_ROLES = SELLER_MANAGERS
SETTLEMENT_READERS = VILLAGE_STEWARDS
BATCHES_SHOWN = 60


class BatchNotFound(NotFound):
    code = "batch_not_found"

    def __init__(self) -> None:
        super().__init__(_("That settlement is not one of your village's markets."))


class StatementSellerNotFound(NotFound):
    code = "statement_seller_not_found"

    def __init__(self) -> None:
        super().__init__(_("That seller does not sell in your village."))


class ProfitShareNotFound(NotFound):
    code = "profit_share_not_found"

    def __init__(self) -> None:
        super().__init__(_("That profit period is not one of your BUMDes's."))


def get_village_for_settlement(*, user: Any, slug: str, acting: bool = True) -> Village:
    """The village if ``user`` is one of its BUMDes admins (or a platform admin); to read
    only (``acting=False``), one of its officials will do too."""
    roles = SETTLEMENT_ROLES if acting else SETTLEMENT_READERS
    return get_village_for_role(user=user, slug=slug, roles=roles)


@dataclass
class BatchSummary:
    batch: SettlementBatch
    to_pay: int = 0
    paid: int = 0
    owing: int = 0
    pending_count: int = 0
    incoming: int = 0  # net clearing owed to the village
    outgoing: int = 0  # net clearing the village owes


def batches_for_village(*, village: Village, limit: int = BATCHES_SHOWN) -> list[BatchSummary]:
    """The latest batches of the village's markets, with the village's part of each:
    three queries for any number of batches."""
    batches = list(
        SettlementBatch.objects.filter(market__memberships__village=village)
        .select_related("market")
        .order_by("-period_end", "market_id")[:limit]
    )
    summaries = {b.pk: BatchSummary(batch=b) for b in batches}
    totals = (
        Payout.objects.filter(batch_id__in=list(summaries), village=village)
        .values("batch_id", "status")
        .annotate(total=Sum("amount"), count=Count("pk"))
    )
    for row in totals:
        summary = summaries[row["batch_id"]]
        if row["status"] == PayoutStatus.PENDING:
            summary.to_pay = row["total"]
            summary.pending_count = row["count"]
        elif row["status"] == PayoutStatus.PAID:
            summary.paid = row["total"]
        elif row["status"] == PayoutStatus.OWING:
            summary.owing = row["total"]
    for transfer in VillageTransfer.objects.filter(batch_id__in=list(summaries)).filter(
        Q(from_village=village) | Q(to_village=village)
    ):
        summary = summaries[transfer.batch_id]
        if transfer.to_village_id == village.pk:
            summary.incoming += transfer.amount
        else:
            summary.outgoing += transfer.amount
    return list(summaries.values())


def get_batch_for_village(*, village: Village, batch_id: int) -> SettlementBatch:
    """A batch of one of the village's markets; ``BatchNotFound`` otherwise."""
    batch = (
        SettlementBatch.objects.select_related("market")
        .filter(pk=batch_id, market__memberships__village=village)
        .first()
    )
    if batch is None:
        raise BatchNotFound()
    return batch


def payouts_of_village(*, batch: SettlementBatch, village: Village) -> QuerySet[Payout]:
    return (
        Payout.objects.filter(batch=batch, village=village)
        .select_related("seller", "paid_by")
        .order_by("seller__name", "pk")
    )


def transfers_of_village(*, batch: SettlementBatch, village: Village) -> QuerySet[VillageTransfer]:
    return (
        VillageTransfer.objects.filter(batch=batch)
        .filter(Q(from_village=village) | Q(to_village=village))
        .select_related("from_village", "to_village")
        .order_by("pk")
    )


def get_seller_of_village(*, village: Village, seller_slug: str) -> Seller:
    seller = Seller.objects.filter(village=village, slug=seller_slug).first()
    if seller is None:
        raise StatementSellerNotFound()
    return seller


@dataclass
class StatementLine:
    when: datetime.datetime
    kind: str
    reference: str
    gross: int | None
    commission: int | None
    amount: int  # the change in the seller's payable


@dataclass
class SellerStatement:
    seller: Seller
    batch: SettlementBatch
    opening: int
    lines: list[StatementLine]
    closing: int
    payout: Payout | None

    @property
    def movement(self) -> int:
        return sum(line.amount for line in self.lines)


def seller_statement(*, batch: SettlementBatch, seller: Seller) -> SellerStatement:
    """The seller's payable over the batch's period, from the ledger: opening balance,
    each entry (sale, commission, payout), closing balance; and the batch's payout."""
    begins, ends = period_bounds(batch.period_start, batch.period_end)
    account = Account.objects.filter(kind=AccountKind.SELLER_PAYABLE, owner_id=seller.pk).first()
    lines: list[StatementLine] = []
    opening = 0
    if account is not None:
        opening = int(
            Entry.objects.filter(account=account, transfer__created_at__lt=begins).aggregate(
                s=Sum("amount")
            )["s"]
            or 0
        )
        entries = (
            Entry.objects.filter(
                account=account,
                transfer__created_at__gte=begins,
                transfer__created_at__lt=ends,
            )
            .select_related("transfer")
            .order_by("transfer__created_at", "pk")
        )
        for entry in entries:
            details = entry.transfer.details
            lines.append(
                StatementLine(
                    when=entry.transfer.created_at,
                    kind=str(entry.transfer.get_kind_display()),
                    reference=entry.transfer.key,
                    gross=details.get("amount"),
                    commission=details.get("commission"),
                    amount=entry.amount,
                )
            )
    payout = Payout.objects.filter(batch=batch, seller=seller).first()
    return SellerStatement(
        seller=seller,
        batch=batch,
        opening=opening,
        lines=lines,
        closing=opening + sum(line.amount for line in lines),
        payout=payout,
    )


@dataclass
class VillageStatement:
    village: Village
    batch: SettlementBatch
    payouts: list[Payout]
    transfers: list[VillageTransfer]
    totals: dict[str, int] = field(default_factory=dict)


def village_statement(*, batch: SettlementBatch, village: Village) -> VillageStatement:
    payouts = list(payouts_of_village(batch=batch, village=village))
    transfers = list(transfers_of_village(batch=batch, village=village))
    totals: dict[str, int] = defaultdict(int)
    for payout in payouts:
        totals[str(payout.status)] += payout.amount
    for transfer in transfers:
        if transfer.to_village_id == village.pk:
            totals["incoming"] += transfer.amount
        else:
            totals["outgoing"] += transfer.amount
    totals["net_clearing"] = totals["incoming"] - totals["outgoing"]
    return VillageStatement(
        village=village, batch=batch, payouts=payouts, transfers=transfers, totals=dict(totals)
    )


# --- Profit sharing -----------------------------------------------------------------------


def bumdes_of_village(*, village: Village) -> list[Bumdes]:
    """The BUMDes the village's admins run: its own, and the BUM Desa Bersama it is in."""
    return list(
        Bumdes.objects.filter(Q(village=village) | Q(member_villages=village))
        .distinct()
        .order_by("kind", "pk")
    )


@dataclass
class BumdesProfitPage:
    bumdes: Bumdes
    community_share_bp: int
    bersama_split: str
    costs: list[BumdesCost]
    shares: list[ProfitShare]
    closed_until: datetime.date | None
    commission_balance: int

    @property
    def community_share_percent(self) -> str:
        return f"{self.community_share_bp / 100:g}%"


def profit_pages(*, village: Village, costs_shown: int = 50) -> list[BumdesProfitPage]:
    pages = []
    for bumdes in bumdes_of_village(village=village):
        rule = rule_for(bumdes.pk)
        account = Account.objects.filter(
            kind=AccountKind.BUMDES_COMMISSION, owner_id=bumdes.pk
        ).first()
        pages.append(
            BumdesProfitPage(
                bumdes=bumdes,
                community_share_bp=rule.community_share_bp,
                bersama_split=str(rule.get_bersama_split_display()),
                costs=list(
                    BumdesCost.objects.filter(bumdes=bumdes)
                    .select_related("recorded_by")
                    .order_by("-spent_on", "-pk")[:costs_shown]
                ),
                shares=list(
                    ProfitShare.objects.filter(bumdes=bumdes)
                    .prefetch_related("lines__village")
                    .order_by("-period_end")[:24]
                ),
                closed_until=closed_until(bumdes.pk),
                commission_balance=account.balance if account else 0,
            )
        )
    return pages


def get_bumdes_for_village(*, village: Village, bumdes_id: int) -> Bumdes:
    for bumdes in bumdes_of_village(village=village):
        if bumdes.pk == bumdes_id:
            return bumdes
    raise ProfitShareNotFound()


def get_share_for_village(*, village: Village, share_id: int) -> ProfitShare:
    share = (
        ProfitShare.objects.select_related("bumdes")
        .prefetch_related("lines__village")
        .filter(pk=share_id)
        .filter(Q(bumdes__village=village) | Q(bumdes__member_villages=village))
        .distinct()
        .first()
    )
    if share is None:
        raise ProfitShareNotFound()
    return share


def costs_of_share(*, share: ProfitShare) -> list[BumdesCost]:
    return list(
        BumdesCost.objects.filter(
            bumdes_id=share.bumdes_id,
            spent_on__gte=share.period_start,
            spent_on__lte=share.period_end,
        ).order_by("spent_on", "pk")
    )


# --- A seller's own payouts (the seller dashboard) ----------------------------------------


def payouts_of_seller(*, seller: Seller) -> QuerySet[Payout]:
    """Every payout listed for the seller, newest batch first (for a paginated page)."""
    return (
        Payout.objects.filter(seller=seller)
        .select_related("batch__market")
        .order_by("-batch__period_end", "-batch_id", "-pk")
    )


def get_batch_for_seller(*, seller: Seller, batch_id: int) -> SettlementBatch:
    """A batch of a market of the seller's village; ``BatchNotFound`` otherwise, so a seller
    never reaches another village's settlement through its own statement links."""
    batch = (
        SettlementBatch.objects.select_related("market")
        .filter(pk=batch_id, market__memberships__village_id=seller.village_id)
        .first()
    )
    if batch is None:
        raise BatchNotFound()
    return batch


@dataclass
class UnbatchedSales:
    """What the seller sold since the last batch of its village's markets listed payouts."""

    since: datetime.datetime | None  # when that batch was closed; None: never
    count: int  # sales posted to the ledger since
    amount: int  # what the next batch will list: positive, owed to the seller; negative, owed

    @property
    def seller_owes(self) -> int:
        """The commission the seller owes the BUMDes (sales it was paid for directly)."""
        return max(-self.amount, 0)


def unbatched_sales(*, seller: Seller) -> UnbatchedSales:
    """Four queries whatever the seller's history.

    A batch lists the seller's payable less what earlier batches still list to pay
    (``clearing._list_payouts``); the same difference now is what the next batch will list.
    """
    since = SettlementBatch.objects.filter(
        market__memberships__village_id=seller.village_id
    ).aggregate(latest=Max("created_at"))["latest"]
    balance = (
        Account.objects.filter(kind=AccountKind.SELLER_PAYABLE, owner_id=seller.pk)
        .values_list("balance", flat=True)
        .first()
    ) or 0
    listed = (
        (
            Payout.objects.filter(seller=seller, status=PayoutStatus.PENDING).aggregate(
                total=Sum("amount")
            )["total"]
        )
        or 0
    )
    sales = Posting.objects.filter(status=PostingStatus.POSTED).filter(
        Q(fulfilment__seller=seller) | Q(counter_sale__seller=seller)
    )
    if since is not None:
        sales = sales.filter(posted_at__gt=since)
    return UnbatchedSales(since=since, count=sales.count(), amount=int(balance) - int(listed))
