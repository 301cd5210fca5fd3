"""The tenant scope: the one answer to "may this person act for that village or seller?"."""

import pytest
from django.contrib.auth.models import AnonymousUser

from tests.factories import SellerFactory, UserFactory, member
from villages.enums import Role
from villages.models import Seller
from villages.tenancy import SELLER_MANAGERS, VILLAGE_STEWARDS, scope_for


@pytest.mark.django_db
def test_anonymous_and_inactive_people_act_for_nobody(two_villages):
    inactive = two_villages["people"]["home"][Role.BUMDES_ADMIN]
    inactive.is_active = False
    inactive.save()
    for user in (AnonymousUser(), inactive):
        scope = scope_for(user)
        assert scope.village_ids(Role.values) == frozenset()
        assert not scope.has_role(two_villages["home"].pk, Role.values)


@pytest.mark.django_db
def test_roles_count_only_in_their_own_village(two_villages):
    home, other = two_villages["home"], two_villages["other"]
    admin = two_villages["people"]["home"][Role.BUMDES_ADMIN]
    scope = scope_for(admin)

    assert scope.has_role(home.pk, SELLER_MANAGERS)
    assert not scope.has_role(other.pk, SELLER_MANAGERS)
    assert scope.village_ids(VILLAGE_STEWARDS) == {home.pk}


@pytest.mark.django_db
def test_a_resident_is_no_steward(two_villages):
    resident = two_villages["people"]["home"][Role.RESIDENT]
    assert not scope_for(resident).has_role(two_villages["home"].pk, VILLAGE_STEWARDS)


@pytest.mark.django_db
def test_seller_staff_manage_their_seller_only(two_villages):
    home = two_villages["home"]
    staff = two_villages["people"]["home"][Role.SELLER_STAFF]
    own = staff.memberships.get().seller
    neighbour = SellerFactory(village=home)
    scope = scope_for(staff)

    assert scope.can_manage_seller(seller_id=own.pk, village_id=home.pk)
    assert not scope.can_manage_seller(seller_id=neighbour.pk, village_id=home.pk)
    assert list(scope.filter_sellers(Seller.objects.all())) == [own]


@pytest.mark.django_db
def test_bumdes_admin_manages_every_seller_of_their_village_only(two_villages):
    home, other = two_villages["home"], two_villages["other"]
    admin = two_villages["people"]["home"][Role.BUMDES_ADMIN]
    extra = SellerFactory(village=home)
    SellerFactory(village=other)

    visible = set(scope_for(admin).filter_sellers(Seller.objects.all()))

    assert visible == set(Seller.objects.filter(village=home))
    assert extra in visible


@pytest.mark.django_db
def test_platform_admins_act_for_every_village(two_villages):
    staff = UserFactory(is_staff=True)
    scope = scope_for(staff)
    assert scope.has_role(two_villages["other"].pk, SELLER_MANAGERS)
    assert scope.filter_sellers(Seller.objects.all()).count() == Seller.objects.count()


@pytest.mark.django_db
def test_the_scope_is_read_once_per_request(two_villages, django_assert_num_queries):
    admin = two_villages["people"]["home"][Role.BUMDES_ADMIN]
    with django_assert_num_queries(1):
        scope_for(admin)
        scope_for(admin)


@pytest.mark.django_db
def test_several_roles_in_several_villages(two_villages):
    home, other = two_villages["home"], two_villages["other"]
    person = member(home, Role.VILLAGE_OFFICIAL)
    from tests.factories import MembershipFactory

    MembershipFactory(user=person, village=other, role=Role.RESIDENT)
    scope = scope_for(person)
    assert scope.village_ids(VILLAGE_STEWARDS) == {home.pk}
    assert scope.village_ids([Role.RESIDENT]) == {other.pk}
