"""What a voucher may pay for: the same rules online and at the counter.

A programme's voucher pays a line only if the line's category is one the programme allows
and the seller is inside its scope (its own village, or a village of its market), and only
while the programme is active and running. Delivery fees are never payable by voucher.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from villages.models import MarketVillage
from vouchers.enums import ProgrammeScope, ProgrammeStatus
from vouchers.models import Programme


def add_months(first: datetime.date, months: int) -> datetime.date:
    """The 1st of the month ``months`` after ``first`` (itself a 1st)."""
    index = first.year * 12 + first.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_start(programme: Programme, month: int) -> datetime.date:
    """The first day of the programme's ``month`` (1-based)."""
    return add_months(programme.first_month, month - 1)


def programme_end(programme: Programme) -> datetime.date:
    """The first day after the programme's last month."""
    return add_months(programme.first_month, programme.months)


def current_month(programme: Programme, today: datetime.date | None = None) -> int | None:
    """Which month of the programme ``today`` falls in (1-based), or None outside it."""
    today = today or timezone.localdate()
    first = programme.first_month
    index = (today.year - first.year) * 12 + today.month - first.month + 1
    return index if 1 <= index <= programme.months else None


@dataclass(frozen=True)
class ProgrammeRules:
    """A programme's rules, loaded once per checkout or counter sale (two queries)."""

    programme_id: int
    allowed_category_ids: frozenset[int]
    village_ids: frozenset[int]  # sellers of these villages are inside the scope
    spendable: bool

    @classmethod
    def load(cls, programme: Programme, today: datetime.date | None = None) -> ProgrammeRules:
        if programme.scope == ProgrammeScope.MARKET and programme.market_id:
            villages = frozenset(
                MarketVillage.objects.filter(market_id=programme.market_id).values_list(
                    "village_id", flat=True
                )
            )
        else:
            villages = frozenset({programme.village_id})
        return cls(
            programme_id=programme.pk,
            allowed_category_ids=frozenset(
                programme.allowed_categories.values_list("pk", flat=True)
            ),
            village_ids=villages,
            spendable=programme.status == ProgrammeStatus.ACTIVE
            and current_month(programme, today) is not None,
        )

    def refusal(self, *, category_id: int, seller_village_id: int) -> Promise | None:
        """Why the voucher may not pay a line, in words for the buyer; None if it may."""
        if not self.spendable:
            return _("The aid programme is not running now.")
        if seller_village_id not in self.village_ids:
            return _("This seller is outside the area where the voucher may be spent.")
        if category_id not in self.allowed_category_ids:
            return _("The voucher pays only for staple food.")
        return None
