"""Reads of the audit trail of aid administration, for the village's officials.

Callers have resolved the village (or the beneficiary or programme through it) for an
official: these reads take the row, never an id from the request. Each is one query
(a page of the village's trail: two, its count and its rows), whatever the trail's length.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils import formats
from django.utils.translation import gettext as _

from core.money import format_rupiah
from villages.models import Village
from vouchers.enums import AidEventKind, ExpiryRule, ProgrammeScope, ProgrammeStatus
from vouchers.models import AidEvent, Beneficiary, Programme

# How many of the latest events a beneficiary's or a programme's page shows; the
# village's trail pages through the rest.
LATEST_EVENTS = 20


# The event and what its actor's name is made of: never the actor's password hash.
_EVENT_FIELDS = (
    "pk",
    "village_id",
    "programme_id",
    "beneficiary_id",
    "kind",
    "details",
    "created_at",
    "actor__id",
    "actor__name",
    "actor__email",
    "actor__phone",
    "actor__username",
)


def _with_people(events: QuerySet[AidEvent], *subject_fields: str) -> QuerySet[AidEvent]:
    return (
        events.select_related("actor")
        .only(*_EVENT_FIELDS, *subject_fields)
        .order_by("-created_at", "-pk")
    )


def events_of_beneficiary(
    *, beneficiary: Beneficiary, limit: int = LATEST_EVENTS
) -> list[AidEvent]:
    """The beneficiary's latest events, newest first, with their actors. One query."""
    return list(_with_people(AidEvent.objects.filter(beneficiary=beneficiary))[:limit])


def events_of_programme(*, programme: Programme, limit: int = LATEST_EVENTS) -> list[AidEvent]:
    """The programme's latest events, newest first, with their actors. One query."""
    return list(_with_people(AidEvent.objects.filter(programme=programme))[:limit])


def events_of_village(
    *,
    village: Village,
    kind: str = "",
    beneficiary_id: int | None = None,
    programme_id: int | None = None,
) -> QuerySet[AidEvent]:
    """The village's whole trail, newest first, with actors, beneficiaries' names and
    programmes' names; ``kind`` (an ``AidEventKind`` value), a beneficiary or a programme
    narrows it (within the village: another village's id finds nothing). For a paginator."""
    events = AidEvent.objects.filter(village=village)
    if kind:
        events = events.filter(kind=kind)
    if beneficiary_id is not None:
        events = events.filter(beneficiary_id=beneficiary_id)
    if programme_id is not None:
        events = events.filter(programme_id=programme_id)
    return _with_people(
        events.select_related("beneficiary", "programme"),
        "beneficiary__id",
        "beneficiary__name",
        "programme__id",
        "programme__name",
    )


# --- in words -------------------------------------------------------------------------------


def _term_label(term: str) -> str:
    return {
        "name": _("Name"),
        "amount_per_month": _("Amount per month"),
        "first_month": _("First month"),
        "months": _("Number of months"),
        "scope": _("Where it may be spent"),
        "market": _("Market"),
        "expiry_rule": _("Unspent money"),
    }.get(term, term)


def _term_text(term: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if term == "amount_per_month" and isinstance(value, int):
        return format_rupiah(value)
    if term == "first_month" and isinstance(value, str):
        try:
            return formats.date_format(datetime.date.fromisoformat(value), "F Y")
        except ValueError:
            return value
    if term == "scope" and value in ProgrammeScope.values:
        return str(ProgrammeScope(value).label)
    if term == "expiry_rule" and value in ExpiryRule.values:
        return str(ExpiryRule(value).label)
    return str(value)


def _status_text(value: Any) -> str:
    return str(ProgrammeStatus(value).label) if value in ProgrammeStatus.values else str(value)


def describe_event(event: AidEvent) -> list[str]:
    """What the event's details say, a line each, in the active language."""
    details: dict[str, Any] = event.details or {}
    kind = event.kind
    lines: list[str] = []
    if kind in (AidEventKind.BENEFICIARY_REGISTERED, AidEventKind.BENEFICIARY_IMPORTED):
        if "row" in details:
            lines.append(
                _("Row %(row)s of a file of %(rows)s (import %(ref)s).")
                % {"row": details["row"], "rows": details.get("rows"), "ref": details.get("import")}
            )
        if details.get("linked"):
            lines.append(_("Linked to the account that verified the phone number."))
    elif kind == AidEventKind.PIN_ISSUED:
        lines.append(
            _("Replaced the previous PIN.")
            if details.get("replaced")
            else _("The card's first PIN.")
        )
        if details.get("unlocked"):
            lines.append(_("The locked card was unlocked with it."))
    elif kind == AidEventKind.CARD_LOCKED:
        if details.get("seller"):
            lines.append(
                _("%(count)s wrong PINs in a row, the last at the counter of %(seller)s.")
                % {"count": details.get("wrong_pins"), "seller": details["seller"]}
            )
        else:
            lines.append(
                _("%(count)s wrong PINs in a row, the last on the beneficiary's own PIN page.")
                % {"count": details.get("wrong_pins")}
            )
    elif kind == AidEventKind.PROGRAMME_STATUS_CHANGED:
        lines.append(
            _("From “%(from)s” to “%(to)s”.")
            % {"from": _status_text(details.get("from")), "to": _status_text(details.get("to"))}
        )
    elif kind == AidEventKind.PROGRAMME_CREATED:
        terms: dict[str, Any] = {**details.get("terms", {}), "market": details.get("market")}
        for term, value in terms.items():
            lines.append(f"{_term_label(term)}: {_term_text(term, value)}")
        categories = details.get("allowed_categories") or []
        lines.append(f"{_('Allowed categories')}: {', '.join(categories) or '—'}")
    elif kind == AidEventKind.PROGRAMME_UPDATED:
        for term, change in (details.get("changes") or {}).items():
            if term == "allowed_categories":
                if change.get("added"):
                    lines.append(
                        _("Categories allowed: %(names)s") % {"names": ", ".join(change["added"])}
                    )
                if change.get("removed"):
                    lines.append(
                        _("Categories no longer allowed: %(names)s")
                        % {"names": ", ".join(change["removed"])}
                    )
            else:
                before, after = change
                lines.append(
                    f"{_term_label(term)}: {_term_text(term, before)} → {_term_text(term, after)}"
                )
    return lines


def with_descriptions(events: Iterable[AidEvent]) -> list[AidEvent]:
    """``events`` with ``lines`` (``describe_event``) set on each, for a template."""
    described = list(events)
    for event in described:
        event.lines = describe_event(event)  # type: ignore[attr-defined]  # for templates
    return described
