"""Tenant endpoints: a village's members and sellers, for the roles that run the village."""

import pytest

from accounts.phone import mask_phone
from tests.api.helpers import error_of
from tests.factories import SellerFactory, UserFactory, member
from villages.enums import Role
from villages.models import Seller

pytestmark = pytest.mark.django_db

MEMBERS = "/api/v1/manage/villages/{}/members/"
SELLERS = "/api/v1/manage/villages/{}/sellers/"
STEWARDS = [Role.BUMDES_ADMIN, Role.VILLAGE_OFFICIAL]
NOT_STEWARDS = [Role.RESIDENT, Role.SELLER_STAFF]


def person(world, village_key, role):
    return world["people"][village_key][role]


@pytest.mark.parametrize("url", [MEMBERS, SELLERS])
@pytest.mark.parametrize("role", STEWARDS)
def test_stewards_of_the_village_may_read(api, two_villages, url, role):
    api.force_authenticate(person(two_villages, "home", role))

    assert api.get(url.format("panggungharjo")).status_code == 200


@pytest.mark.parametrize("url", [MEMBERS, SELLERS])
@pytest.mark.parametrize("role", NOT_STEWARDS)
def test_residents_and_seller_staff_of_the_same_village_are_refused(api, two_villages, url, role):
    api.force_authenticate(person(two_villages, "home", role))

    body = error_of(api.get(url.format("panggungharjo")), 403, "not_allowed_for_village")
    assert body["extra"] == {}


@pytest.mark.parametrize("url", [MEMBERS, SELLERS])
@pytest.mark.parametrize("role", STEWARDS)
def test_stewards_of_another_village_are_refused(api, two_villages, url, role):
    api.force_authenticate(person(two_villages, "other", role))

    error_of(api.get(url.format("panggungharjo")), 403, "not_allowed_for_village")


@pytest.mark.parametrize("url", [MEMBERS, SELLERS])
def test_anonymous_visitors_are_refused(api, two_villages, url):
    error_of(api.get(url.format("panggungharjo")), 401, "not_authenticated")
    error_of(api.post(url.format("panggungharjo"), {}), 401, "not_authenticated")
    error_of(api.get(url.format("atlantis")), 401, "not_authenticated")


@pytest.mark.parametrize("url", [MEMBERS, SELLERS])
def test_unknown_village_is_404(api, two_villages, url):
    api.force_authenticate(person(two_villages, "home", Role.BUMDES_ADMIN))

    error_of(api.get(url.format("atlantis")), 404, "village_not_found")


def test_platform_admins_may_read_any_village(api, two_villages):
    api.force_authenticate(UserFactory(is_staff=True))

    assert api.get(MEMBERS.format("sriharjo")).status_code == 200


def test_members_are_listed_by_role_with_phones_masked(api, two_villages):
    people = two_villages["people"]["home"]
    staff = people[Role.SELLER_STAFF]
    seller = staff.memberships.get().seller
    api.force_authenticate(people[Role.VILLAGE_OFFICIAL])

    response = api.get(MEMBERS.format("panggungharjo"))

    def row(role, seller=None):
        user = people[role]
        return {"name": user.name, "role": role.value, "seller": seller, "phone": masked(user)}

    def masked(user):
        return user.phone[:6] + "••••" + user.phone[-4:]

    assert response.json() == {
        "count": 4,
        "next": None,
        "previous": None,
        "results": [
            row(Role.BUMDES_ADMIN),
            row(Role.RESIDENT),
            row(Role.SELLER_STAFF, {"slug": seller.slug, "name": seller.name}),
            row(Role.VILLAGE_OFFICIAL),
        ],
    }
    assert mask_phone(staff.phone) == masked(staff)
    for user in people.values():
        assert user.phone not in response.content.decode()


def test_a_member_without_phone(api, two_villages):
    member(two_villages["home"], Role.RESIDENT, name="Tanpa HP", phone=None, phone_verified=False)
    api.force_authenticate(person(two_villages, "home", Role.BUMDES_ADMIN))

    rows = api.get(MEMBERS.format("panggungharjo")).json()["results"]

    assert [r["phone"] for r in rows if r["name"] == "Tanpa HP"] == [None]


@pytest.mark.parametrize("extra", [0, 10])
def test_members_cost_the_same_queries_however_many(
    api, two_villages, extra, django_assert_max_num_queries
):
    home = two_villages["home"]
    for _ in range(extra):
        member(home, Role.SELLER_STAFF)
    api.force_authenticate(person(two_villages, "home", Role.BUMDES_ADMIN))

    with django_assert_max_num_queries(4):  # scope, village, count, page
        response = api.get(MEMBERS.format("panggungharjo"))

    assert response.json()["count"] == 4 + extra


def test_sellers_include_inactive_ones_with_their_contacts(api, two_villages):
    home = two_villages["home"]
    Seller.objects.filter(village=home).delete()  # the staff's seller: replaced below
    SellerFactory(
        village=home,
        name="Warung Bu Sri",
        slug="warung-bu-sri",
        whatsapp="+6281234567890",
        phone="+6281298765432",
        description="Nasi dan lauk.",
    )
    SellerFactory(village=home, name="Toko Tutup", slug="toko-tutup", is_active=False)
    SellerFactory(village=two_villages["other"], name="Bukan Sini", slug="bukan-sini")
    api.force_authenticate(person(two_villages, "home", Role.VILLAGE_OFFICIAL))

    response = api.get(SELLERS.format("panggungharjo"))

    assert response.json()["results"] == [
        {
            "slug": "toko-tutup",
            "name": "Toko Tutup",
            "kind": "umkm",
            "description": "",
            "whatsapp": "+6281234500000",
            "phone": "",
            "is_active": False,
        },
        {
            "slug": "warung-bu-sri",
            "name": "Warung Bu Sri",
            "kind": "umkm",
            "description": "Nasi dan lauk.",
            "whatsapp": "+6281234567890",
            "phone": "+6281298765432",
            "is_active": True,
        },
    ]


@pytest.mark.parametrize("extra", [0, 10])
def test_sellers_cost_the_same_queries_however_many(
    api, two_villages, extra, django_assert_max_num_queries
):
    SellerFactory.create_batch(extra, village=two_villages["home"])
    api.force_authenticate(person(two_villages, "home", Role.VILLAGE_OFFICIAL))

    with django_assert_max_num_queries(4):  # scope, village, count, page
        response = api.get(SELLERS.format("panggungharjo"))

    assert response.json()["count"] == 1 + extra
