"""Signing up and in with a phone number or an email, as a resident would."""

import re

import pytest
from django.urls import reverse

from accounts.models import User
from tests.factories import PASSWORD, UserFactory

STRONG_PASSWORD = "Sawah-Hijau-2026"


def signup(client, captured, **fields):
    data = {"name": "Siti Aminah", "password1": STRONG_PASSWORD, "password2": STRONG_PASSWORD}
    data.update(fields)
    with captured(execute=True):
        return client.post(reverse("account_signup"), data)


def sent_code(outbox):
    phone, text = outbox[-1]
    return phone, re.search(r"\b(\d{6})\b", text).group(1)


@pytest.mark.django_db
def test_phone_signup_sends_a_code_and_the_code_verifies_the_phone(
    client, text_outbox, django_capture_on_commit_callbacks
):
    response = signup(client, django_capture_on_commit_callbacks, phone="0812-3456-7890")

    assert response.status_code == 302
    assert response.url == reverse("account_verify_phone")
    user = User.objects.get(phone="+6281234567890")
    assert user.name == "Siti Aminah"
    assert user.phone_verified is False
    phone, code = sent_code(text_outbox)
    assert phone == "+6281234567890"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_verify_phone"), {"code": code})

    assert response.status_code == 302
    assert response.url == reverse("accounts:my_account")
    user.refresh_from_db()
    assert user.phone_verified is True
    assert client.get(reverse("accounts:my_account")).status_code == 200


@pytest.mark.django_db
def test_a_wrong_code_is_refused_and_the_phone_stays_unverified(
    client, text_outbox, django_capture_on_commit_callbacks
):
    signup(client, django_capture_on_commit_callbacks, phone="081234567890")
    _phone, code = sent_code(text_outbox)
    wrong = "000000" if code != "000000" else "111111"

    response = client.post(reverse("account_verify_phone"), {"code": wrong})

    assert response.status_code == 200
    assert "Kode salah" in response.content.decode()
    assert User.objects.get(phone="+6281234567890").phone_verified is False


@pytest.mark.django_db
def test_email_signup_needs_no_phone(client, django_capture_on_commit_callbacks):
    response = signup(client, django_capture_on_commit_callbacks, email="siti@contoh.id")

    assert response.status_code == 302
    user = User.objects.get(email="siti@contoh.id")
    assert user.phone is None


@pytest.mark.django_db
def test_signup_without_phone_or_email_is_refused_in_indonesian(
    client, django_capture_on_commit_callbacks
):
    response = signup(client, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert "Isi nomor HP atau alamat email." in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_signup_with_a_bad_phone_is_refused_in_indonesian(
    client, django_capture_on_commit_callbacks
):
    response = signup(client, django_capture_on_commit_callbacks, phone="0812")

    assert response.status_code == 200
    assert "Nomor HP tidak valid" in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_signup_with_a_taken_phone_in_another_form_is_refused(
    client, text_outbox, django_capture_on_commit_callbacks
):
    UserFactory(phone="+6281234567890")

    response = signup(client, django_capture_on_commit_callbacks, phone="62 812 3456 7890")

    assert response.status_code == 200
    assert "sudah terdaftar" in response.content.decode()
    assert User.objects.count() == 1
    assert text_outbox == []


@pytest.mark.django_db
@pytest.mark.parametrize("login", ["081234567890", "+6281234567890", "6281234567890"])
def test_sign_in_with_the_phone_written_any_way(client, login):
    UserFactory(phone="+6281234567890", phone_verified=True)

    response = client.post(reverse("account_login"), {"login": login, "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("accounts:my_account")


@pytest.mark.django_db
def test_sign_in_with_email(client):
    user = UserFactory(email="budi@contoh.id")
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    response = client.post(
        reverse("account_login"), {"login": "budi@contoh.id", "password": PASSWORD}
    )

    assert response.status_code == 302


@pytest.mark.django_db
def test_failed_sign_ins_are_rate_limited(client):
    UserFactory(phone="+6281234567890")
    attempt = {"login": "081234567890", "password": "bukan-sandinya"}

    for _ in range(5):
        response = client.post(reverse("account_login"), attempt)
        assert "Terlalu banyak" not in response.content.decode()

    response = client.post(reverse("account_login"), {**attempt, "password": PASSWORD})

    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session
    assert "Terlalu banyak" in response.content.decode()


@pytest.mark.django_db
def test_sign_out_is_a_post(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_password_reset_by_email_sends_a_link(client, mailoutbox):
    UserFactory(email="budi@contoh.id")
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(
        user=User.objects.get(email="budi@contoh.id"), email="budi@contoh.id", verified=True
    )

    response = client.post(reverse("account_reset_password"), {"email": "budi@contoh.id"})

    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "/akun/password/reset/key/" in mailoutbox[0].body


@pytest.mark.django_db
def test_a_resident_without_email_signs_in_with_a_code_by_text_message(
    client, text_outbox, django_capture_on_commit_callbacks
):
    """How a phone-only resident gets back in after forgetting the password."""
    user = UserFactory(phone="+6281234567890", email="")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_request_login_code"), {"phone": "0812 3456 7890"})
    assert response.status_code == 302
    phone, code = sent_code(text_outbox)
    assert phone == "+6281234567890"

    response = client.post(response.url, {"code": code})

    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


@pytest.mark.django_db
def test_a_wrong_sign_in_code_lets_nobody_in(
    client, text_outbox, django_capture_on_commit_callbacks
):
    UserFactory(phone="+6281234567890", email="")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_request_login_code"), {"phone": "081234567890"})
    _phone, code = sent_code(text_outbox)

    client.post(response.url, {"code": "000000" if code != "000000" else "111111"})

    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_welcome_message_names_the_person_not_the_generated_username(client):
    UserFactory(phone="+6281234567890", name="Siti Aminah", username="user7")

    response = client.post(
        reverse("account_login"), {"login": "081234567890", "password": PASSWORD}, follow=True
    )

    page = response.content.decode()
    assert "Siti Aminah" in page
    assert "user7" not in page
