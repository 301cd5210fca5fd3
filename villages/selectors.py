"""Reads about villages, markets and sellers; the tenant-checked ones take the acting user."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from villages.exceptions import (
    MarketNotFound,
    NotAllowedForVillage,
    SellerNotFound,
    VillageNotFound,
)
from villages.models import Market, Membership, Seller, Village
from villages.tenancy import scope_for


def default_market() -> Market | None:
    """The market the home page shows: the oldest one."""
    return Market.objects.order_by("created_at", "pk").first()


def public_markets() -> QuerySet[Market]:
    return Market.objects.annotate(village_count=Count("villages", distinct=True)).order_by(
        "created_at", "pk"
    )


def villages_with_seller_counts(*, market: Market | None = None) -> QuerySet[Village]:
    """Villages (of one market, if given) with the number of their active sellers."""
    villages = Village.objects.all()
    if market is not None:
        villages = villages.filter(market_memberships__market=market)
    return villages.annotate(
        seller_count=Count("sellers", filter=Q(sellers__is_active=True), distinct=True)
    ).order_by("name")


def get_market(*, slug: str) -> Market:
    market = Market.objects.filter(slug=slug).first()
    if market is None:
        raise MarketNotFound()
    return market


def get_public_village(*, slug: str) -> Village:
    """A village with what its public page shows: BUMDes, markets, active sellers."""
    village = (
        Village.objects.select_related("bumdes")
        .prefetch_related(
            "markets",
            Prefetch(
                "sellers",
                queryset=Seller.objects.filter(is_active=True).order_by("name"),
                to_attr="active_sellers",
            ),
        )
        .filter(slug=slug)
        .first()
    )
    if village is None:
        raise VillageNotFound()
    return village


def get_village_for_role(*, user: Any, slug: str, roles: Iterable[str]) -> Village:
    """The village named by ``slug`` if ``user`` holds one of ``roles`` there.

    Raises ``VillageNotFound`` for an unknown slug and ``NotAllowedForVillage`` otherwise.
    """
    village = Village.objects.filter(slug=slug).first()
    if village is None:
        raise VillageNotFound()
    if not scope_for(user).has_role(village.pk, roles):
        raise NotAllowedForVillage()
    return village


def get_seller_for_manager(*, user: Any, village_slug: str, seller_slug: str) -> Seller:
    """A seller that ``user`` may manage (its BUMDes admin, its staff, or a platform admin)."""
    seller = (
        Seller.objects.select_related("village")
        .filter(village__slug=village_slug, slug=seller_slug)
        .first()
    )
    if seller is None:
        raise SellerNotFound()
    if not scope_for(user).can_manage_seller(seller_id=seller.pk, village_id=seller.village_id):
        raise NotAllowedForVillage()
    return seller


def village_members(*, village: Village) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(village=village)
        .select_related("user", "seller")
        .order_by("role", "user__name", "pk")
    )


def village_sellers(*, village: Village) -> QuerySet[Seller]:
    """Every seller of the village, inactive ones included (for those who manage it)."""
    return Seller.objects.filter(village=village).order_by("name")


def memberships_for_user(*, user: Any) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user_id=user.pk)
        .select_related("village", "seller")
        .order_by("village__name", "role")
    )
