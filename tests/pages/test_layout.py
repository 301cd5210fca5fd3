"""The one layout every page shares: language, header, footer, and a small front end."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import UserFactory
from tests.pages.html import read_page
from villages.enums import Role

STATIC_BUDGET_BYTES = 30 * 1024


@pytest.mark.django_db
def test_pages_are_indonesian_even_when_the_phone_asks_for_english(client, two_villages):
    response = client.get(reverse("villages:home"), HTTP_ACCEPT_LANGUAGE="en")

    page = read_page(response)
    assert '<html lang="id">' in page.html
    assert response["Content-Language"] == "id"
    assert "Beranda" in page.text()
    assert "2 desa berdagang di pasar ini." in page.text()


@pytest.mark.django_db
def test_the_language_switch_is_a_plain_form_that_turns_the_site_english(client, two_villages):
    home = read_page(client.get(reverse("villages:home")))
    switch = home.form_posting_to(reverse("set_language"))
    assert switch.attrs["method"] == "post"
    assert {"csrfmiddlewaretoken", "next", "language"} <= switch.names()
    assert any(button.get("type") == "submit" for button in switch.buttons)

    response = client.post(reverse("set_language"), {"language": "en", "next": "/desa/sriharjo/"})

    assert response.status_code == 302
    assert response.url == "/desa/sriharjo/"
    page = read_page(client.get(response.url))
    assert '<html lang="en">' in page.html
    assert page.headings["h1"] == ["Sriharjo village"]
    for phrase in ("Home", "Sign in", "Sign up", "Sellers", "Chat on WhatsApp"):
        assert phrase in page.text()
    assert "Beranda" not in page.text()


@pytest.mark.django_db
def test_account_pages_follow_the_english_switch(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    page = read_page(client.get(reverse("account_login")))

    assert page.headings["h1"] == ["Sign in"]
    assert "Phone number or email" in page.text()
    assert "Password" in page.text()


@pytest.mark.django_db
def test_a_visitor_is_offered_sign_in_and_sign_up(client, two_villages):
    page = read_page(client.get(reverse("villages:home")))

    assert f'href="{reverse("account_login")}"' in page.html
    assert f'href="{reverse("account_signup")}"' in page.html
    assert "Masuk" in page.text()
    assert "Daftar" in page.text()
    assert page.forms_posting_to(reverse("account_logout")) == []


@pytest.mark.django_db
def test_a_signed_in_person_gets_their_account_link_and_a_sign_out_form(client, two_villages):
    client.force_login(UserFactory())

    page = read_page(client.get(reverse("villages:home")))

    assert f'href="{reverse("accounts:my_account")}"' in page.html
    assert "Akun saya" in page.text()
    sign_out = page.form_posting_to(reverse("account_logout"))
    assert sign_out.attrs["method"] == "post"
    assert "csrfmiddlewaretoken" in sign_out.names()
    assert "Keluar" in page.text()
    assert f'href="{reverse("account_login")}"' not in page.html


@pytest.mark.django_db
def test_the_layout_loads_only_our_own_small_files(client, two_villages):
    page = read_page(client.get(reverse("villages:home")))

    assert sorted(page.resources) == ["/static/css/app.css", "/static/js/app.js"]
    assert page.scripts == [{"src": "/static/js/app.js", "defer": None}]
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page.html


def test_stylesheet_and_script_together_stay_under_30_kilobytes():
    static = Path(settings.BASE_DIR) / "static"
    files = [path for folder in ("css", "js") for path in (static / folder).rglob("*")]
    total = sum(path.stat().st_size for path in files if path.is_file())

    assert {path.name for path in files} >= {"app.css", "app.js"}
    assert total < STATIC_BUDGET_BYTES


@pytest.mark.django_db
def test_the_language_switch_returns_to_the_page_it_was_used_on(client, two_villages):
    url = reverse("villages:village", kwargs={"village_slug": "sriharjo"}) + "?dari=beranda"

    page = read_page(client.get(url))

    switch = page.form_posting_to(reverse("set_language"))
    assert [i["value"] for i in switch.inputs if i.get("name") == "next"] == [url]


@pytest.mark.django_db
def test_the_language_switch_on_a_page_answering_a_post_returns_home(client, two_villages):
    home = two_villages["home"]
    client.force_login(two_villages["people"]["home"][Role.BUMDES_ADMIN])

    response = client.post(
        reverse("villages:seller_create", kwargs={"village_slug": home.slug}), {"name": ""}
    )

    switch = read_page(response).form_posting_to(reverse("set_language"))
    assert [i["value"] for i in switch.inputs if i.get("name") == "next"] == ["/"]
