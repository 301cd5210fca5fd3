"""An official's aid report: what a programme issued, what was spent where, what is left.

Every figure is read from the ledger or from the charges that name ledger transfers, in a
fixed number of aggregate queries whatever the number of beneficiaries or payments:

- issued and expired: the wallets' ISSUE and EXPIRE entries (for one month, the transfers
  of that month: their key ``issue:<programme>:<month>:…`` or ``details.month``);
- spent, refunded and returned to the programme: the programme's voucher charges by status
  (for one month, the charges made within the month's dates); for the whole programme the
  same sums are also read from the in-flight account's entries, and ``reconciled`` says
  whether the two agree to the rupiah;
- outstanding: the sum of the programme's wallet balances now.

For the whole programme ``issued - spent - expired - returned_to_programme == outstanding``
(money refunded to wallets is no longer spent, so it sits in ``outstanding``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.exceptions import NotFound
from ledger.enums import AccountKind, TransferKind
from ledger.models import Account, Entry
from villages.enums import Role
from villages.models import MarketVillage, Village
from villages.selectors import get_village_for_role
from vouchers.enums import ChargeStatus
from vouchers.models import Issuance, Programme, VoucherCharge, VoucherChargeLine, Wallet
from vouchers.rules import add_months, month_start

# Who reads a village's aid reports: its officials (perangkat desa).
REPORT_READERS = frozenset({Role.VILLAGE_OFFICIAL})
# Sellers shown by name in the report's chart; the rest add up to one "others" bar.
TOP_SELLERS = 5


class ProgrammeNotFound(NotFound):
    code = "programme_not_found"

    def __init__(self) -> None:
        super().__init__(_("That aid programme is not one of this village's."))


class MonthOutOfRange(NotFound):
    code = "month_out_of_range"

    def __init__(self, months: int) -> None:
        super().__init__(_("The programme has no such month."), extra={"first": 1, "last": months})


@dataclass(frozen=True)
class Share:
    """Rupiah spent under one heading (a category, a seller, a village)."""

    key: str  # a stable id: the category slug, the seller id, the village slug, "others"
    label: str
    amount: int
    charges: int = 0
    village: str = ""  # the seller's village, for sellers
    village_id: int = 0
    own_village: bool = False
    in_market: bool = True


@dataclass(frozen=True)
class LedgerTotals:
    """The same figures as the ledger's entries give them, for the whole programme."""

    spent: int
    refunded: int
    returned_to_programme: int


@dataclass(frozen=True)
class ProgrammeReport:
    programme_id: int
    month: int | None  # None: the whole programme
    period_start: datetime.date
    period_end: datetime.date  # the first day after the period
    issued: int
    spent: int  # net: charges that stand
    refunded: int  # charges returned to the beneficiaries' wallets
    returned_to_programme: int  # charges returned to the programme fund
    expired: int
    outstanding: int  # in the programme's wallets now, whatever the period
    beneficiaries_issued: int
    beneficiaries_spending: int
    charges: int  # payments that stand
    spent_in_village: int  # at sellers of the programme's own village
    spent_in_market: int  # at sellers of a village of the programme's market
    by_category: list[Share] = field(default_factory=list)
    by_seller: list[Share] = field(default_factory=list)  # top sellers, then "others"
    sellers: list[Share] = field(default_factory=list)  # every seller, for exports
    by_village: list[Share] = field(default_factory=list)
    ledger: LedgerTotals | None = None  # whole programme only

    @property
    def spent_elsewhere(self) -> int:
        """Spent at sellers of other villages than the programme's."""
        return self.spent - self.spent_in_village

    @property
    def spent_outside_market(self) -> int:
        return self.spent - self.spent_in_market

    @property
    def in_village_percent(self) -> int:
        return percent(self.spent_in_village, self.spent)

    @property
    def in_market_percent(self) -> int:
        return percent(self.spent_in_market, self.spent)

    @property
    def spent_percent(self) -> int:
        return percent(self.spent, self.issued)

    @property
    def reconciled(self) -> bool | None:
        """Whether the books hold for the programme (None for one month): the charges add
        up to the ledger's entries, and what was issued and not spent, expired or returned
        is what the wallets hold (a transfer of another kind, e.g. a correction, breaks it).
        """
        if self.ledger is None:
            return None
        charges_match = self.ledger == LedgerTotals(
            spent=self.spent,
            refunded=self.refunded,
            returned_to_programme=self.returned_to_programme,
        )
        return charges_match and self.balance_check == self.outstanding

    @property
    def balance_check(self) -> int:
        """``issued - spent - expired - returned_to_programme``: equals ``outstanding``
        for the whole programme when the books hold."""
        return self.issued - self.spent - self.expired - self.returned_to_programme


def percent(part: int, whole: int) -> int:
    """``part`` as a whole percentage of ``whole``, rounded half up; 0 of nothing is 0."""
    if whole <= 0:
        return 0
    return (part * 200 + whole) // (whole * 2)


