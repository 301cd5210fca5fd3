"""Permission classes for tenant endpoints. They ask the tenant scope, never memberships.

Refusals carry the domain's code, so a client sees ``not_allowed_for_village`` here and
from services alike; an unknown village is a 404 ``village_not_found``.
"""

from collections.abc import Iterable
from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from villages import selectors
from villages.exceptions import NotAllowedForVillage
from villages.models import Seller
from villages.tenancy import scope_for


def required_roles(view: Any, method: str) -> Iterable[str]:
    """``view.tenant_roles_by_method[method]`` if given, else ``view.tenant_roles``."""
    by_method: dict[str, Iterable[str]] = getattr(view, "tenant_roles_by_method", {})
    if method in by_method:
        return by_method[method]
    roles: Iterable[str] | None = getattr(view, "tenant_roles", None)
    if roles is None:
        raise NotImplementedError(f"{type(view).__name__} must declare tenant_roles")
    return roles


class _RefusesForVillage:
    """DRF raises PermissionDenied with these when ``has_*permission`` returns False."""

    code = NotAllowedForVillage.code

    @property
    def message(self) -> str:
        return str(NotAllowedForVillage().message)


class HasVillageRole(_RefusesForVillage, BasePermission):
    """A role of ``view.tenant_roles`` in the village named by the ``village_slug`` kwarg.

    ``view.tenant_roles_by_method`` (e.g. ``{"POST": SELLER_MANAGERS}``) narrows the roles
    for some methods. On success the village is on ``view.village`` for the view to use.

    Anonymous → 401/403 ``not_authenticated``; unknown village → 404 ``village_not_found``;
    no such role there → 403 ``not_allowed_for_village``. Platform admins pass everywhere.
    """

    url_kwarg = "village_slug"

    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False  # DRF answers NotAuthenticated
        view.village = selectors.get_village_for_role(
            user=request.user,
            slug=view.kwargs[self.url_kwarg],
            roles=required_roles(view, request.method or "GET"),
        )
        return True


class CanManageSeller(_RefusesForVillage, BasePermission):
    """The object is a seller (or has a ``seller``) that the person may manage.

    BUMDes admins manage every seller of their village, staff only their own seller. An
    object that is not a seller should be fetched with ``select_related("seller")``.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        seller: Seller = obj if isinstance(obj, Seller) else obj.seller
        return scope_for(request.user).can_manage_seller(
            seller_id=seller.pk, village_id=seller.village_id
        )
