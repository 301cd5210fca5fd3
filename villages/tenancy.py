"""The one place that decides which villages and sellers a person may act for.

Selectors, page views, API permissions and the admin all ask a ``TenantScope``; none of
them look at memberships on their own. A scope is read once per request (one query).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, Q, QuerySet

from villages.enums import Role

M = TypeVar("M", bound=Model)

# Who may run a village's shop floor: every seller of the village, their stock and orders.
SELLER_MANAGERS = frozenset({Role.BUMDES_ADMIN})
# Who may see a village's people and run its aid programmes.
VILLAGE_STEWARDS = frozenset({Role.BUMDES_ADMIN, Role.VILLAGE_OFFICIAL})


@dataclass(frozen=True)
class TenantScope:
    user_id: int | None
    is_platform_admin: bool = False
    roles_by_village: Mapping[int, frozenset[str]] = field(default_factory=dict)
    staff_seller_ids: frozenset[int] = frozenset()

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    def has_role(self, village_id: int, roles: Iterable[str]) -> bool:
        """True if the person holds one of ``roles`` in the village (platform admins: always)."""
        if self.is_platform_admin:
            return True
        return bool(self.roles_by_village.get(village_id, frozenset()) & frozenset(roles))

    def village_ids(self, roles: Iterable[str]) -> frozenset[int]:
        """Villages where the person holds one of ``roles`` (not widened for platform admins)."""
        wanted = frozenset(roles)
        return frozenset(vid for vid, held in self.roles_by_village.items() if held & wanted)

    def holds_any(self, roles: Iterable[str]) -> bool:
        return self.is_platform_admin or bool(self.village_ids(roles))

    def can_manage_seller(self, *, seller_id: int, village_id: int) -> bool:
        """BUMDes admins manage every seller of their village; staff only their own seller."""
        return self.has_role(village_id, SELLER_MANAGERS) or seller_id in self.staff_seller_ids

    def filter_by_village(
        self, queryset: QuerySet[M], roles: Iterable[str], *, village_field: str = "village"
    ) -> QuerySet[M]:
        """Rows of the villages where the person holds one of ``roles``."""
        if self.is_platform_admin:
            return queryset
        return queryset.filter(**{f"{village_field}__in": self.village_ids(roles)})

    def filter_sellers(self, queryset: QuerySet[M], *, seller_field: str = "") -> QuerySet[M]:
        """Rows of sellers the person may manage; ``seller_field`` is the path to the seller."""
        if self.is_platform_admin:
            return queryset
        prefix = f"{seller_field}__" if seller_field else ""
        return queryset.filter(
            Q(**{f"{prefix}village__in": self.village_ids(SELLER_MANAGERS)})
            | Q(**{f"{prefix}pk__in": self.staff_seller_ids})
        )


ANONYMOUS_SCOPE = TenantScope(user_id=None)
_CACHE_ATTRIBUTE = "_pasardesa_tenant_scope"


def scope_for(user: Any) -> TenantScope:
    """The scope of ``user``, read once and kept on the user object for this request."""
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return ANONYMOUS_SCOPE
    if not user.is_active:
        return ANONYMOUS_SCOPE
    cached: TenantScope | None = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    from villages.models import Membership

    roles: dict[int, set[str]] = {}
    staff_sellers: set[int] = set()
    rows = Membership.objects.filter(user_id=user.pk).values_list("village_id", "role", "seller_id")
    for village_id, role, seller_id in rows:
        roles.setdefault(village_id, set()).add(role)
        if role == Role.SELLER_STAFF and seller_id is not None:
            staff_sellers.add(seller_id)
    scope = TenantScope(
        user_id=user.pk,
        is_platform_admin=bool(user.is_staff),
        roles_by_village={vid: frozenset(held) for vid, held in roles.items()},
        staff_seller_ids=frozenset(staff_sellers),
    )
    setattr(user, _CACHE_ATTRIBUTE, scope)
    return scope


def forget_scope(user: Any) -> None:
    """Drop the cached scope after a membership of ``user`` changed in this request."""
    if hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)
