"""A NIK never leaves the official's own screen: not in logs, URLs, or other people's pages."""

import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from villages.enums import Role
from vouchers.models import Beneficiary

pytestmark = pytest.mark.django_db

NIK = "3402150101800001"
KK = "3402150101080001"


def test_registering_and_importing_log_no_nik_and_put_none_in_a_url(client, two_villages, caplog):
    home = two_villages["home"]
    client.force_login(two_villages["people"]["home"][Role.VILLAGE_OFFICIAL])
    caplog.set_level(logging.DEBUG)
    base = {"village_slug": home.slug}

    created = client.post(
        reverse("vouchers:beneficiary_create", kwargs=base),
        {"nik": NIK, "kk": KK, "name": "Sri", "phone": "", "address": ""},
    )
    refused = client.post(
        reverse("vouchers:beneficiary_create", kwargs=base),
        {"nik": NIK, "kk": KK, "name": "Sri again", "phone": "", "address": ""},
    )
    data = f"nik;kk;nama\n3402150101800002;{KK};Slamet\n{NIK};{KK};Twice\n".encode()
    imported = client.post(
        reverse("vouchers:beneficiary_import", kwargs=base),
        {"file": SimpleUploadedFile("kpm.csv", data, content_type="text/csv")},
    )

    assert created.status_code == 302
    assert NIK not in created.url
    assert refused.status_code == 400
    assert imported.status_code == 400  # the NIK in row 3 is registered already
    assert Beneficiary.objects.count() == 1
    assert NIK not in caplog.text
    assert KK not in caplog.text
    assert "3402150101800002" not in caplog.text


def test_no_page_for_anyone_else_shows_a_beneficiarys_nik(client, two_villages):
    home = two_villages["home"]
    client.force_login(two_villages["people"]["home"][Role.VILLAGE_OFFICIAL])
    client.post(
        reverse("vouchers:beneficiary_create", kwargs={"village_slug": home.slug}),
        {"nik": NIK, "kk": KK, "name": "Sri", "phone": "", "address": ""},
    )
    sri = Beneficiary.objects.get()
    pages = [
        reverse("vouchers:beneficiary_list", kwargs={"village_slug": home.slug}),
        reverse(
            "vouchers:beneficiary_detail",
            kwargs={"village_slug": home.slug, "beneficiary_id": sri.pk},
        ),
        reverse("villages:village", kwargs={"village_slug": home.slug}),
    ]
    others = [
        two_villages["people"]["home"][Role.BUMDES_ADMIN],
        two_villages["people"]["home"][Role.RESIDENT],
        two_villages["people"]["other"][Role.VILLAGE_OFFICIAL],
    ]
    for person in others:
        client.force_login(person)
        for page in pages:
            response = client.get(page)
            assert NIK not in response.content.decode(), (person, page)
            assert sri.nik_masked not in response.content.decode(), (person, page)
