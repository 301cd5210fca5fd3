"""A BUMDes's profit each period, and the community's share of it.

Profit is the commission the BUMDes earned in the period (entries on its commission
account, by the time they were posted) less the costs it recorded for days of the period.
The community's share (its ``ProfitRule``, 50% unless set) goes from the commission
account to the community fund of its village — or, for a BUM Desa Bersama, is split among
the member villages' funds by its rule, to the rupiah. What is left is retained.

A period is closed once per BUMDes (unique period end; the share's transfer key names
both), and costs may not be recorded for a closed period, so a statement never changes.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError
from ledger import services as ledger
from ledger.enums import AccountKind, TransferKind
from ledger.models import Entry
from settlement.models import (
    BASIS_POINTS,
    BersamaSplit,
    BumdesCost,
    ProfitRule,
    ProfitShare,
    ProfitShareLine,
)
from settlement.services.clearing import period_bounds
from villages.enums import BumdesKind
from villages.models import Bumdes

DEFAULT_COMMUNITY_SHARE_BP = 5_000  # Desa Janti's rule: half the profit to the community
_NOT_EARNINGS = (TransferKind.COST, TransferKind.PROFIT_SHARE)


class CostInClosedPeriod(DomainError):
    code = "cost_in_closed_period"

    def __init__(self, closed_until: datetime.date) -> None:
        super().__init__(
            _("Profit up to %(date)s is already shared; record the cost on a later day.")
            % {"date": closed_until.isoformat()},
            extra={"closed_until": closed_until.isoformat()},
        )


class CostInFuture(DomainError):
    code = "cost_in_future"

    def __init__(self) -> None:
        super().__init__(_("A cost is recorded once it is spent, not before."))


class InvalidCost(DomainError):
    code = "invalid_cost"

    def __init__(self) -> None:
        super().__init__(_("A cost is a positive amount of rupiah with a description."))


class PeriodNotOver(DomainError):
    code = "period_not_over"

    def __init__(self) -> None:
        super().__init__(_("A period is closed once it is over."))


def month_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day of ``day``'s month."""
    first = day.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following - datetime.timedelta(days=1)


def rule_for(bumdes_id: int) -> ProfitRule:
    """The BUMDes's rule, or the default one (not saved) if it has none."""
    rule = ProfitRule.objects.filter(bumdes_id=bumdes_id).first()
    return rule or ProfitRule(bumdes_id=bumdes_id, community_share_bp=DEFAULT_COMMUNITY_SHARE_BP)


