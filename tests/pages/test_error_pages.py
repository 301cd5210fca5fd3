"""Error pages speak Indonesian in our layout, and the server error page needs nothing."""

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from tests.pages.html import read_page
from villages.enums import Role


@pytest.mark.django_db
def test_an_unknown_village_gets_our_not_found_page(client):
    response = client.get(reverse("villages:village", kwargs={"village_slug": "tidak-ada"}))

    assert response.status_code == 404
    page = read_page(response)
    assert '<link rel="stylesheet" href="/static/css/app.css">' in page.html
    assert page.headings["h1"] == ["Halaman tidak ditemukan"]


@pytest.mark.django_db
def test_a_resident_opening_the_management_page_gets_our_refusal_page(client, two_villages):
    home = two_villages["home"]
    client.force_login(two_villages["people"]["home"][Role.RESIDENT])

    response = client.get(reverse("villages:manage", kwargs={"village_slug": home.slug}))

    assert response.status_code == 403
    assert read_page(response).headings["h1"] == ["Tidak diizinkan"]


@pytest.mark.django_db
def test_a_form_sent_without_its_token_explains_what_to_do():
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("set_language"), {"language": "en"})

    assert response.status_code == 403
    assert read_page(response).headings["h1"] == ["Formulir sudah kedaluwarsa"]


def test_the_server_error_page_renders_without_a_request():
    page = render_to_string("500.html")

    assert "<h1>Terjadi kesalahan</h1>" in page
    assert '<html lang="id">' in page
