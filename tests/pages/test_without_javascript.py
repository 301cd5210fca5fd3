"""Every page works with JavaScript off: real forms, no script-only controls, no CDN."""

import re

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tests.pages.html import Form, read_page
from villages.enums import Role

INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def submits(form: Form, page) -> bool:
    own_button = any(
        b.get("type") in (None, "submit") and not b.get("form") for b in form.buttons
    ) or any(i.get("type") == "submit" for i in form.inputs)
    return own_button or form.attrs.get("id") in page.form_targets


def open_page(client, two_villages, django_capture_on_commit_callbacks, name):
    home = two_villages["home"]
    admin = two_villages["people"]["home"][Role.BUMDES_ADMIN]
    signed_in = {
        "manage": (admin, reverse("villages:manage", kwargs={"village_slug": home.slug})),
        "my_account": (admin, reverse("accounts:my_account")),
        "password_change": (admin, reverse("account_change_password")),
        "email": (admin, reverse("account_email")),
        "phone_change": (
            UserFactory(phone="+6281355554444", phone_verified=False),
            reverse("account_change_phone"),
        ),
        "logout": (admin, reverse("account_logout")),
    }
    public = {
        "home": reverse("villages:home"),
        "village": reverse("villages:village", kwargs={"village_slug": home.slug}),
        "login": reverse("account_login"),
        "signup": reverse("account_signup"),
        "password_reset": reverse("account_reset_password"),
    }
    if name in signed_in:
        user, url = signed_in[name]
        client.force_login(user)
        return client.get(url)
    if name in public:
        return client.get(public[name])
    assert name == "verify_phone"
    with django_capture_on_commit_callbacks(execute=True):
        password = "Sawah-Hijau-2026"
        return client.post(
            reverse("account_signup"),
            {"name": "Siti", "phone": "081234567890", "password1": password, "password2": password},
            follow=True,
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "home",
        "village",
        "manage",
        "my_account",
        "login",
        "signup",
        "verify_phone",
        "password_reset",
        "password_change",
        "email",
        "phone_change",
        "logout",
    ],
)
def test_every_form_is_a_real_form_and_nothing_needs_a_script(
    client, two_villages, django_capture_on_commit_callbacks, name
):
    response = open_page(client, two_villages, django_capture_on_commit_callbacks, name)

    assert response.status_code == 200
    page = read_page(response)
    assert page.forms, "every page has at least the language switch"
    for form in page.forms:
        method = form.attrs.get("method")
        assert method in {"get", "post"}, form.attrs
        assert form.attrs.get("action"), form.attrs
        if method == "post":
            assert "csrfmiddlewaretoken" in form.names(), form.attrs
        assert submits(form, page), form.attrs
    assert not INLINE_HANDLER.search(page.html)
    assert "javascript:" not in page.html
    assert all(url.startswith("/static/") for url in page.resources), page.resources
