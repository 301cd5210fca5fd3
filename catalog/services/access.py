"""Who may call the catalog services, and the acting user of trusted code."""

from __future__ import annotations

from typing import Any

from villages.exceptions import NotAllowedForVillage
from villages.tenancy import scope_for


class _System:
    """The acting user of trusted code that runs without a person (demo data, commands)."""

    def __repr__(self) -> str:
        return "SYSTEM"


# Pass as ``acting_user`` from management commands and demo data only; never from a request.
# Permission checks pass and stock movements record no actor.
SYSTEM = _System()


def ensure_can_manage(acting_user: Any, *, seller_id: int, village_id: int) -> None:
    if acting_user is SYSTEM:
        return
    if not scope_for(acting_user).can_manage_seller(seller_id=seller_id, village_id=village_id):
        raise NotAllowedForVillage()


def actor_of(acting_user: Any) -> Any:
    return None if acting_user is SYSTEM else acting_user


def is_whole_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