def get_programme_for_official(*, user: Any, village_slug: str, programme_id: int) -> Programme:
    """The programme if ``user`` is an official of its village, which the slug names.

    Raises ``VillageNotFound``/``NotAllowedForVillage`` for the village, and
    ``ProgrammeNotFound`` for a programme of another village.
    """
    village = get_village_for_role(user=user, slug=village_slug, roles=REPORT_READERS)
    programme = (
        Programme.objects.select_related("village", "market")
        .filter(village=village, pk=programme_id)
        .first()
    )
    if programme is None:
        raise ProgrammeNotFound()
    return programme


def _programmes_of(village: Village) -> QuerySet[Programme]:
    return (
        Programme.objects.filter(village=village)
        .select_related("village", "market")
        .annotate(issued_months=Count("issuances", distinct=True))
        .order_by("-first_month", "pk")
    )


def village_programmes(*, village: Village) -> Sequence[Programme]:
    """The village's programmes, newest first, each with ``issued_months`` (one query)."""
    return list(_programmes_of(village))


def get_village_programme(*, village: Village, programme_id: int) -> Programme:
    """The village's programme ``programme_id`` with ``issued_months``; else
    ``ProgrammeNotFound`` (also for another village's programme). One query."""
    programme = _programmes_of(village).filter(pk=programme_id).first()
    if programme is None:
        raise ProgrammeNotFound()
    return programme


@dataclass(frozen=True)
class MonthStatus:
    month: int
    starts: datetime.date
    issuance: Issuance | None

    @property
    def status(self) -> str:
        return self.issuance.status if self.issuance else "not_issued"


@dataclass(frozen=True)
class ProgrammeDetail:
    programme: Programme
    allowed_categories: list[str]
    months: list[MonthStatus]


def programme_detail(*, programme: Programme) -> ProgrammeDetail:
    """The programme's allowed categories and every month with its issuance (two queries)."""
    issuances = {i.month: i for i in Issuance.objects.filter(programme=programme)}
    return ProgrammeDetail(
        programme=programme,
        allowed_categories=list(
            programme.allowed_categories.order_by("name").values_list("name", flat=True)
        ),
        months=[
            MonthStatus(month=m, starts=month_start(programme, m), issuance=issuances.get(m))
            for m in range(1, programme.months + 1)
        ],
    )


def month_status(programme: Programme, month: int) -> MonthStatus:
    """One month with its issuance, if one was started; ``MonthOutOfRange`` otherwise."""
    check_month(programme, month)
    issuance = Issuance.objects.filter(programme=programme, month=month).first()
    return MonthStatus(month=month, starts=month_start(programme, month), issuance=issuance)


def check_month(programme: Programme, month: int) -> None:
    if not 1 <= month <= programme.months:
        raise MonthOutOfRange(programme.months)


def _aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _month_of_transfer(programme: Programme, kind: str, month: int) -> Q:
    """Transfers of ``kind`` booked for the programme's ``month`` (key or details)."""
    return Q(transfer__key__startswith=f"{kind}:{programme.pk}:{month}:") | Q(
        transfer__details__month=month
    )


def _int(value: Any) -> int:
    return int(value or 0)


