"""The officials' aid API: programmes, a month's issuance and its progress, the report."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from ledger.selectors import ledger_problems
from tests.vouchers.factories import BeneficiaryFactory, ProgrammeFactory
from tests.vouchers.test_reports import mixed_history
from villages.enums import Role
from vouchers import accounts
from vouchers.enums import IssuanceStatus
from vouchers.models import Issuance, Wallet
from vouchers.services.issuance import run_issuance

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def aid(two_villages):
    home = two_villages["home"]
    programme = ProgrammeFactory(village=home, market=two_villages["market"], name="BLT 2026")
    beneficiaries = [BeneficiaryFactory(village=home) for _ in range(3)]
    return {**two_villages, "programme": programme, "beneficiaries": beneficiaries}


def official(world, key="home"):
    return world["people"][key][Role.VILLAGE_OFFICIAL]


def url(name, programme=None, village=None, **kwargs):
    kwargs["village_slug"] = (village or programme.village).slug
    if programme is not None:
        kwargs["programme_id"] = programme.pk
    return reverse(name, kwargs=kwargs)


def assert_error(response, status, code=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"message", "code", "extra"}
    assert body["message"]
    if code:
        assert body["code"] == code
    return body


# --- Programmes ----------------------------------------------------------------------------


def test_official_lists_the_villages_programmes_only(api, aid, django_assert_max_num_queries):
    ProgrammeFactory(village=aid["other"], market=aid["market"], name="Not ours")
    second = ProgrammeFactory(village=aid["home"], market=aid["market"], name="BLT lanjutan")
    Issuance.objects.create(programme=second, month=1, amount_each=300_000)
    api.force_authenticate(official(aid))
    with django_assert_max_num_queries(4):
        response = api.get(url("aid-programme-list", village=aid["home"]))
    assert response.status_code == 200
    rows = {row["name"]: row for row in response.json()}
    assert set(rows) == {"BLT 2026", "BLT lanjutan"}
    assert rows["BLT lanjutan"]["issued_months"] == 1
    assert rows["BLT 2026"]["issued_months"] == 0
    assert rows["BLT 2026"]["amount_per_month"] == 300_000
    assert rows["BLT 2026"]["market"] == aid["market"].slug


def test_programme_detail_shows_each_months_issuance(api, aid):
    programme = aid["programme"]
    Issuance.objects.create(
        programme=programme,
        month=1,
        amount_each=300_000,
        total=4,
        done=1,
        status=IssuanceStatus.RUNNING,
    )
    api.force_authenticate(official(aid))
    response = api.get(url("aid-programme", programme))
    assert response.status_code == 200
    body = response.json()
    assert body["programme"]["id"] == programme.pk
    assert "Beras" in body["allowed_categories"]
    months = body["months"]
    assert len(months) == programme.months == 8
    assert months[0] == {
        "month": 1,
        "starts": programme.first_month.isoformat(),
        "status": "running",
        "done": 1,
        "total": 4,
        "percent": 25,
    }
    assert months[1]["status"] == "not_issued"
    assert months[1]["percent"] == 0


# --- Issuance ----------------------------------------------------------------------------


def test_starting_a_month_answers_202_and_the_batch_credits_every_wallet(
    api, aid, django_capture_on_commit_callbacks
):
    programme = aid["programme"]
    api.force_authenticate(official(aid))
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(url("aid-issuance-start", programme), {"month": 1}, format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["month"], body["total"], body["amount_each"]) == (1, 3, 300_000)
    issuance = Issuance.objects.get(programme=programme, month=1)
    assert body["id"] == issuance.pk
    run_issuance(issuance_id=issuance.pk)  # the batch, once, whether a worker ran it or not

    progress = api.get(url("aid-issuance", programme, month=1)).json()
    assert progress["status"] == IssuanceStatus.DONE
    assert (progress["done"], progress["total"], progress["percent"]) == (3, 3, 100)
    balances = [
        accounts.wallet_account(Wallet.objects.get(beneficiary=b, programme=programme)).balance
        for b in aid["beneficiaries"]
    ]
    assert balances == [300_000] * 3
    report = api.get(url("aid-report", programme)).json()
    assert (report["issued"], report["outstanding"], report["beneficiaries_issued"]) == (
        900_000,
        900_000,
        3,
    )
    assert ledger_problems() == []


def test_a_month_is_started_once(api, aid, django_capture_on_commit_callbacks):
    programme = aid["programme"]
    api.force_authenticate(official(aid))
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post(url("aid-issuance-start", programme), {"month": 1}, format="json")
    assert first.status_code == 202
    again = api.post(url("aid-issuance-start", programme), {"month": 1}, format="json")
    assert_error(again, 400, "month_already_issued")
    assert Issuance.objects.filter(programme=programme).count() == 1
    assert api.get(url("aid-report", programme)).json()["issued"] == 900_000


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"month": 0}, "invalid"),
        ({"month": "satu"}, "invalid"),
        ({}, "invalid"),
        ({"month": 9}, "month_out_of_range"),  # the programme has 8 months
        ({"month": 2}, "month_not_started"),  # month 2 begins next month
    ],
)
def test_a_bad_month_is_refused_with_a_reason(api, aid, payload, code):
    api.force_authenticate(official(aid))
    response = api.post(url("aid-issuance-start", aid["programme"]), payload, format="json")
    body = assert_error(response, 400, code)
    if code == "invalid":
        assert "month" in body["extra"]["fields"]
    assert not Issuance.objects.exists()


def test_progress_of_a_month_not_started_yet(api, aid):
    api.force_authenticate(official(aid))
    response = api.get(url("aid-issuance", aid["programme"], month=3))
    assert response.status_code == 200
    assert response.json()["status"] == "not_issued"
    assert response.json()["percent"] == 0


@pytest.mark.parametrize("month", [0, 9, 99])
def test_progress_of_a_month_outside_the_programme_is_a_bad_request(api, aid, month):
    api.force_authenticate(official(aid))
    response = api.get(url("aid-issuance", aid["programme"], month=month))
    body = assert_error(response, 400, "invalid")
    assert "month" in body["extra"]["fields"]


# --- Report --------------------------------------------------------------------------------


@pytest.fixture
def history(two_villages):
    return {
        **two_villages,
        **mixed_history(two_villages["home"], two_villages["other"], two_villages["market"]),
    }


def test_report_as_json_reconciles(api, history, django_assert_max_num_queries):
    programme = history["programme"]
    api.force_authenticate(official(history))
    with django_assert_max_num_queries(9):
        response = api.get(url("aid-report", programme))
    assert response.status_code == 200
    body = response.json()
    assert body["month"] is None
    assert body["reconciled"] is True
    assert (body["issued"], body["spent"], body["expired"], body["outstanding"]) == (
        1_500_000,
        170_000,
        200_000,
        1_070_000,
    )
    assert (
        body["issued"] - body["spent"] - body["expired"] - body["returned_to_programme"]
        == body["outstanding"]
    )
    assert sum(row["amount"] for row in body["by_category"]) == body["spent"]
    assert sum(row["amount"] for row in body["by_seller"]) == body["spent"]
    assert body["by_category"][0] == {
        "key": "beras",
        "name": "Beras",
        "amount": 90_000,
        "charges": 2,
    }
    assert body["by_seller"][1]["own_village"] is True
    assert body["in_village_percent"] == 47
    text = response.content.decode()
    for wallet in history["wallets"]:
        assert wallet.beneficiary.name not in text
        assert wallet.beneficiary.nik_masked not in text


def test_report_of_one_month(api, history):
    api.force_authenticate(official(history))
    response = api.get(url("aid-report", history["programme"]), {"bulan": 2})
    assert response.status_code == 200
    body = response.json()
    assert (body["month"], body["issued"], body["spent"], body["refunded"]) == (
        2,
        600_000,
        55_000,
        25_000,
    )
    assert body["reconciled"] is None


@pytest.mark.parametrize("month", ["abc", "0", "9", "-2", "1.5"])
def test_report_of_a_bad_month_is_a_bad_request(api, history, month):
    api.force_authenticate(official(history))
    response = api.get(url("aid-report", history["programme"]), {"bulan": month})
    body = assert_error(response, 400, "invalid")
    assert "bulan" in body["extra"]["fields"]


# --- Who may ----------------------------------------------------------------------------------


def every_url(programme, village=None):
    return [
        ("get", url("aid-programme-list", village=village or programme.village)),
        ("get", url("aid-programme", programme, village)),
        ("post", url("aid-issuance-start", programme, village)),
        ("get", url("aid-issuance", programme, village, month=1)),
        ("get", url("aid-report", programme, village)),
    ]


def call(api, method, address):
    if method == "post":
        return api.post(address, {"month": 1}, format="json")
    return api.get(address)


def test_another_villages_official_is_refused(api, aid):
    programme = aid["programme"]
    api.force_authenticate(official(aid, "other"))
    for method, address in every_url(programme):
        assert_error(call(api, method, address), 403, "not_allowed_for_village")
    # Through their own village, another village's programme does not exist.
    for method, address in every_url(programme, aid["other"])[1:]:
        assert_error(call(api, method, address), 404, "programme_not_found")
    assert not Issuance.objects.exists()


@pytest.mark.parametrize("role", [Role.BUMDES_ADMIN, Role.SELLER_STAFF, Role.RESIDENT])
def test_other_roles_of_the_village_are_refused(api, aid, role):
    api.force_authenticate(aid["people"]["home"][role])
    for method, address in every_url(aid["programme"]):
        assert_error(call(api, method, address), 403, "not_allowed_for_village")
    assert not Issuance.objects.exists()


def test_anonymous_callers_must_sign_in(api, aid):
    for method, address in every_url(aid["programme"]):
        assert_error(call(api, method, address), 401)


def test_unknown_village_and_programme_are_not_found(api, aid):
    api.force_authenticate(official(aid))
    response = api.get(reverse("aid-programme-list", kwargs={"village_slug": "nowhere"}))
    assert_error(response, 404, "village_not_found")
    missing = reverse(
        "aid-report",
        kwargs={"village_slug": aid["home"].slug, "programme_id": 999_999},
    )
    assert_error(api.get(missing), 404, "programme_not_found")
