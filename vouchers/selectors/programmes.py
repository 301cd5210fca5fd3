"""Reads of a village's BLT programmes, for its officials (resolved by the registry's
``get_village_for_official``)."""

from __future__ import annotations

from django.db.models import Count, Exists, F, OuterRef, Prefetch, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from catalog.models import Category
from core.exceptions import NotFound
from villages.models import Market, Village
from vouchers.models import Issuance, Programme


class ProgrammeNotFound(NotFound):
    code = "programme_not_found"

    def __init__(self) -> None:
        super().__init__(_("That aid programme is not one of this village's."))


def programmes_of_village(*, village: Village) -> QuerySet[Programme]:
    """The village's programmes, newest first, with their market and ``issued_months``
    (how many months have been issued). One query."""
    return (
        Programme.objects.filter(village=village)
        .select_related("market")
        .annotate(issued_months=Count("issuances"))
        .order_by("-first_month", "-pk")
    )


def get_programme_for_official(*, village: Village, programme_id: int) -> Programme:
    """One programme of ``village`` with its allowed categories and ``has_issuance``
    (a month has been issued, so its amount and months are fixed); else ``ProgrammeNotFound``.
    """
    programme = (
        Programme.objects.filter(village=village, pk=programme_id)
        .select_related("market")
        .prefetch_related(
            Prefetch("allowed_categories", queryset=Category.objects.order_by("position", "name"))
        )
        .annotate(has_issuance=Exists(Issuance.objects.filter(programme=OuterRef("pk"))))
        .first()
    )
    if programme is None:
        raise ProgrammeNotFound()
    return programme


def staple_categories() -> QuerySet[Category]:
    """The categories a programme may allow: staple food (pangan pokok) only, each group
    followed by its children (with ``parent`` loaded)."""
    return (
        Category.objects.filter(is_staple=True)
        .select_related("parent")
        .annotate(
            group_position=Coalesce(F("parent__position"), F("position")),
            group_id=Coalesce(F("parent_id"), F("id")),
        )
        .order_by(
            "group_position",
            "group_id",
            F("parent_id").asc(nulls_first=True),
            "position",
            "name",
        )
    )


def markets_of_village(*, village: Village) -> QuerySet[Market]:
    """The markets the village belongs to: where a market-wide programme may be spent."""
    return Market.objects.filter(memberships__village=village).order_by("name")
