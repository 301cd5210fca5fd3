"""Writing the audit trail of aid administration (``AidEvent``).

Each service that acts on a beneficiary or a programme calls ``record_event`` (or
``record_events`` for a CSV import) once, inside its own transaction, so an act and its
event are kept or lost together: a refused or rolled-back act leaves no event.

Personal data stays out, so the trail can be shown to any official of the village and
kept for years: a key naming a NIK, a KK number or a PIN raises ``ValueError`` (a
programming error), and any run of six digits or more in a text (a NIK, a KK number or a
PIN typed into a name) is masked before it is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import connection

from vouchers.enums import AidEventKind
from vouchers.models import AidEvent

# Keys that would name personal data or a secret; never written to an event.
_FORBIDDEN_KEYS = frozenset({"nik", "kk", "pin", "nik_hash", "pin_hash", "card_number"})
# A run of six digits or more in a text could be a NIK, a KK number or a PIN.
_LONG_NUMBER = re.compile(r"\d{6,}")


def actor_of(acting_user: Any) -> Any:
    """The user to record as the actor, or None for the system (or an anonymous user)."""
    return acting_user if getattr(acting_user, "pk", None) else None


def _scrubbed(value: Any, path: str = "details") -> Any:
    """``value`` with every long number in its texts masked; raises ``ValueError`` on a key
    that names personal data."""
    if isinstance(value, Mapping):
        clean = {}
        for key, inner in value.items():
            if str(key).lower() in _FORBIDDEN_KEYS:
                raise ValueError(f"{path}.{key}: personal data is never recorded in an event")
            clean[str(key)] = _scrubbed(inner, f"{path}.{key}")
        return clean
    if isinstance(value, list | tuple):
        return [_scrubbed(inner, path) for inner in value]
    if isinstance(value, str):
        return _LONG_NUMBER.sub(lambda match: "•" * len(match.group()), value)
    return value


def _event(
    *,
    village_id: int,
    kind: AidEventKind,
    acting_user: Any,
    programme_id: int | None,
    beneficiary_id: int | None,
    details: Mapping[str, Any] | None,
) -> AidEvent:
    clean = _scrubbed(dict(details or {}))
    return AidEvent(
        village_id=village_id,
        kind=kind,
        actor=actor_of(acting_user),
        programme_id=programme_id,
        beneficiary_id=beneficiary_id,
        details=clean,
    )


def _ensure_in_transaction() -> None:
    # An event outside the act's transaction could outlive a rolled-back act.
    if not connection.in_atomic_block:
        raise RuntimeError("aid events are written inside the transaction of their act")


def record_event(
    *,
    village_id: int,
    kind: AidEventKind,
    acting_user: Any,
    programme_id: int | None = None,
    beneficiary_id: int | None = None,
    details: Mapping[str, Any] | None = None,
) -> AidEvent:
    """Append one event. Must run inside the transaction of the act it records.

    ``acting_user`` None (or anonymous) records the system as the actor. Raises
    ``ValueError`` if ``details`` carries personal data (see the module's docstring).
    """
    _ensure_in_transaction()
    event = _event(
        village_id=village_id,
        kind=kind,
        acting_user=acting_user,
        programme_id=programme_id,
        beneficiary_id=beneficiary_id,
        details=details,
    )
    event.save()
    return event


def record_beneficiary_events(
    *,
    village_id: int,
    kind: AidEventKind,
    acting_user: Any,
    details_by_beneficiary: Iterable[tuple[int, Mapping[str, Any]]],
    batch_size: int = 500,
) -> int:
    """Append one event per beneficiary (a CSV import), in batches; the number written.

    Must run inside the transaction of the act it records.
    """
    _ensure_in_transaction()
    events = [
        _event(
            village_id=village_id,
            kind=kind,
            acting_user=acting_user,
            programme_id=None,
            beneficiary_id=beneficiary_id,
            details=details,
        )
        for beneficiary_id, details in details_by_beneficiary
    ]
    AidEvent.objects.bulk_create(events, batch_size=batch_size)
    return len(events)
