"""The registry pages: only the village's officials open them, the NIK shows masked except
on the beneficiary's own page, and the list costs the same queries for any number of rows."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import UserFactory
from tests.vouchers.factories import BeneficiaryFactory
from villages.enums import Role
from vouchers import nik
from vouchers.models import Beneficiary

pytestmark = pytest.mark.django_db

NIK = "3402150101800001"
KK = "3402150101080001"


@pytest.fixture
def official_client(client, two_villages):
    client.force_login(two_villages["people"]["home"][Role.VILLAGE_OFFICIAL])
    return client


def url(name, village, **kwargs):
    return reverse(f"vouchers:{name}", kwargs={"village_slug": village.slug, **kwargs})


def beneficiary(village, number=NIK, **fields):
    return BeneficiaryFactory(
        village=village,
        nik=number,
        kk_encrypted=nik.encrypt(KK),
        phone=fields.pop("phone", "+6281234567890"),
        address=fields.pop("address", "Jl. Mawar 3"),
        **fields,
    )


# --- the list -------------------------------------------------------------------------------


def test_the_list_shows_names_masked_niks_and_status_never_the_full_nik(
    official_client, two_villages
):
    home = two_villages["home"]
    beneficiary(home, name="Sri Wahyuni")
    beneficiary(home, "3402150101800002", name="Slamet", is_active=False)

    response = official_client.get(url("beneficiary_list", home))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Sri Wahyuni" in html
    assert "Slamet" in html
    assert "3402••••••••0001" in html
    assert NIK not in html
    assert KK not in html
    assert 'id="beneficiary-count"' in html
    assert reverse("vouchers:card_sheet_pdf", kwargs={"village_slug": home.slug}) in html
    assert [b.name for b in response.context["beneficiaries"]] == ["Slamet", "Sri Wahyuni"]


def test_the_list_searches_by_name_and_filters_by_status(official_client, two_villages):
    home = two_villages["home"]
    beneficiary(home, name="Sri Wahyuni")
    beneficiary(home, "3402150101800002", name="Sri Rejeki", is_active=False)
    beneficiary(home, "3402150101800003", name="Slamet")

    def names(**query):
        response = official_client.get(url("beneficiary_list", home), query)
        return [b.name for b in response.context["beneficiaries"]]

    assert names(q="sri") == ["Sri Rejeki", "Sri Wahyuni"]
    assert names(q="sri", status="active") == ["Sri Wahyuni"]
    assert names(status="inactive") == ["Sri Rejeki"]
    assert names(q="nobody") == []


def test_the_list_is_paginated(official_client, two_villages):
    home = two_villages["home"]
    for n in range(30):
        beneficiary(home, f"34021501018{n:05d}", name=f"Penerima {n:02d}")

    first = official_client.get(url("beneficiary_list", home))
    second = official_client.get(url("beneficiary_list", home), {"page": 2})

    assert len(first.context["beneficiaries"]) == 25
    assert len(second.context["beneficiaries"]) == 5
    assert second.context["beneficiaries"][-1].name == "Penerima 29"


def test_a_nik_registered_by_another_village_is_flagged_to_both_without_their_details(
    client, two_villages
):
    home, other = two_villages["home"], two_villages["other"]
    ours = beneficiary(home, name="Sri Wahyuni", phone="+6281200001111", address="Jl. Mawar 3")
    theirs = beneficiary(other, name="Sri W. Lain", phone="+6281299990000", address="Gang Sawo")
    beneficiary(home, "3402150101800002", name="Slamet")

    client.force_login(two_villages["people"]["home"][Role.VILLAGE_OFFICIAL])
    listed = client.get(url("beneficiary_list", home)).content.decode()
    detail = client.get(url("beneficiary_detail", home, beneficiary_id=ours.pk)).content.decode()
    for html in (listed, detail):
        assert "Sriharjo" in html  # the other village is named
        assert "Sri W. Lain" not in html
        assert "+6281299990000" not in html
        assert "Gang Sawo" not in html
    assert listed.count("registered-elsewhere") == 1  # Sri only, not Slamet
    assert 'id="registered-elsewhere"' in detail

    client.force_login(two_villages["people"]["other"][Role.VILLAGE_OFFICIAL])
    listed = client.get(url("beneficiary_list", other)).content.decode()
    detail = client.get(url("beneficiary_detail", other, beneficiary_id=theirs.pk)).content.decode()
    for html in (listed, detail):
        assert "Panggungharjo" in html
        assert "Sri Wahyuni" not in html
        assert "+6281200001111" not in html
        assert "Jl. Mawar 3" not in html
    assert "registered-elsewhere" in listed


LIST_PAGE_QUERIES = 7  # session, user, memberships, village, count, page, other villages


def test_the_list_costs_the_same_queries_for_3_or_25_beneficiaries(
    official_client, two_villages, django_assert_num_queries
):
    home, other = two_villages["home"], two_villages["other"]
    for n in range(3):
        beneficiary(home, f"34021501018{n:05d}")
        beneficiary(other, f"34021501018{n:05d}")
    official_client.get(url("beneficiary_list", home))  # warm the session

    with django_assert_num_queries(LIST_PAGE_QUERIES):
        assert official_client.get(url("beneficiary_list", home)).status_code == 200
    for n in range(3, 25):
        beneficiary(home, f"34021501018{n:05d}")
        beneficiary(other, f"34021501018{n:05d}")
    with django_assert_num_queries(LIST_PAGE_QUERIES):
        response = official_client.get(url("beneficiary_list", home))
    assert len(response.context["beneficiaries"]) == 25
    assert response.content.decode().count("registered-elsewhere") == 25


# --- who may open the pages ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["beneficiary_list", "beneficiary_create", "beneficiary_import"])
@pytest.mark.parametrize(
    ("key", "role"),
    [
        ("home", Role.BUMDES_ADMIN),
        ("home", Role.SELLER_STAFF),
        ("home", Role.RESIDENT),
        ("other", Role.VILLAGE_OFFICIAL),
    ],
)
def test_only_the_villages_officials_open_the_registry(client, two_villages, name, key, role):
    client.force_login(two_villages["people"][key][role])

    assert client.get(url(name, two_villages["home"])).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, two_villages):
    response = client.get(url("beneficiary_list", two_villages["home"]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


# --- one beneficiary ------------------------------------------------------------------------


def test_the_detail_page_shows_the_full_nik_and_kk_to_the_owning_official_only(
    client, two_villages
):
    home = two_villages["home"]
    sri = beneficiary(home, name="Sri Wahyuni")
    page = url("beneficiary_detail", home, beneficiary_id=sri.pk)

    client.force_login(two_villages["people"]["home"][Role.VILLAGE_OFFICIAL])
    response = client.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<code id="nik">{NIK}</code>' in html
    assert f'<code id="kk">{KK}</code>' in html
    assert sri.card_number in html
    assert "no-store" in response["Cache-Control"]
    card_pdf = reverse(
        "vouchers:card_pdf", kwargs={"village_slug": home.slug, "beneficiary_id": sri.pk}
    )
    assert 'id="card-actions"' in html
    assert card_pdf in html

    for key, role in [("home", Role.BUMDES_ADMIN), ("other", Role.VILLAGE_OFFICIAL)]:
        client.force_login(two_villages["people"][key][role])
        response = client.get(page)
        assert response.status_code == 403
        assert NIK not in response.content.decode()


def test_another_villages_beneficiary_is_not_found_under_ones_own_village(
    official_client, two_villages
):
    theirs = beneficiary(two_villages["other"])

    response = official_client.get(
        url("beneficiary_detail", two_villages["home"], beneficiary_id=theirs.pk)
    )

    assert response.status_code == 404
    assert NIK not in response.content.decode()


def test_an_official_deactivates_and_reactivates_from_the_detail_page(
    official_client, two_villages
):
    home = two_villages["home"]
    sri = beneficiary(home)
    action = url("beneficiary_set_active", home, beneficiary_id=sri.pk)

    response = official_client.post(action, {"active": "0"})
    assert response.status_code == 302
    assert response.url == url("beneficiary_detail", home, beneficiary_id=sri.pk)
    sri.refresh_from_db()
    assert sri.is_active is False
    assert official_client.post(action, {"active": "0"}).status_code == 302  # sent twice
    sri.refresh_from_db()
    assert sri.is_active is False

    official_client.post(action, {"active": "1"})
    sri.refresh_from_db()
    assert sri.is_active is True
    assert official_client.post(action, {"active": "maybe"}).status_code == 400
    assert official_client.get(action).status_code == 405


def test_the_status_of_another_villages_beneficiary_cannot_be_changed(client, two_villages):
    theirs = beneficiary(two_villages["other"])
    client.force_login(two_villages["people"]["home"][Role.VILLAGE_OFFICIAL])

    own_village = url("beneficiary_set_active", two_villages["home"], beneficiary_id=theirs.pk)
    their_village = url("beneficiary_set_active", two_villages["other"], beneficiary_id=theirs.pk)
    assert client.post(own_village, {"active": "0"}).status_code == 404
    assert client.post(their_village, {"active": "0"}).status_code == 403
    theirs.refresh_from_db()
    assert theirs.is_active is True


# --- registering ----------------------------------------------------------------------------


def test_an_official_registers_a_household_through_the_form(official_client, two_villages):
    home = two_villages["home"]
    form = {
        "nik": "3402 1501 0180 0001",
        "kk": KK,
        "name": "Sri Wahyuni",
        "phone": "0812-3456-7890",
        "address": "Jl. Mawar 3",
    }

    response = official_client.post(url("beneficiary_create", home), form)

    sri = Beneficiary.objects.get()
    assert response.status_code == 302
    assert response.url == url("beneficiary_detail", home, beneficiary_id=sri.pk)
    assert (sri.village, sri.name, sri.phone) == (home, "Sri Wahyuni", "+6281234567890")
    assert sri.nik_hash == nik.nik_hash(NIK)

    again = official_client.post(url("beneficiary_create", home), form)  # sent twice
    assert again.status_code == 400
    assert again.context["form"].errors["nik"]
    assert Beneficiary.objects.count() == 1


def test_the_form_shows_each_bad_field_and_registers_nothing(official_client, two_villages):
    response = official_client.post(
        url("beneficiary_create", two_villages["home"]),
        {"nik": "123", "kk": "456", "name": "Sri", "phone": "", "address": ""},
    )

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"nik", "kk"}
    assert Beneficiary.objects.count() == 0


def test_a_bumdes_admin_cannot_post_the_form(client, two_villages):
    client.force_login(two_villages["people"]["home"][Role.BUMDES_ADMIN])

    response = client.post(
        url("beneficiary_create", two_villages["home"]),
        {"nik": NIK, "kk": KK, "name": "Sri", "phone": "", "address": ""},
    )

    assert response.status_code == 403
    assert Beneficiary.objects.count() == 0


# --- importing ------------------------------------------------------------------------------


def upload(text):
    return SimpleUploadedFile("kpm.csv", text.encode(), content_type="text/csv")


def test_an_official_imports_a_file_and_sees_how_many_were_registered(
    official_client, two_villages
):
    home = two_villages["home"]
    beneficiary(two_villages["other"], "3402150101800002")
    data = (
        "NIK;NO_KK;NAMA_LENGKAP;No HP\n"
        "3402150101800001;3402150101080001;Sri Wahyuni;\n"
        "3402150101800002;3402150101080002;Slamet;\n"
    )

    response = official_client.post(url("beneficiary_import", home), {"file": upload(data)})

    assert response.status_code == 302
    assert response.url == url("beneficiary_list", home)
    assert Beneficiary.objects.filter(village=home).count() == 2
    shown = [str(m) for m in response.wsgi_request._messages]
    assert len(shown) == 2  # how many were registered, and how many elsewhere too
    assert any("2" in message for message in shown)


def test_a_bad_file_lists_its_rows_and_registers_nothing(official_client, two_villages):
    data = "nik,kk,name\n3402150101800001,3402150101080001,Sri\n123,3402150101080001,Bad\n"

    response = official_client.post(
        url("beneficiary_import", two_villages["home"]), {"file": upload(data)}
    )

    assert response.status_code == 400
    assert 'id="import-errors"' in response.content.decode()
    assert [(e.row, e.column) for e in response.context["row_errors"]] == [(3, "nik")]
    assert Beneficiary.objects.count() == 0


def test_the_import_page_documents_the_columns(official_client, two_villages):
    response = official_client.get(url("beneficiary_import", two_villages["home"]))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="csv-columns"' in html
    assert "no kk" in html
    assert "nama lengkap" in html


def test_the_blank_list_downloads_and_imports_back_once_filled_in(official_client, two_villages):
    home = two_villages["home"]
    page = official_client.get(url("beneficiary_import", home)).content.decode()
    assert url("beneficiary_csv_template", home) in page

    response = official_client.get(url("beneficiary_csv_template", home))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    blank = response.content.decode("utf-8")
    assert blank.startswith("\ufeffNIK;NO_KK;NAMA_LENGKAP;No HP;Alamat;Dusun;RT;RW")
    filled = blank + "3402150101800001;3402150101080001;Sri Wahyuni;;Jl. Mawar 3;Kauman;1;2\r\n"
    official_client.post(url("beneficiary_import", home), {"file": upload(filled)})
    assert Beneficiary.objects.get(village=home).address == "Jl. Mawar 3, Dusun Kauman, RT 1/RW 2"


def test_a_platform_admin_opens_the_page_but_sees_the_nik_masked(client, two_villages):
    sri = beneficiary(two_villages["home"], name="Sri Wahyuni")
    client.force_login(UserFactory(is_staff=True))

    response = client.get(url("beneficiary_detail", two_villages["home"], beneficiary_id=sri.pk))

    assert response.status_code == 200
    html = response.content.decode()
    assert "3402••••••••0001" in html
    assert NIK not in html
    assert KK not in html
