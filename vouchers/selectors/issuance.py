"""Reading a programme's months for its officials: what was issued, and how far it got.

Every read here is permission-checked through ``villages.tenancy.scope_for`` and runs a
fixed number of queries whatever the number of months or beneficiaries.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from core.exceptions import NotFound
from core.exceptions import PermissionDenied as DomainPermissionDenied
from villages.enums import Role
from villages.tenancy import scope_for
from vouchers import rules
from vouchers.enums import IssuanceStatus, ProgrammeStatus
from vouchers.models import Beneficiary, Issuance, Programme

# Who runs a programme's issuance: the perangkat desa of its village (and platform admins).
ISSUERS = frozenset({Role.VILLAGE_OFFICIAL})


@dataclass(frozen=True)
class MonthProgress:
    """One month of a programme as its page shows it."""

    month: int
    starts_on: datetime.date
    issuance: Issuance | None
    due: bool  # its first day has come and it was not issued yet

    @property
    def state(self) -> str:
        """``not_issued`` or an ``IssuanceStatus`` value."""
        return self.issuance.status if self.issuance else "not_issued"

    @property
    def percent(self) -> int:
        if self.issuance is None:
            return 0
        if self.issuance.status == IssuanceStatus.DONE:
            return 100
        if not self.issuance.total:
            return 0
        return min(100, self.issuance.done * 100 // self.issuance.total)

    @property
    def in_progress(self) -> bool:
        return self.state in (IssuanceStatus.QUEUED, IssuanceStatus.RUNNING)


@dataclass(frozen=True)
class ProgrammeOverview:
    programme: Programme
    category_names: list[str]
    months: list[MonthProgress]
    next_due: MonthProgress | None  # the month the "issue" button offers
    active_beneficiaries: int
    current_month: int | None

    @property
    def in_progress(self) -> bool:
        return any(month.in_progress for month in self.months)


def get_programme_for_issuer(*, user: Any, village_slug: str, programme_id: int) -> Programme:
    """The programme ``programme_id`` of the village ``village_slug``, if ``user`` is one of
    its officials. Raises ``NotFound`` (unknown, or of another village) and
    ``PermissionDenied``. One query (plus the person's scope, read once per request)."""
    programme = (
        Programme.objects.select_related("village", "market")
        .filter(pk=programme_id, village__slug=village_slug)
        .first()
    )
    if programme is None:
        raise NotFound("programme not found")
    if not scope_for(user).has_role(programme.village_id, ISSUERS):
        raise DomainPermissionDenied("not an official of this village")
    return programme


def months_of(
    programme: Programme, issuances: Iterable[Issuance], today: datetime.date
) -> list[MonthProgress]:
    by_month = {issuance.month: issuance for issuance in issuances}
    # After the programme's end nothing more is issued (its money expires).
    elapsed = months_elapsed(programme, today) if today < rules.programme_end(programme) else 0
    return [
        MonthProgress(
            month=month,
            starts_on=rules.month_start(programme, month),
            issuance=by_month.get(month),
            due=month not in by_month and month <= elapsed,
        )
        for month in range(1, programme.months + 1)
    ]


def months_elapsed(programme: Programme, today: datetime.date) -> int:
    """How many of the programme's months have begun by ``today`` (0 before it starts)."""
    first = programme.first_month
    index = (today.year - first.year) * 12 + today.month - first.month + 1
    return max(0, min(programme.months, index))


def programme_overview(
    *, programme: Programme, today: datetime.date | None = None
) -> ProgrammeOverview:
    """The programme's terms and months with their issuance state. Three queries."""
    today = today or timezone.localdate()
    issuances = list(Issuance.objects.filter(programme=programme).order_by("month"))
    months = months_of(programme, issuances, today)
    next_due = None
    if programme.status == ProgrammeStatus.ACTIVE:
        next_due = next((month for month in months if month.due), None)
    active = Beneficiary.objects.filter(village_id=programme.village_id, is_active=True).count()
    return ProgrammeOverview(
        programme=programme,
        category_names=list(
            programme.allowed_categories.order_by("name").values_list("name", flat=True)
        ),
        months=months,
        next_due=next_due,
        active_beneficiaries=active,
        current_month=rules.current_month(programme, today),
    )


def month_progress(
    *, programme: Programme, month: int, today: datetime.date | None = None
) -> MonthProgress:
    """One month's progress; ``NotFound`` outside 1..months. One query."""
    if not 1 <= month <= programme.months:
        raise NotFound("no such month")
    today = today or timezone.localdate()
    issuance = Issuance.objects.filter(programme=programme, month=month).first()
    return months_of(programme, [issuance] if issuance else [], today)[month - 1]