def programme_report(programme: Programme, month: int | None = None) -> ProgrammeReport:
    """The report of ``programme``, whole or for one ``month`` (1-based); six queries.

    Raises ``MonthOutOfRange`` for a month the programme does not have.
    """
    if month is not None:
        check_month(programme, month)
        start = month_start(programme, month)
        end = add_months(start, 1)
    else:
        start = programme.first_month
        end = add_months(start, programme.months)
    wallet_ids = Wallet.objects.filter(programme=programme).values("pk")

    # 1. The ledger, read from the wallets' and the in-flight account's side, so that it
    # does not matter which kind a charge given back to the fund was booked as (REFUND or
    # EXPIRE, in flight → fund): only wallet EXPIRE entries are expiry.
    issue_q = Q(transfer__kind=TransferKind.ISSUE)
    expire_q = Q(transfer__kind=TransferKind.EXPIRE)
    if month is not None:
        issue_q &= _month_of_transfer(programme, "issue", month)
        expire_q &= _month_of_transfer(programme, "expire", month)
    in_flight = Q(account__kind=AccountKind.VOUCHER_IN_FLIGHT)
    wallet = Q(account__kind=AccountKind.BENEFICIARY_WALLET)
    given_back = Q(transfer__kind__in=[TransferKind.REFUND, TransferKind.EXPIRE])
    sums = Entry.objects.filter(
        Q(account__kind=AccountKind.VOUCHER_IN_FLIGHT, account__owner_id=programme.pk)
        | Q(account__kind=AccountKind.BENEFICIARY_WALLET, account__owner_id__in=wallet_ids)
    ).aggregate(
        issued=Coalesce(Sum("amount", filter=wallet & issue_q), 0),
        expired=Coalesce(Sum("amount", filter=wallet & expire_q), 0),
        spent_in=Coalesce(
            Sum("amount", filter=in_flight & Q(transfer__kind=TransferKind.SPEND)), 0
        ),
        given_back=Coalesce(Sum("amount", filter=in_flight & given_back), 0),
        refunded=Coalesce(Sum("amount", filter=wallet & Q(transfer__kind=TransferKind.REFUND)), 0),
        wallets_issued=Count("account", filter=wallet & issue_q, distinct=True),
    )
    ledger_totals = None
    if month is None:
        refunded = _int(sums["refunded"])
        returned = -_int(sums["given_back"]) - refunded
        ledger_totals = LedgerTotals(
            spent=_int(sums["spent_in"]) - refunded - returned,
            refunded=refunded,
            returned_to_programme=returned,
        )

    # 2. What is left in the wallets.
    outstanding = Account.objects.filter(
        kind=AccountKind.BENEFICIARY_WALLET, owner_id__in=wallet_ids
    ).aggregate(total=Coalesce(Sum("balance"), 0))["total"]

    # 3. The charges: spent, refunded, returned, who spent.
    charges = VoucherCharge.objects.filter(wallet__programme=programme)
    if month is not None:
        charges = charges.filter(created_at__gte=_aware(start), created_at__lt=_aware(end))
    stands = Q(status=ChargeStatus.CHARGED)
    totals = charges.aggregate(
        spent=Coalesce(Sum("amount", filter=stands), 0),
        refunded=Coalesce(Sum("amount", filter=Q(status=ChargeStatus.REFUNDED)), 0),
        returned=Coalesce(Sum("amount", filter=Q(status=ChargeStatus.RETURNED_TO_PROGRAMME)), 0),
        charges=Count("pk", filter=stands),
        spenders=Count("wallet", filter=stands, distinct=True),
    )

    # 4. By category.
    category_rows = (
        VoucherChargeLine.objects.filter(
            charge__in=charges.filter(stands).values("pk"),
        )
        .values("category__slug", "category__name")
        .annotate(total=Sum("amount"), count=Count("charge", distinct=True))
        .order_by("-total", "category__name")
    )
    by_category = [
        Share(
            key=row["category__slug"],
            label=row["category__name"],
            amount=_int(row["total"]),
            charges=row["count"],
        )
        for row in category_rows
    ]

    # 5. The market's villages, and 6. by seller (and so by village).
    market_villages = _market_village_ids(programme)
    seller_rows = (
        charges.filter(stands)
        .values("seller_id", "seller__name", "seller_village_id", "seller_village__name")
        .annotate(total=Sum("amount"), count=Count("pk"))
        .order_by("-total", "seller__name", "seller_id")
    )
    sellers = [
        Share(
            key=str(row["seller_id"]),
            label=row["seller__name"],
            amount=_int(row["total"]),
            charges=row["count"],
            village=row["seller_village__name"],
            village_id=row["seller_village_id"],
            own_village=row["seller_village_id"] == programme.village_id,
            in_market=row["seller_village_id"] in market_villages,
        )
        for row in seller_rows
    ]
    return ProgrammeReport(
        programme_id=programme.pk,
        month=month,
        period_start=start,
        period_end=end,
        issued=_int(sums["issued"]),
        spent=_int(totals["spent"]),
        refunded=_int(totals["refunded"]),
        returned_to_programme=_int(totals["returned"]),
        expired=-_int(sums["expired"]),
        outstanding=_int(outstanding),
        beneficiaries_issued=_int(sums["wallets_issued"]),
        beneficiaries_spending=_int(totals["spenders"]),
        charges=_int(totals["charges"]),
        spent_in_village=sum(s.amount for s in sellers if s.own_village),
        spent_in_market=sum(s.amount for s in sellers if s.in_market),
        by_category=by_category,
        by_seller=top_with_others(sellers, TOP_SELLERS),
        sellers=sellers,
        by_village=_by_village(sellers),
        ledger=ledger_totals,
    )


def _market_village_ids(programme: Programme) -> frozenset[int]:
    """The villages of the programme's market; its own village alone without one."""
    if programme.market_id is None:
        return frozenset({programme.village_id})
    return frozenset(
        MarketVillage.objects.filter(market_id=programme.market_id).values_list(
            "village_id", flat=True
        )
    ) | {programme.village_id}


def top_with_others(shares: list[Share], top: int) -> list[Share]:
    """The ``top`` largest shares (already sorted), then one "others" share for the rest."""
    if len(shares) <= top + 1:
        return list(shares)
    rest = shares[top:]
    others = Share(
        key="others",
        label=ngettext("%(count)d other seller", "%(count)d other sellers", len(rest))
        % {"count": len(rest)},
        amount=sum(s.amount for s in rest),
        charges=sum(s.charges for s in rest),
    )
    return [*shares[:top], others]


def _by_village(sellers: Iterable[Share]) -> list[Share]:
    """Sellers' shares added up by their village, the largest first."""
    villages: dict[int, Share] = {}
    for s in sellers:
        found = villages.get(s.village_id)
        villages[s.village_id] = Share(
            key=str(s.village_id),
            label=s.village,
            village=s.village,
            village_id=s.village_id,
            amount=s.amount + (found.amount if found else 0),
            charges=s.charges + (found.charges if found else 0),
            own_village=s.own_village,
            in_market=s.in_market,
        )
    return sorted(villages.values(), key=lambda v: (-v.amount, v.label))
