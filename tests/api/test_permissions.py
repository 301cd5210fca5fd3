"""The reusable permission classes, on their own: later endpoints build on them."""

from types import SimpleNamespace

import pytest
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from tests.factories import SellerFactory, UserFactory
from villages.api.permissions import CanManageSeller, HasVillageRole, required_roles
from villages.enums import Role
from villages.exceptions import NotAllowedForVillage, VillageNotFound
from villages.tenancy import SELLER_MANAGERS, VILLAGE_STEWARDS


class StewardView(APIView):
    tenant_roles = VILLAGE_STEWARDS
    tenant_roles_by_method = {"POST": SELLER_MANAGERS}


def request_by(user, method="get"):
    request = getattr(APIRequestFactory(), method)("/")
    force_authenticate(request, user=user)
    return StewardView().initialize_request(request)


def view_for(slug):
    view = StewardView()
    view.kwargs = {"village_slug": slug}
    return view


def test_required_roles_per_method_fall_back_to_tenant_roles():
    view = StewardView()

    assert required_roles(view, "GET") == VILLAGE_STEWARDS
    assert required_roles(view, "POST") == SELLER_MANAGERS


def test_a_view_without_tenant_roles_is_a_programming_error():
    with pytest.raises(NotImplementedError):
        required_roles(APIView(), "GET")


@pytest.mark.django_db
def test_has_village_role_puts_the_village_on_the_view(two_villages):
    official = two_villages["people"]["home"][Role.VILLAGE_OFFICIAL]
    view = view_for("panggungharjo")

    assert HasVillageRole().has_permission(request_by(official), view) is True
    assert view.village == two_villages["home"]


@pytest.mark.django_db
def test_has_village_role_narrows_roles_by_method(two_villages):
    official = two_villages["people"]["home"][Role.VILLAGE_OFFICIAL]

    with pytest.raises(NotAllowedForVillage):
        HasVillageRole().has_permission(request_by(official, "post"), view_for("panggungharjo"))


@pytest.mark.django_db
def test_has_village_role_refuses_anonymous_and_unknown_villages(two_villages):
    admin = two_villages["people"]["home"][Role.BUMDES_ADMIN]
    anonymous = StewardView().initialize_request(APIRequestFactory().get("/"))

    assert HasVillageRole().has_permission(anonymous, view_for("panggungharjo")) is False
    with pytest.raises(VillageNotFound):
        HasVillageRole().has_permission(request_by(admin), view_for("atlantis"))


@pytest.mark.django_db
def test_can_manage_seller_for_sellers_and_rows_that_have_one(two_villages):
    home = two_villages["people"]["home"]
    staff = home[Role.SELLER_STAFF]
    own = staff.memberships.get().seller
    neighbour = SellerFactory(village=two_villages["home"])
    permission, view = CanManageSeller(), APIView()

    def may(user, obj):
        return permission.has_object_permission(request_by(user), view, obj)

    assert may(staff, own) is True
    assert may(staff, SimpleNamespace(seller=own)) is True
    assert may(staff, neighbour) is False
    assert may(home[Role.BUMDES_ADMIN], neighbour) is True
    assert may(home[Role.VILLAGE_OFFICIAL], own) is False
    assert may(two_villages["people"]["other"][Role.BUMDES_ADMIN], own) is False
    assert may(UserFactory(is_staff=True), own) is True


def test_refusals_carry_the_domain_code():
    assert CanManageSeller.code == "not_allowed_for_village"
    assert HasVillageRole().message == str(NotAllowedForVillage().message)
