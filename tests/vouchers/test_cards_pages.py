"""An official's card pages: the card PDF (no NIK, ever), the sealed PIN slip, unlocking."""

import re
import zlib

import pytest
from django.contrib.auth.hashers import check_password
from django.template.loader import render_to_string
from django.urls import reverse

from tests.vouchers.factories import BeneficiaryFactory
from villages.enums import Role
from vouchers.models import PIN_ATTEMPTS_BEFORE_LOCK, Beneficiary

NIK = "3402151234560001"


def pdf_text(content):
    """The PDF's bytes with every compressed stream inflated, as text to search."""
    parts = [content]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, re.DOTALL):
        try:
            parts.append(zlib.decompress(stream))
        except zlib.error:
            parts.append(stream)
    return b"\n".join(parts).decode("latin-1")


@pytest.fixture
def world(two_villages):
    beneficiary = BeneficiaryFactory(
        village=two_villages["home"], nik=NIK, name="Sri Lestari", card_number="9000123456780001"
    )
    return {**two_villages, "beneficiary": beneficiary}


def card_url(world, name="card_pdf", village=None, beneficiary=None):
    return reverse(
        f"vouchers:{name}",
        kwargs={
            "village_slug": (village or world["home"]).slug,
            "beneficiary_id": (beneficiary or world["beneficiary"]).pk,
        },
    )


def official(world, key="home"):
    return world["people"][key][Role.VILLAGE_OFFICIAL]


def lock(beneficiary):
    Beneficiary.objects.filter(pk=beneficiary.pk).update(
        pin_failures=PIN_ATTEMPTS_BEFORE_LOCK, card_locked_at="2026-01-01T00:00Z"
    )


@pytest.mark.django_db
def test_the_official_downloads_the_card_without_the_nik(client, world):
    client.force_login(official(world))
    response = client.get(card_url(world))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "9000123456780001" in response["Content-Disposition"]
    assert NIK not in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    content = response.content
    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    assert "Sri Lestari" in text
    assert "9000 1234 5678 0001" in text
    assert "KARTU BANTUAN PANGAN" in text
    assert "Panggungharjo" in text
    for leak in (NIK, NIK[:4] + "••", "3402 1512", NIK[-8:]):
        assert leak.encode() not in content
        assert leak not in text


@pytest.mark.django_db
def test_the_sheet_holds_every_active_beneficiary_ten_to_a_page(client, world):
    for n in range(21):
        BeneficiaryFactory(village=world["home"], name=f"Warga {n:02d}")
    BeneficiaryFactory(village=world["home"], name="Tidak Aktif", is_active=False)
    BeneficiaryFactory(village=world["other"], name="Warga Sriharjo")
    client.force_login(official(world))

    response = client.get(
        reverse("vouchers:card_sheet_pdf", kwargs={"village_slug": "panggungharjo"})
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    text = pdf_text(response.content)
    assert response.content.startswith(b"%PDF")
    assert len(re.findall(r"/Type /Page\b", text)) == 3  # 22 cards
    assert "Warga 20" in text
    assert "Sri Lestari" in text
    assert "Tidak Aktif" not in text
    assert "Warga Sriharjo" not in text
    assert NIK not in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "role"),
    [
        ("other", Role.VILLAGE_OFFICIAL),
        ("home", Role.BUMDES_ADMIN),
        ("home", Role.SELLER_STAFF),
        ("home", Role.RESIDENT),
    ],
)
def test_only_the_villages_officials_get_its_cards(client, world, key, role):
    client.force_login(world["people"][key][role])
    assert client.get(card_url(world)).status_code == 403
    sheet = reverse("vouchers:card_sheet_pdf", kwargs={"village_slug": "panggungharjo"})
    assert client.get(sheet).status_code == 403
    assert client.post(card_url(world, "card_pin")).status_code == 403
    assert client.post(card_url(world, "card_unlock")).status_code == 403


@pytest.mark.django_db
def test_another_villages_beneficiary_is_not_found_under_ones_own_village(client, world):
    client.force_login(official(world, "other"))
    url = card_url(world, village=world["other"])
    assert client.get(url).status_code == 404
    assert client.post(card_url(world, "card_pin", village=world["other"])).status_code == 404
    assert client.post(card_url(world, "card_unlock", village=world["other"])).status_code == 404


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = client.get(card_url(world))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.django_db
def test_the_pin_page_confirms_first_then_shows_the_slip_once(client, world):
    client.force_login(official(world))
    before = Beneficiary.objects.get(pk=world["beneficiary"].pk).pin_hash

    page = client.get(card_url(world, "card_pin"))
    assert page.status_code == 200
    assert b'id="issue-pin"' in page.content
    assert Beneficiary.objects.get(pk=world["beneficiary"].pk).pin_hash == before

    slip = client.post(card_url(world, "card_pin"))
    assert slip.status_code == 200
    assert "no-store" in slip["Cache-Control"]
    pin = re.search(rb'id="pin"[^>]*>(\d{6})<', slip.content).group(1).decode()
    stored = Beneficiary.objects.get(pk=world["beneficiary"].pk).pin_hash
    assert stored != before
    assert check_password(pin, stored)
    assert pin.encode() not in stored.encode()
    assert NIK.encode() not in slip.content
    assert b"9000 1234 5678 0001" in slip.content


@pytest.mark.django_db
def test_the_official_unlocks_a_locked_card(client, world):
    lock(world["beneficiary"])
    client.force_login(official(world))
    page = client.get(card_url(world, "card_pin"))
    assert b'id="card-unlock"' in page.content  # the card actions partial offers it

    response = client.post(card_url(world, "card_unlock"), {"next": "https://evil.example/"})

    assert response.status_code == 302
    assert response.url == card_url(world, "card_pin")  # never off the site
    row = Beneficiary.objects.get(pk=world["beneficiary"].pk)
    assert (row.pin_failures, row.card_locked_at) == (0, None)


@pytest.mark.django_db
def test_another_villages_official_cannot_unlock(client, world):
    lock(world["beneficiary"])
    client.force_login(official(world, "other"))
    assert client.post(card_url(world, "card_unlock")).status_code == 403
    row = Beneficiary.objects.get(pk=world["beneficiary"].pk)
    assert row.card_locked_at is not None
    assert row.pin_failures == PIN_ATTEMPTS_BEFORE_LOCK


@pytest.mark.django_db
def test_unlock_is_post_only(client, world):
    client.force_login(official(world))
    assert client.get(card_url(world, "card_unlock")).status_code == 405


@pytest.mark.django_db
def test_the_sheet_link_partial_points_at_the_villages_sheet(world):
    html = render_to_string("vouchers/cards/_sheet_link.html", {"village": world["home"]})
    assert 'href="/desa/panggungharjo/bantuan/kartu.pdf"' in html


@pytest.mark.django_db
def test_a_name_beyond_latin1_still_prints(client, world):
    Beneficiary.objects.filter(pk=world["beneficiary"].pk).update(name="Siti Nur\u2019aini \u738b")
    client.force_login(official(world))
    response = client.get(card_url(world))
    assert response.status_code == 200
    assert "Siti Nur'aini ?" in pdf_text(response.content)
