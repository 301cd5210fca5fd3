"""Writes about villages, markets, sellers and memberships. Each owns its transaction."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.phone import normalize_phone
from villages.enums import Role, SellerKind
from villages.exceptions import MembershipInvalid, NotAllowedForVillage, PersonNotFound
from villages.models import Bumdes, Market, MarketVillage, Membership, Seller, Village
from villages.tenancy import SELLER_MANAGERS, forget_scope, scope_for

# Roles a BUMDes admin may hand out in their own village. Officials are appointed by the
# platform, because they will see beneficiaries' personal data.
ROLES_GRANTED_BY_BUMDES_ADMIN = frozenset({Role.RESIDENT, Role.SELLER_STAFF, Role.BUMDES_ADMIN})


def _unique_seller_slug(*, village: Village, name: str) -> str:
    base = slugify(name)[:90] or "penjual"
    slug, suffix = base, 2
    while Seller.objects.filter(village=village, slug=slug).exists():
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug


@transaction.atomic
def create_seller(
    *,
    acting_user: Any,
    village: Village,
    name: str,
    kind: str = SellerKind.UMKM,
    whatsapp: str = "",
    phone: str = "",
    description: str = "",
) -> Seller:
    """Add a seller to ``village``. Only its BUMDes admins (or platform admins) may."""
    if not scope_for(acting_user).has_role(village.pk, SELLER_MANAGERS):
        raise NotAllowedForVillage()
    bumdes: Bumdes | None = None
    if kind == SellerKind.BUMDES_UNIT:
        bumdes = Bumdes.objects.filter(village=village).first()
        if bumdes is None:
            raise MembershipInvalid(_("This village has no BUMDes to own a business unit."))
    seller = Seller(
        village=village,
        name=name.strip(),
        slug=_unique_seller_slug(village=village, name=name),
        kind=kind,
        bumdes=bumdes,
        whatsapp=normalize_phone(whatsapp) if whatsapp else "",
        phone=normalize_phone(phone) if phone else "",
        description=description,
    )
    seller.full_clean()
    seller.save()
    return seller


def find_user_by_login(login: str) -> User:
    """The person with this phone number or email address; ``PersonNotFound`` otherwise."""
    text = login.strip()
    user: User | None = None
    if "@" in text:
        user = User.objects.filter(email__iexact=text).first()
    else:
        try:
            user = User.objects.filter(phone=normalize_phone(text)).first()
        except ValidationError:
            user = None
    if user is None:
        raise PersonNotFound()
    return user


@transaction.atomic
def grant_membership(
    *, acting_user: Any, village: Village, user: User, role: str, seller: Seller | None = None
) -> Membership:
    """Give ``user`` a role in ``village``; granting a role they already hold is a no-op."""
    scope = scope_for(acting_user)
    may_grant = scope.is_platform_admin or (
        scope.has_role(village.pk, SELLER_MANAGERS) and role in ROLES_GRANTED_BY_BUMDES_ADMIN
    )
    if not may_grant:
        raise NotAllowedForVillage()
    if role == Role.SELLER_STAFF:
        if seller is None or seller.village_id != village.pk:
            raise MembershipInvalid(_("Seller staff must work for a seller of this village."))
    else:
        seller = None
    existing = Membership.objects.filter(user=user, village=village, role=role, seller=seller)
    membership = existing.first()
    if membership is None:
        try:
            with transaction.atomic():
                membership = Membership.objects.create(
                    user=user, village=village, role=role, seller=seller
                )
        except IntegrityError:  # granted by someone else a moment ago
            membership = existing.get()
    forget_scope(user)
    return membership


@transaction.atomic
def revoke_membership(*, acting_user: Any, membership: Membership) -> None:
    scope = scope_for(acting_user)
    may_revoke = scope.is_platform_admin or (
        scope.has_role(membership.village_id, SELLER_MANAGERS)
        and membership.role in ROLES_GRANTED_BY_BUMDES_ADMIN
    )
    if not may_revoke:
        raise NotAllowedForVillage()
    if membership.user_id == getattr(acting_user, "pk", None) and not scope.is_platform_admin:
        raise MembershipInvalid(_("You cannot remove your own role."))
    membership.delete()


@transaction.atomic
def add_village_to_market(*, market: Market, village: Village) -> MarketVillage:
    link, _created = MarketVillage.objects.get_or_create(market=market, village=village)
    return link