def split(total: int, weights: dict[int, int]) -> dict[int, int]:
    """``total`` rupiah shared by ``weights`` (village id → weight), summing to ``total``
    exactly: each gets its share rounded down, and the rupiah left over go one each to the
    largest remainders, ties to the lowest village id. Zero weights everywhere: equal."""
    if not weights:
        return {}
    if sum(weights.values()) <= 0:
        weights = dict.fromkeys(weights, 1)
    whole = sum(weights.values())
    amounts = {village: total * weight // whole for village, weight in weights.items()}
    left = total - sum(amounts.values())
    by_remainder = sorted(weights, key=lambda v: (-(total * weights[v] % whole), v))
    for village in by_remainder[:left]:
        amounts[village] += 1
    return amounts


def commissions_by_village(
    *, bumdes_id: int, period_start: datetime.date, period_end: datetime.date
) -> dict[int | None, int]:
    """Commission the BUMDes earned in the period, by the village of the seller that paid it."""
    begins, ends = period_bounds(period_start, period_end)
    rows = (
        Entry.objects.filter(
            account__kind=AccountKind.BUMDES_COMMISSION,
            account__owner_id=bumdes_id,
            transfer__created_at__gte=begins,
            transfer__created_at__lt=ends,
        )
        .exclude(transfer__kind__in=_NOT_EARNINGS)
        .values("transfer__village_id")
        .annotate(total=Sum("amount"))
        .values_list("transfer__village_id", "total")
    )
    return {village: int(total or 0) for village, total in rows}


def costs_in(*, bumdes_id: int, period_start: datetime.date, period_end: datetime.date) -> int:
    total = BumdesCost.objects.filter(
        bumdes_id=bumdes_id, spent_on__gte=period_start, spent_on__lte=period_end
    ).aggregate(total=Sum("amount"))["total"]
    return int(total or 0)


def closed_until(bumdes_id: int) -> datetime.date | None:
    """The last day of the BUMDes's last closed period, if any."""
    last: datetime.date | None = ProfitShare.objects.filter(bumdes_id=bumdes_id).aggregate(
        last=Max("period_end")
    )["last"]
    return last


def _lock_bumdes(bumdes_id: int) -> Bumdes:
    """Costs and closes of one BUMDes take turns (the row lock), so none slips past a close."""
    return Bumdes.objects.select_for_update().get(pk=bumdes_id)


def record_cost(
    *,
    acting_user: Any,
    bumdes_id: int,
    amount: int,
    description: str,
    spent_on: datetime.date,
    idempotency_key: str,
) -> tuple[BumdesCost, bool]:
    """Record a cost and post it (commission account → costs account), once per key.

    Returns (cost, True), or (the earlier cost, False) for a key seen before. The caller
    has checked that ``acting_user`` runs the BUMDes. Refuses a day in a closed period.
    """
    description = description.strip()
    if amount <= 0 or not description:
        raise InvalidCost()
    if spent_on > timezone.localdate():
        raise CostInFuture()
    earlier = BumdesCost.objects.filter(idempotency_key=idempotency_key).first()
    if earlier is not None:
        return earlier, False
    with transaction.atomic():
        bumdes = _lock_bumdes(bumdes_id)
        closed = closed_until(bumdes_id)
        if closed is not None and spent_on <= closed:
            raise CostInClosedPeriod(closed)
        try:
            with transaction.atomic():
                cost = BumdesCost.objects.create(
                    bumdes=bumdes,
                    amount=amount,
                    description=description[:200],
                    spent_on=spent_on,
                    recorded_by=acting_user,
                    idempotency_key=idempotency_key,
                )
        except IntegrityError:  # the same form, submitted twice at once
            return BumdesCost.objects.get(idempotency_key=idempotency_key), False
        ledger.move(
            key=f"cost:{cost.pk}",
            kind=TransferKind.COST,
            source=ledger.account(
                AccountKind.BUMDES_COMMISSION, bumdes.pk, village_id=bumdes.village_id
            ),
            destination=ledger.account(
                AccountKind.BUMDES_COSTS, bumdes.pk, village_id=bumdes.village_id
            ),
            amount=amount,
            village_id=bumdes.village_id,
            memo=description,
            details={
                "cost_id": cost.pk,
                "bumdes_id": bumdes.pk,
                "spent_on": spent_on.isoformat(),
                "recorded_by": acting_user.pk,
            },
        )
    return cost, True


def _member_villages(bumdes: Bumdes) -> list[int]:
    if bumdes.kind == BumdesKind.DESA and bumdes.village_id is not None:
        return [bumdes.village_id]
    return sorted(bumdes.member_villages.values_list("pk", flat=True))


def profit_key(bumdes_id: int, period_end: datetime.date) -> str:
    return f"profit:{bumdes_id}:{period_end.isoformat()}"


def close_profit_period(
    *, bumdes_id: int, period_start: datetime.date, period_end: datetime.date
) -> tuple[ProfitShare, bool]:
    """Close a period of a BUMDes: returns (share, True), or (the earlier share, False).

    Writes the ``ProfitShare`` (and a line per member village) and posts the community's
    share once; nothing when the profit is not positive. The period must be over.
    """
    if period_end >= timezone.localdate():
        raise PeriodNotOver()
    earlier = ProfitShare.objects.filter(bumdes_id=bumdes_id, period_end=period_end).first()
    if earlier is not None:
        return earlier, False
    with transaction.atomic():
        bumdes = _lock_bumdes(bumdes_id)
        earlier = ProfitShare.objects.filter(bumdes_id=bumdes_id, period_end=period_end).first()
        if earlier is not None:  # closed while we waited for the lock
            return earlier, False
        rule = rule_for(bumdes_id)
        earned = commissions_by_village(
            bumdes_id=bumdes_id, period_start=period_start, period_end=period_end
        )
        commissions = sum(earned.values())
        costs = costs_in(bumdes_id=bumdes_id, period_start=period_start, period_end=period_end)
        profit = commissions - costs
        community = profit * rule.community_share_bp // BASIS_POINTS if profit > 0 else 0
        members = _member_villages(bumdes)
        if rule.bersama_split == BersamaSplit.BY_TRANSACTIONS:
            weights = {v: max(earned.get(v, 0), 0) for v in members}
        else:
            weights = dict.fromkeys(members, 1)
        amounts = split(community, weights)
        share = ProfitShare.objects.create(
            bumdes=bumdes,
            period_start=period_start,
            period_end=period_end,
            commissions=commissions,
            costs=costs,
            profit=profit,
            community_share_bp=rule.community_share_bp,
            community_share=community,
            retained=profit - community,
            transfer_key=profit_key(bumdes_id, period_end) if community else "",
        )
        ProfitShareLine.objects.bulk_create(
            [
                ProfitShareLine(share=share, village_id=v, weight=weights[v], amount=amounts[v])
                for v in members
            ]
        )
        if community:
            _post_share(bumdes, share, amounts)
    return share, True


def _post_share(bumdes: Bumdes, share: ProfitShare, amounts: dict[int, int]) -> None:
    funds = ledger.open_accounts(AccountKind.COMMUNITY_FUND, [(v, v) for v in amounts])
    source = ledger.account(AccountKind.BUMDES_COMMISSION, bumdes.pk, village_id=bumdes.village_id)
    legs = [(source.pk, -share.community_share)] + [
        (funds[v].pk, amount) for v, amount in sorted(amounts.items()) if amount
    ]
    ledger.post(
        ledger.TransferDraft(
            key=share.transfer_key,
            kind=TransferKind.PROFIT_SHARE,
            legs=tuple(legs),
            village_id=bumdes.village_id,
            memo=f"{bumdes.slug} {share.period_start}..{share.period_end}",
            details={
                "profit_share_id": share.pk,
                "bumdes_id": bumdes.pk,
                "period_start": share.period_start.isoformat(),
                "period_end": share.period_end.isoformat(),
                "profit": share.profit,
                "community_share": share.community_share,
                "lines": {str(v): a for v, a in sorted(amounts.items())},
            },
        )
    )


def close_month(*, day_in_month: datetime.date) -> list[int]:
    """Close the month of ``day_in_month`` for every BUMDes; ids of new shares (beat)."""
    start, end = month_of(day_in_month)
    created = []
    for bumdes_id in Bumdes.objects.order_by("pk").values_list("pk", flat=True):
        share, new = close_profit_period(bumdes_id=bumdes_id, period_start=start, period_end=end)
        if new:
            created.append(share.pk)
    return created
