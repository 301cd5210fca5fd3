"""/me/ and API tokens: phone in any common form, wrong passwords, throttling, revoking."""

import pytest
from rest_framework.authtoken.models import Token

from tests.api.helpers import error_of, indonesian
from tests.factories import PASSWORD, MembershipFactory, SellerFactory, UserFactory, member
from villages.enums import Role

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture
def siti(db):
    return UserFactory(name="Siti Aminah", email="siti@contoh.id", phone="+6281234567890")


def test_me_shows_my_details_and_my_roles(api, two_villages, django_assert_max_num_queries):
    home, other = two_villages["home"], two_villages["other"]
    seller = SellerFactory(village=other, name="Tempe Bu Siti", slug="tempe-bu-siti")
    person = member(home, Role.RESIDENT, name="Siti Aminah", email="siti@contoh.id")
    MembershipFactory(user=person, village=other, role=Role.SELLER_STAFF, seller=seller)
    api.force_authenticate(person)

    with django_assert_max_num_queries(2):  # scope, memberships
        response = api.get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json() == {
        "id": person.pk,
        "name": "Siti Aminah",
        "email": "siti@contoh.id",
        "phone": person.phone,
        "phone_verified": True,
        "is_platform_admin": False,
        "memberships": [
            {
                "village": {"slug": "panggungharjo", "name": "Panggungharjo"},
                "role": "resident",
                "seller": None,
            },
            {
                "village": {"slug": "sriharjo", "name": "Sriharjo"},
                "role": "seller_staff",
                "seller": {"slug": "tempe-bu-siti", "name": "Tempe Bu Siti"},
            },
        ],
    }


def test_me_of_a_platform_admin_without_roles(api, db):
    admin = UserFactory(is_staff=True, phone=None, phone_verified=False, email="admin@contoh.id")
    api.force_authenticate(admin)

    body = api.get("/api/v1/me/").json()

    assert body["is_platform_admin"] is True
    assert body["phone"] is None
    assert body["memberships"] == []


def test_me_needs_a_signed_in_person(api, db):
    error_of(api.get("/api/v1/me/"), 401, "not_authenticated")


@pytest.mark.parametrize(
    "login",
    ["081234567890", "+6281234567890", "6281234567890", "0812-3456-7890", " siti@contoh.id "],
)
def test_token_for_phone_in_any_common_form_or_email(api, siti, login):
    response = api.post(TOKEN_URL, {"login": login, "password": PASSWORD}, format="json")

    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=siti).key}


def test_the_same_token_until_revoked_and_it_signs_in(api, siti):
    first = api.post(TOKEN_URL, {"login": "0812 3456 7890", "password": PASSWORD}).json()
    second = api.post(TOKEN_URL, {"login": "siti@contoh.id", "password": PASSWORD}).json()
    assert first == second
    assert Token.objects.count() == 1

    api.credentials(HTTP_AUTHORIZATION=f"Token {first['token']}")
    assert api.get("/api/v1/me/").json()["id"] == siti.pk


def test_wrong_password_is_400_in_indonesian_and_issues_nothing(api, siti):
    response = api.post(TOKEN_URL, {"login": "081234567890", "password": "salah"}, format="json")

    assert error_of(response, 400, "invalid_credentials") == {
        "message": indonesian("The phone number and/or password you specified are not correct."),
        "code": "invalid_credentials",
        "extra": {},
    }
    assert response["Content-Language"] == "id"
    assert not Token.objects.exists()


def test_wrong_password_in_english_for_an_email_login(api_en, siti):
    response = api_en.post(TOKEN_URL, {"login": "siti@contoh.id", "password": "salah"})

    body = error_of(response, 400, "invalid_credentials")
    assert body["message"] == "The email address and/or password you specified are not correct."


def test_unknown_people_and_inactive_people_get_the_same_answer(api, siti):
    siti.is_active = False
    siti.save()

    for login in ("081234567890", "089876543210", "orang@lain.id"):
        response = api.post(TOKEN_URL, {"login": login, "password": PASSWORD})
        error_of(response, 400, "invalid_credentials")
    assert not Token.objects.exists()


def test_malformed_input_names_the_fields(api_en, db):
    response = api_en.post(TOKEN_URL, {"login": "12345"}, format="json")

    assert error_of(response, 400, "invalid") == {
        "message": "Some of the data sent is not valid.",
        "code": "invalid",
        "extra": {"fields": {"password": ["This field is required."]}},
    }

    response = api_en.post(TOKEN_URL, {"login": "12345", "password": "x"}, format="json")

    assert error_of(response, 400, "invalid")["extra"] == {
        "fields": {
            "login": ["That is not a valid Indonesian phone number. Example: 0812 3456 7890."]
        }
    }


def test_eleventh_attempt_in_a_minute_is_throttled_even_with_the_right_password(api, siti):
    for _ in range(10):
        response = api.post(TOKEN_URL, {"login": "081234567890", "password": "salah"})
        assert response.status_code == 400

    response = api.post(TOKEN_URL, {"login": "081234567890", "password": PASSWORD})

    body = error_of(response, 429, "throttled")
    assert body["message"] == indonesian("Request was throttled.")
    assert 0 < body["extra"]["wait"] <= 60
    assert response["Retry-After"] == str(body["extra"]["wait"])
    assert not Token.objects.exists()


def test_delete_revokes_the_callers_token_only(api, siti):
    other = UserFactory()
    other_token = Token.objects.create(user=other)
    token = api.post(TOKEN_URL, {"login": "081234567890", "password": PASSWORD}).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    assert api.delete(TOKEN_URL).status_code == 204

    assert list(Token.objects.all()) == [other_token]
    error_of(api.get("/api/v1/me/"), 401, "authentication_failed")


def test_delete_needs_a_signed_in_person(api, db):
    error_of(api.delete(TOKEN_URL), 401, "not_authenticated")


def test_delete_with_a_session_and_no_token_is_fine(api, siti):
    api.force_login(siti)

    assert api.delete(TOKEN_URL).status_code == 204
