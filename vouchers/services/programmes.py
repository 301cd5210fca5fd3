"""Setting up a village's BLT programme: its terms, and its status from draft to closed.

Only the village's officials (``Role.VILLAGE_OFFICIAL``) and platform admins set up
programmes. The terms that decide how much money a month moves (the amount, the number of
months and the first month) are fixed once a month has been issued (an ``Issuance`` row
exists); the programme row is locked while that is checked, so an edit and an issuance
cannot cross.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import Category
from core.exceptions import DomainError
from villages.models import Market, MarketVillage
from vouchers.enums import AidEventKind, ExpiryRule, ProgrammeScope, ProgrammeStatus
from vouchers.models import Issuance, Programme
from vouchers.rules import programme_end
from vouchers.selectors.programmes import ProgrammeNotFound
from vouchers.services import audit
from vouchers.services.registry import ensure_official

MAX_AMOUNT_PER_MONTH = 100_000_000  # anything above is a typo for a household's month
MIN_MONTHS, MAX_MONTHS = 1, 24
NAME_MAX_LENGTH = 150

# The one place the programme's life is declared: draft → active → closed.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    ProgrammeStatus.DRAFT: frozenset({ProgrammeStatus.ACTIVE}),
    ProgrammeStatus.ACTIVE: frozenset({ProgrammeStatus.CLOSED}),
    ProgrammeStatus.CLOSED: frozenset(),
}
# Terms fixed once a month has been issued: issued months are counted from the first month
# and were credited at the amount.
TERMS_FIXED_BY_ISSUANCE = ("amount_per_month", "months", "first_month")


class ProgrammeStatusRefused(DomainError):
    code = "programme_status_refused"


class ProgrammeClosed(DomainError):
    code = "programme_closed"

    def __init__(self) -> None:
        super().__init__(gettext_lazy("A closed programme can no longer be changed."))


@dataclass(frozen=True)
class ProgrammeTerms:
    """The cleaned terms of a programme, as create and update take them."""

    name: str
    amount_per_month: int
    first_month: datetime.date
    months: int
    allowed_categories: list[Category]
    scope: str
    market_id: int | None
    expiry_rule: str


# The terms an event records, as JSON-ready values.
RECORDED_TERMS = (
    "name",
    "amount_per_month",
    "first_month",
    "months",
    "scope",
    "expiry_rule",
)


def _market_name(market_id: int | None) -> str | None:
    if market_id is None:
        return None
    return Market.objects.filter(pk=market_id).values_list("name", flat=True).first()


def _term_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.date) else value


def _category_names(categories: Iterable[Category]) -> list[str]:
    return sorted(category.name for category in categories)


def validate_programme_terms(
    *,
    village_id: int,
    name: str,
    amount_per_month: int,
    first_month: datetime.date,
    months: int,
    allowed_category_ids: Iterable[int],
    scope: str,
    market_id: int | None,
    expiry_rule: str,
) -> ProgrammeTerms:
    """The terms, cleaned; raises ``ValidationError`` keyed by field.

    Rules: a name; a whole amount above zero (at most ``MAX_AMOUNT_PER_MONTH``); 1 to 24
    months; at least one allowed category, all of them staple food; the market, for a
    market scope, one the village belongs to (none for a village scope); a known expiry
    rule. ``first_month`` is taken as its month (the 1st).
    """
    errors: dict[str, list[str]] = {}
    clean_name = " ".join((name or "").split())
    if not clean_name:
        errors["name"] = [_("Enter the programme's name.")]
    elif len(clean_name) > NAME_MAX_LENGTH:
        errors["name"] = [_("At most %(max)s characters.") % {"max": NAME_MAX_LENGTH}]
    if isinstance(amount_per_month, bool) or not isinstance(amount_per_month, int):
        errors["amount_per_month"] = [_("Enter a whole number of rupiah, e.g. 300.000.")]
    elif not 0 < amount_per_month <= MAX_AMOUNT_PER_MONTH:
        errors["amount_per_month"] = [
            _("Enter an amount above zero and at most %(max)s.")
            % {"max": f"Rp{MAX_AMOUNT_PER_MONTH:,}".replace(",", ".")}
        ]
    if not MIN_MONTHS <= months <= MAX_MONTHS:
        errors["months"] = [
            _("A programme runs from %(min)s to %(max)s months.")
            % {"min": MIN_MONTHS, "max": MAX_MONTHS}
        ]
    wanted = set(allowed_category_ids)
    categories = list(Category.objects.filter(pk__in=wanted, is_staple=True).order_by("pk"))
    if not wanted:
        errors["allowed_categories"] = [_("Choose at least one category.")]
    elif len(categories) != len(wanted):
        errors["allowed_categories"] = [_("Only staple food categories may be paid by voucher.")]
    if scope == ProgrammeScope.MARKET:
        if market_id is None:
            errors["market"] = [_("Choose the market where the voucher may be spent.")]
        elif not MarketVillage.objects.filter(market_id=market_id, village_id=village_id).exists():
            errors["market"] = [_("The village is not part of that market.")]
    elif scope == ProgrammeScope.VILLAGE:
        market_id = None
    else:
        errors["scope"] = [_("Choose where the voucher may be spent.")]
    if expiry_rule not in ExpiryRule.values:
        errors["expiry_rule"] = [_("Choose what happens to unspent money.")]
    if errors:
        raise ValidationError(errors)
    return ProgrammeTerms(
        name=clean_name,
        amount_per_month=amount_per_month,
        first_month=first_month.replace(day=1),
        months=months,
        allowed_categories=categories,
        scope=scope,
        market_id=market_id,
        expiry_rule=expiry_rule,
    )


def create_programme(
    *,
    acting_user: Any,
    village_id: int,
    name: str,
    amount_per_month: int,
    first_month: datetime.date,
    months: int = 8,
    allowed_category_ids: Iterable[int],
    scope: str,
    market_id: int | None = None,
    expiry_rule: str = ExpiryRule.PROGRAMME_END,
) -> Programme:
    """Open a programme of the village, as a draft (nothing is issued from a draft).

    Raises ``NotAllowedForVillage`` or ``ValidationError`` (see ``validate_programme_terms``);
    nothing is written then. Writes one ``PROGRAMME_CREATED`` event with the terms.
    """
    ensure_official(acting_user, village_id)
    terms = validate_programme_terms(
        village_id=village_id,
        name=name,
        amount_per_month=amount_per_month,
        first_month=first_month,
        months=months,
        allowed_category_ids=allowed_category_ids,
        scope=scope,
        market_id=market_id,
        expiry_rule=expiry_rule,
    )
    with transaction.atomic(durable=True):
        programme = Programme.objects.create(
            village_id=village_id,
            name=terms.name,
            amount_per_month=terms.amount_per_month,
            first_month=terms.first_month,
            months=terms.months,
            scope=terms.scope,
            market_id=terms.market_id,
            expiry_rule=terms.expiry_rule,
            status=ProgrammeStatus.DRAFT,
            created_by=acting_user if getattr(acting_user, "pk", None) else None,
        )
        programme.allowed_categories.set(terms.allowed_categories)
        audit.record_event(
            village_id=village_id,
            kind=AidEventKind.PROGRAMME_CREATED,
            acting_user=acting_user,
            programme_id=programme.pk,
            details={
                "terms": {term: _term_value(getattr(terms, term)) for term in RECORDED_TERMS},
                "market": _market_name(terms.market_id),
                "allowed_categories": _category_names(terms.allowed_categories),
            },
        )
    return programme


def _locked_programme(*, village_id: int, programme_id: int) -> Programme:
    programme = (
        Programme.objects.select_for_update().filter(village_id=village_id, pk=programme_id).first()
    )
    if programme is None:
        raise ProgrammeNotFound()
    return programme


def update_programme(
    *,
    acting_user: Any,
    village_id: int,
    programme_id: int,
    name: str,
    amount_per_month: int,
    first_month: datetime.date,
    months: int,
    allowed_category_ids: Iterable[int],
    scope: str,
    market_id: int | None = None,
    expiry_rule: str,
) -> Programme:
    """Change a programme's terms.

    Raises ``NotAllowedForVillage``, ``ProgrammeNotFound`` (another village's id),
    ``ProgrammeClosed``, or ``ValidationError`` keyed by field, also when the amount, the
    number of months or the first month would change after a month was issued. The
    programme row is locked while this is checked and written. A change writes one
    ``PROGRAMME_UPDATED`` event with each changed term, before and after (categories
    added and removed); the same terms again change and record nothing.
    """
    ensure_official(acting_user, village_id)
    terms = validate_programme_terms(
        village_id=village_id,
        name=name,
        amount_per_month=amount_per_month,
        first_month=first_month,
        months=months,
        allowed_category_ids=allowed_category_ids,
        scope=scope,
        market_id=market_id,
        expiry_rule=expiry_rule,
    )
    with transaction.atomic(durable=True):
        programme = _locked_programme(village_id=village_id, programme_id=programme_id)
        if programme.status == ProgrammeStatus.CLOSED:
            raise ProgrammeClosed()
        changed_terms = [
            term
            for term in TERMS_FIXED_BY_ISSUANCE
            if getattr(programme, term) != getattr(terms, term)
        ]
        if changed_terms and Issuance.objects.filter(programme=programme).exists():
            message = _("A month has been issued already: this can no longer change.")
            raise ValidationError({term: [message] for term in changed_terms})
        changes: dict[str, Any] = {
            term: [_term_value(getattr(programme, term)), _term_value(getattr(terms, term))]
            for term in RECORDED_TERMS
            if getattr(programme, term) != getattr(terms, term)
        }
        if programme.market_id != terms.market_id:
            changes["market"] = [_market_name(programme.market_id), _market_name(terms.market_id)]
        before = {category.pk: category.name for category in programme.allowed_categories.all()}
        after = {category.pk: category.name for category in terms.allowed_categories}
        if before.keys() != after.keys():
            changes["allowed_categories"] = {
                "added": sorted(name for pk, name in after.items() if pk not in before),
                "removed": sorted(name for pk, name in before.items() if pk not in after),
            }
        if not changes:
            return programme
        programme.name = terms.name
        programme.amount_per_month = terms.amount_per_month
        programme.first_month = terms.first_month
        programme.months = terms.months
        programme.scope = terms.scope
        programme.market_id = terms.market_id
        programme.expiry_rule = terms.expiry_rule
        programme.save()
        programme.allowed_categories.set(terms.allowed_categories)
        audit.record_event(
            village_id=village_id,
            kind=AidEventKind.PROGRAMME_UPDATED,
            acting_user=acting_user,
            programme_id=programme.pk,
            details={"changes": changes},
        )
    return programme


def set_programme_status(
    *, acting_user: Any, village_id: int, programme_id: int, status: str
) -> Programme:
    """Move a programme along draft → active → closed (``ALLOWED_TRANSITIONS``).

    Raises ``NotAllowedForVillage``, ``ProgrammeNotFound``, or ``ProgrammeStatusRefused``
    for any other move, and for activating a programme whose last month has passed.
    Asking for the status it already has changes and records nothing (a repeated form is
    harmless). The programme row is locked while its status changes; a move writes one
    ``PROGRAMME_STATUS_CHANGED`` event, from and to.
    """
    ensure_official(acting_user, village_id)
    if status not in ProgrammeStatus.values:
        raise ProgrammeStatusRefused(_("Unknown status."))
    with transaction.atomic(durable=True):
        programme = _locked_programme(village_id=village_id, programme_id=programme_id)
        if programme.status == status:
            return programme
        if status not in ALLOWED_TRANSITIONS[programme.status]:
            raise ProgrammeStatusRefused(
                _("A programme cannot go from “%(current)s” to “%(wanted)s”.")
                % {
                    "current": ProgrammeStatus(programme.status).label,
                    "wanted": ProgrammeStatus(status).label,
                },
                extra={"from": programme.status, "to": status},
            )
        if status == ProgrammeStatus.ACTIVE:
            if not programme.allowed_categories.exists():
                raise ProgrammeStatusRefused(_("Choose the categories the voucher may pay first."))
            if programme_end(programme) <= timezone.localdate().replace(day=1):
                raise ProgrammeStatusRefused(
                    _("The programme's last month has passed: change its first month first.")
                )
        previous = programme.status
        programme.status = status
        programme.save(update_fields=["status", "updated_at"])
        audit.record_event(
            village_id=village_id,
            kind=AidEventKind.PROGRAMME_STATUS_CHANGED,
            acting_user=acting_user,
            programme_id=programme.pk,
            details={"from": previous, "to": status},
        )
    return programme
