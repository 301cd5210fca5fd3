"""The aid home and programme set-up pages, for the village's officials."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import Category
from tests.vouchers.factories import ProgrammeFactory
from villages.enums import Role
from vouchers.enums import ExpiryRule, ProgrammeScope, ProgrammeStatus
from vouchers.models import Issuance, Programme

pytestmark = pytest.mark.django_db


@pytest.fixture
def official_client(client, two_villages):
    client.force_login(two_villages["people"]["home"][Role.VILLAGE_OFFICIAL])
    return client


def url(name, village, **kwargs):
    return reverse(f"vouchers:{name}", kwargs={"village_slug": village.slug, **kwargs})


def staples():
    return list(Category.objects.filter(is_staple=True).values_list("pk", flat=True))


def form_data(world, **changes):
    data = {
        "name": "BLT Dana Desa 2026",
        "amount_per_month": "300.000",
        "first_month": "2026-07",
        "months": "8",
        "allowed_categories": staples(),
        "scope": ProgrammeScope.MARKET,
        "market": world["market"].pk,
        "expiry_rule": ExpiryRule.PROGRAMME_END,
    }
    data.update(changes)
    return data


def test_the_aid_home_lists_programmes_and_links_to_beneficiaries(official_client, two_villages):
    home = two_villages["home"]
    programme = ProgrammeFactory(village=home, market=two_villages["market"])
    ProgrammeFactory(village=two_villages["other"], name="Their programme")

    response = official_client.get(url("programme_list", home))

    assert response.status_code == 200
    html = response.content.decode()
    assert url("beneficiary_list", home) in html
    assert url("programme_detail", home, programme_id=programme.pk) in html
    assert url("programme_edit", home, programme_id=programme.pk) in html
    assert "Rp300.000" in html
    assert "Their programme" not in html


def test_the_new_programme_form_allows_every_staple_category_by_default(
    official_client, two_villages
):
    response = official_client.get(url("programme_create", two_villages["home"]))

    assert response.status_code == 200
    form = response.context["form"]
    assert sorted(form.initial["allowed_categories"]) == sorted(staples())
    assert form.initial["market"] == two_villages["market"].pk
    assert form["months"].value() == 8
    html = response.content.decode()
    assert 'type="month"' in html
    assert html.count('name="allowed_categories"') == len(staples())
    assert "Kerajinan" not in html  # not a staple


@pytest.mark.parametrize(
    ("amount", "month"),
    [("300.000", "2026-07"), ("300000", "07/2026"), ("Rp300.000", "2026-07-01")],
)
def test_an_official_opens_a_programme_with_amounts_and_months_as_people_write_them(
    official_client, two_villages, amount, month
):
    home = two_villages["home"]

    response = official_client.post(
        url("programme_create", home),
        form_data(two_villages, amount_per_month=amount, first_month=month),
    )

    programme = Programme.objects.get()
    assert response.status_code == 302
    assert response.url == url("programme_detail", home, programme_id=programme.pk)
    assert programme.amount_per_month == 300_000
    assert programme.first_month == datetime.date(2026, 7, 1)
    assert programme.status == ProgrammeStatus.DRAFT
    assert programme.market == two_villages["market"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount_per_month": "tiga ratus ribu"}, "amount_per_month"),
        ({"amount_per_month": "0"}, "amount_per_month"),
        ({"first_month": "Juli"}, "first_month"),
        ({"first_month": "2026-13"}, "first_month"),
        ({"months": "30"}, "months"),
        ({"allowed_categories": []}, "allowed_categories"),
        ({"scope": ProgrammeScope.MARKET, "market": ""}, "market"),
    ],
)
def test_bad_input_is_shown_on_its_field_and_nothing_is_opened(
    official_client, two_villages, changes, field
):
    response = official_client.post(
        url("programme_create", two_villages["home"]), form_data(two_villages, **changes)
    )

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert Programme.objects.count() == 0


def test_the_edit_form_saves_changes(official_client, two_villages):
    home = two_villages["home"]
    programme = ProgrammeFactory(village=home, market=two_villages["market"], status="draft")

    page = official_client.get(url("programme_edit", home, programme_id=programme.pk))
    assert page.status_code == 200
    assert page.context["form"]["amount_per_month"].value() == "300.000"
    assert 'value="300.000"' in page.content.decode()

    response = official_client.post(
        url("programme_edit", home, programme_id=programme.pk),
        form_data(two_villages, name="BLT revisi", amount_per_month="250.000", months="6"),
    )

    assert response.status_code == 302
    programme.refresh_from_db()
    assert (programme.name, programme.amount_per_month, programme.months) == (
        "BLT revisi",
        250_000,
        6,
    )


def test_once_a_month_is_issued_the_amount_and_months_cannot_be_edited(
    official_client, two_villages
):
    home = two_villages["home"]
    programme = ProgrammeFactory(
        village=home, market=two_villages["market"], first_month=datetime.date(2026, 7, 1)
    )
    Issuance.objects.create(programme=programme, month=1, amount_each=300_000)

    page = official_client.get(url("programme_edit", home, programme_id=programme.pk))
    assert page.context["form"].fields["amount_per_month"].disabled
    assert page.context["form"].fields["months"].disabled

    response = official_client.post(
        url("programme_edit", home, programme_id=programme.pk),
        form_data(two_villages, name="BLT revisi", amount_per_month="999.000", months="12"),
    )

    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.name == "BLT revisi"
    assert (programme.amount_per_month, programme.months) == (300_000, 8)


def test_the_status_buttons_move_the_programme_along(official_client, two_villages):
    home = two_villages["home"]
    programme = ProgrammeFactory(village=home, market=two_villages["market"], status="draft")
    edit = url("programme_edit", home, programme_id=programme.pk)
    action = url("programme_status", home, programme_id=programme.pk)

    assert 'id="status-active"' in official_client.get(edit).content.decode()
    response = official_client.post(action, {"status": "active"})
    assert response.status_code == 302
    assert response.url == edit
    programme.refresh_from_db()
    assert programme.status == ProgrammeStatus.ACTIVE

    refused = official_client.post(action, {"status": "draft"})
    assert refused.status_code == 302
    programme.refresh_from_db()
    assert programme.status == ProgrammeStatus.ACTIVE

    official_client.post(action, {"status": "closed"})
    programme.refresh_from_db()
    assert programme.status == ProgrammeStatus.CLOSED
    assert official_client.get(action).status_code == 405


def test_another_villages_programme_is_not_found(official_client, two_villages):
    theirs = ProgrammeFactory(village=two_villages["other"], status="draft")
    home = two_villages["home"]

    assert (
        official_client.get(url("programme_edit", home, programme_id=theirs.pk)).status_code == 404
    )
    response = official_client.post(
        url("programme_status", home, programme_id=theirs.pk), {"status": "active"}
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == ProgrammeStatus.DRAFT


@pytest.mark.parametrize("name", ["programme_list", "programme_create"])
@pytest.mark.parametrize(
    ("key", "role"),
    [
        ("home", Role.BUMDES_ADMIN),
        ("home", Role.SELLER_STAFF),
        ("home", Role.RESIDENT),
        ("other", Role.VILLAGE_OFFICIAL),
    ],
)
def test_only_the_villages_officials_set_up_programmes(client, two_villages, name, key, role):
    client.force_login(two_villages["people"][key][role])

    assert client.get(url(name, two_villages["home"])).status_code == 403
    assert client.post(url(name, two_villages["home"]), form_data(two_villages)).status_code == 403
    assert Programme.objects.count() == 0


LIST_PAGE_QUERIES = 5  # session, user, memberships, village, programmes with their markets


def test_the_aid_home_costs_the_same_queries_for_one_or_many_programmes(
    official_client, two_villages, django_assert_num_queries
):
    home = two_villages["home"]
    first = ProgrammeFactory(village=home, market=two_villages["market"])
    Issuance.objects.create(programme=first, month=1, amount_each=300_000)
    official_client.get(url("programme_list", home))  # warm the session

    with django_assert_num_queries(LIST_PAGE_QUERIES):
        assert official_client.get(url("programme_list", home)).status_code == 200
    for _ in range(5):
        ProgrammeFactory(village=home, market=two_villages["market"])
        ProgrammeFactory(village=home, status=ProgrammeStatus.DRAFT)
    with django_assert_num_queries(LIST_PAGE_QUERIES):
        response = official_client.get(url("programme_list", home))
    assert len(response.context["programmes"]) == 11
    assert response.context["programmes"][-1].issued_months == 1


def test_a_closed_programme_is_shown_but_cannot_be_saved(official_client, two_villages):
    home = two_villages["home"]
    programme = ProgrammeFactory(
        village=home, market=two_villages["market"], status=ProgrammeStatus.CLOSED
    )
    edit = url("programme_edit", home, programme_id=programme.pk)

    page = official_client.get(edit)
    assert page.status_code == 200
    assert all(field.disabled for field in page.context["form"].fields.values())
    assert 'id="programme-closed"' in page.content.decode()
    assert page.context["status_moves"] == []

    response = official_client.post(edit, form_data(two_villages, name="Renamed"))
    assert response.status_code == 400
    programme.refresh_from_db()
    assert programme.name == "BLT Dana Desa"


def test_a_new_programme_starts_this_month_unless_told_otherwise(official_client, two_villages):
    response = official_client.get(url("programme_create", two_villages["home"]))

    today = timezone.localdate()
    assert response.context["form"].initial["first_month"] == today.replace(day=1)
    assert f'value="{today:%Y-%m}"' in response.content.decode()


def test_an_official_finds_the_aid_pages_from_their_account(client, two_villages):
    home = two_villages["home"]
    aid_home = url("programme_list", home)

    client.force_login(two_villages["people"]["home"][Role.VILLAGE_OFFICIAL])
    assert aid_home in client.get(reverse("accounts:my_account")).content.decode()
    client.force_login(two_villages["people"]["home"][Role.BUMDES_ADMIN])
    assert aid_home not in client.get(reverse("accounts:my_account")).content.decode()
