"""Adding a seller through the API, and one seller for those who manage it."""

import pytest

from tests.api.helpers import error_of
from tests.factories import BumdesFactory, SellerFactory, UserFactory
from villages.enums import Role
from villages.models import Seller

pytestmark = pytest.mark.django_db

SELLERS = "/api/v1/manage/villages/{}/sellers/"
SELLER = "/api/v1/manage/villages/{}/sellers/{}/"


@pytest.fixture
def admin(two_villages):
    return two_villages["people"]["home"][Role.BUMDES_ADMIN]


def seller_count():
    return Seller.objects.count()


def test_bumdes_admin_adds_a_seller(api, two_villages, admin):
    api.force_authenticate(admin)

    response = api.post(
        SELLERS.format("panggungharjo"),
        {"name": "  Tempe Mendoan Bu Darmi ", "whatsapp": "0812-3456-7890"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json() == {
        "slug": "tempe-mendoan-bu-darmi",
        "name": "Tempe Mendoan Bu Darmi",
        "kind": "umkm",
        "description": "",
        "whatsapp": "+6281234567890",
        "phone": "",
        "is_active": True,
    }
    seller = Seller.objects.get(slug="tempe-mendoan-bu-darmi")
    assert (seller.village, seller.whatsapp, seller.bumdes) == (
        two_villages["home"],
        "+6281234567890",
        None,
    )


def test_a_business_unit_belongs_to_the_village_bumdes(api, two_villages, admin):
    bumdes = BumdesFactory(village=two_villages["home"])
    api.force_authenticate(admin)

    response = api.post(
        SELLERS.format("panggungharjo"),
        {"name": "Unit Wisata", "kind": "bumdes_unit", "phone": "6285712345678"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["kind"] == "bumdes_unit"
    assert response.json()["phone"] == "+6285712345678"
    assert Seller.objects.get(slug="unit-wisata").bumdes == bumdes


def test_domain_errors_of_the_service_keep_the_error_shape(api_en, two_villages, admin):
    before = seller_count()
    api_en.force_authenticate(admin)

    response = api_en.post(
        SELLERS.format("panggungharjo"), {"name": "Unit Air", "kind": "bumdes_unit"}
    )

    assert error_of(response, 400, "membership_invalid") == {
        "message": "This village has no BUMDes to own a business unit.",
        "code": "membership_invalid",
        "extra": {},
    }
    assert seller_count() == before


def test_bad_input_names_each_field_and_adds_nothing(api_en, two_villages, admin):
    before = seller_count()
    api_en.force_authenticate(admin)

    response = api_en.post(
        SELLERS.format("panggungharjo"),
        {"name": "   ", "whatsapp": "12345", "kind": "koperasi"},
        format="json",
    )

    assert error_of(response, 400, "invalid") == {
        "message": "Some of the data sent is not valid.",
        "code": "invalid",
        "extra": {
            "fields": {
                "name": ["This field may not be blank."],
                "whatsapp": [
                    "That is not a valid Indonesian phone number. Example: 0812 3456 7890."
                ],
                "kind": ['"koperasi" is not a valid choice.'],
            }
        },
    }
    assert seller_count() == before


def test_a_landline_is_refused_for_whatsapp(api_en, two_villages, admin):
    api_en.force_authenticate(admin)

    response = api_en.post(
        SELLERS.format("panggungharjo"), {"name": "Warung", "whatsapp": "0274 123456"}
    )

    assert error_of(response, 400, "invalid")["extra"]["fields"] == {
        "whatsapp": ["Use a mobile number that can receive text messages."]
    }


def test_a_missing_name_is_required(api, two_villages, admin):
    api.force_authenticate(admin)

    body = error_of(api.post(SELLERS.format("panggungharjo"), {}, format="json"), 400, "invalid")

    assert list(body["extra"]["fields"]) == ["name"]


@pytest.mark.parametrize(
    ("village_key", "role"),
    [("home", Role.VILLAGE_OFFICIAL), ("home", Role.RESIDENT), ("other", Role.BUMDES_ADMIN)],
)
def test_only_the_village_bumdes_admins_add_sellers(api, two_villages, village_key, role):
    before = seller_count()
    api.force_authenticate(two_villages["people"][village_key][role])

    response = api.post(SELLERS.format("panggungharjo"), {"name": "Warung Baru"})

    error_of(response, 403, "not_allowed_for_village")
    assert seller_count() == before


def test_adding_to_an_unknown_village_is_404(api, two_villages, admin):
    api.force_authenticate(admin)

    error_of(api.post(SELLERS.format("atlantis"), {"name": "Warung"}), 404, "village_not_found")


@pytest.fixture
def staffed(two_villages):
    """The home village's seller staff and their seller, and a second seller of the village."""
    staff = two_villages["people"]["home"][Role.SELLER_STAFF]
    seller = staff.memberships.get().seller
    neighbour = SellerFactory(village=two_villages["home"], slug="tetangga")
    return {"staff": staff, "seller": seller, "neighbour": neighbour}


def test_a_seller_for_its_staff_and_the_bumdes_admin(api, two_villages, admin, staffed):
    seller = staffed["seller"]
    url = SELLER.format("panggungharjo", seller.slug)

    for who in (staffed["staff"], admin, UserFactory(is_staff=True)):
        api.force_authenticate(who)
        response = api.get(url)
        assert response.status_code == 200
        assert response.json()["slug"] == seller.slug


def test_staff_do_not_see_other_sellers_of_their_village(api, two_villages, staffed):
    api.force_authenticate(staffed["staff"])

    error_of(api.get(SELLER.format("panggungharjo", "tetangga")), 403, "not_allowed_for_village")


@pytest.mark.parametrize(
    ("village_key", "role"),
    [
        ("home", Role.VILLAGE_OFFICIAL),
        ("home", Role.RESIDENT),
        ("other", Role.BUMDES_ADMIN),
        ("other", Role.SELLER_STAFF),
    ],
)
def test_a_seller_is_refused_to_others(api, two_villages, staffed, village_key, role):
    api.force_authenticate(two_villages["people"][village_key][role])

    response = api.get(SELLER.format("panggungharjo", staffed["seller"].slug))

    error_of(response, 403, "not_allowed_for_village")


def test_an_unknown_seller_is_404(api, admin, two_villages):
    api.force_authenticate(admin)

    error_of(api.get(SELLER.format("panggungharjo", "tidak-ada")), 404, "seller_not_found")


def test_staff_of_a_seller_elsewhere_cannot_reach_it_by_another_village_url(api, two_villages):
    other_staff = two_villages["people"]["other"][Role.SELLER_STAFF]
    their_seller = other_staff.memberships.get().seller
    api.force_authenticate(other_staff)

    response = api.get(SELLER.format("panggungharjo", their_seller.slug))

    error_of(response, 403, "not_allowed_for_village")
