"""Reads of the beneficiary registry (KPM), for the village's officials only.

BUMDes admins run the shop floor, not the aid: they never read beneficiaries. Every
tenant-checked read takes the acting user and asks ``villages.tenancy``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from core.exceptions import NotFound
from villages.enums import Role
from villages.models import Village
from villages.selectors import get_village_for_role
from villages.tenancy import scope_for
from vouchers import nik as nik_codec
from vouchers.models import Beneficiary

# Who may read and change a village's beneficiary registry and set up its programmes.
AID_OFFICIALS = frozenset({Role.VILLAGE_OFFICIAL})


class BeneficiaryNotFound(NotFound):
    code = "beneficiary_not_found"

    def __init__(self) -> None:
        super().__init__(_("That beneficiary is not registered in this village."))


def get_village_for_official(*, user: Any, slug: str) -> Village:
    """The village named by ``slug`` if ``user`` is one of its officials (or a platform admin).

    Raises ``VillageNotFound`` (unknown slug) or ``NotAllowedForVillage``.
    """
    return get_village_for_role(user=user, slug=slug, roles=AID_OFFICIALS)


def beneficiaries_of_village(
    *, village: Village, search: str = "", active: bool | None = None
) -> QuerySet[Beneficiary]:
    """The village's beneficiaries by name; one query for any page of it. Which of them
    another village registered too: ``other_villages_by_nik_hash`` (one more query).

    ``search`` matches part of the name (case-insensitive); ``active`` filters by status.
    Callers have resolved ``village`` through ``get_village_for_official``.
    """
    rows = Beneficiary.objects.filter(village=village)
    if search.strip():
        rows = rows.filter(name__icontains=search.strip())
    if active is not None:
        rows = rows.filter(is_active=active)
    return rows.only(
        "pk", "village_id", "name", "nik_masked", "nik_hash", "phone", "is_active", "user_id"
    ).order_by("name", "pk")


def other_villages_by_nik_hash(
    *, village_id: int, nik_hashes: Iterable[str]
) -> dict[str, list[str]]:
    """For each look-up hash, the names of the *other* villages that registered that NIK.

    One query whatever the number of hashes. Names of villages only: nothing of the other
    registration (its name, phone or address) is read.
    """
    wanted = set(nik_hashes)
    if not wanted:
        return {}
    names: dict[str, list[str]] = {}
    rows = (
        Beneficiary.objects.filter(nik_hash__in=wanted)
        .exclude(village_id=village_id)
        .values_list("nik_hash", "village__name")
        .order_by("village__name")
        .distinct()
    )
    for nik_hash, village_name in rows:
        names.setdefault(nik_hash, []).append(village_name)
    return names


def get_beneficiary_for_official(*, village: Village, beneficiary_id: int) -> Beneficiary:
    """One beneficiary of ``village`` (resolved for an official), or ``BeneficiaryNotFound``
    for an id that is unknown or belongs to another village."""
    beneficiary = (
        Beneficiary.objects.select_related("user")
        .filter(village=village, pk=beneficiary_id)
        .first()
    )
    if beneficiary is None:
        raise BeneficiaryNotFound()
    return beneficiary


@dataclass(frozen=True)
class Identity:
    """The full NIK and KK numbers, decrypted for the owning village's official only."""

    nik: str
    kk: str


def beneficiary_identity(*, beneficiary: Beneficiary) -> Identity:
    """Decrypt a beneficiary's NIK and KK. Only the owning official's detail page shows them
    (``may_see_identity``)."""
    return Identity(
        nik=nik_codec.decrypt(beneficiary.nik_encrypted),
        kk=nik_codec.decrypt(beneficiary.kk_encrypted),
    )


def may_see_identity(*, user: Any, beneficiary: Beneficiary) -> bool:
    """True only for an official of the beneficiary's own village. A platform admin opens
    the page too (``has_role`` admits them everywhere) but sees the NIK masked: the full
    number is for the officials who registered it."""
    return beneficiary.village_id in scope_for(user).village_ids(AID_OFFICIALS)
