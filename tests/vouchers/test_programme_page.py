"""The programme's page for its officials: terms, months, the issue button and progress."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from tests.vouchers.factories import BeneficiaryFactory, ProgrammeFactory
from villages.enums import Role
from vouchers.enums import IssuanceStatus, ProgrammeStatus
from vouchers.models import Issuance
from vouchers.services.issuance import run_issuance

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(two_villages, client):
    home = two_villages["home"]
    programme = ProgrammeFactory(
        village=home, market=two_villages["market"], name="BLT Dana Desa 2026"
    )
    beneficiaries = [BeneficiaryFactory(village=home) for _ in range(4)]
    official = two_villages["people"]["home"][Role.VILLAGE_OFFICIAL]
    client.force_login(official)
    kwargs = {"village_slug": home.slug, "programme_id": programme.pk}
    return {
        **two_villages,
        "client": client,
        "programme": programme,
        "beneficiaries": beneficiaries,
        "official": official,
        "url": reverse("vouchers:programme_detail", kwargs=kwargs),
        "issue_url": reverse("vouchers:issuance_start", kwargs={**kwargs, "month": 1}),
        "month_url": reverse("vouchers:issuance_month", kwargs={**kwargs, "month": 1}),
        "kwargs": kwargs,
    }


def test_the_page_shows_the_terms_and_offers_the_first_month(page):
    response = page["client"].get(page["url"])

    assert response.status_code == 200
    html = response.content.decode()
    assert "BLT Dana Desa 2026" in html
    assert "Rp300.000" in html
    assert 'id="active-beneficiaries"' in html
    assert response.context["overview"].active_beneficiaries == 4
    assert [m.state for m in response.context["overview"].months] == ["not_issued"] * 8
    assert page["issue_url"] in html
    assert 'http-equiv="refresh"' not in html
    edit = reverse("vouchers:programme_edit", kwargs=page["kwargs"])
    report = reverse("vouchers:programme_report", kwargs=page["kwargs"])
    assert f'href="{edit}"' in html
    assert f'href="{report}"' in html


def test_issuing_from_the_page_credits_everyone_and_shows_done(
    page, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
        response = page["client"].post(page["issue_url"], HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 302
    assert response.url == page["url"]
    issuance = Issuance.objects.get()
    assert (issuance.status, issuance.done, issuance.total) == (IssuanceStatus.DONE, 4, 4)

    html = page["client"].get(page["url"]).content.decode()
    assert 'id="month-1-state" data-state="done"' in html
    assert "4 of 4 (100%)" in html or "4 dari 4 (100%)" in html
    # Month 2 has not begun: no button until it does.
    assert 'id="issue-form"' not in html


def test_a_double_submit_makes_one_issuance_and_says_already_issued(page):
    client = page["client"]
    client.cookies["django_language"] = "en"

    first = client.post(page["issue_url"], follow=True)
    second = client.post(page["issue_url"], follow=True)

    assert Issuance.objects.count() == 1
    assert first.status_code == second.status_code == 200
    messages = [str(m) for m in second.context["messages"]]
    assert "Month 1 has already been issued." in messages


def test_progress_survives_a_reload_and_the_page_refreshes_while_running(page):
    client = page["client"]
    client.post(page["issue_url"])  # queued: no worker ran it in this test
    issuance = Issuance.objects.get()
    Issuance.objects.filter(pk=issuance.pk).update(status=IssuanceStatus.RUNNING, done=1)

    html = client.get(page["url"]).content.decode()
    assert 'data-state="running"' in html
    assert "1 of 4 (25%)" in html or "1 dari 4 (25%)" in html
    assert 'http-equiv="refresh"' in html
    month = client.get(page["month_url"])
    assert month.status_code == 200
    assert month.context["progress"].percent == 25
    assert 'http-equiv="refresh"' in month.content.decode()

    run_issuance(issuance_id=issuance.pk)
    month = client.get(page["month_url"])
    assert month.context["progress"].state == IssuanceStatus.DONE
    assert 'http-equiv="refresh"' not in month.content.decode()


def test_a_failed_month_offers_try_again(page, django_capture_on_commit_callbacks):
    page["client"].post(page["issue_url"])
    Issuance.objects.update(status=IssuanceStatus.FAILED, error="OperationalError: gone")
    retry_url = reverse("vouchers:issuance_retry", kwargs={**page["kwargs"], "month": 1})

    html = page["client"].get(page["url"]).content.decode()
    assert retry_url in html

    with django_capture_on_commit_callbacks(execute=True):
        response = page["client"].post(retry_url)
    assert response.status_code == 302
    assert Issuance.objects.get().status == IssuanceStatus.DONE


def test_a_month_not_begun_or_outside_the_programme_cannot_be_issued(page):
    month_2 = reverse("vouchers:issuance_start", kwargs={**page["kwargs"], "month": 2})
    month_9 = reverse("vouchers:issuance_month", kwargs={**page["kwargs"], "month": 9})
    page["client"].cookies["django_language"] = "en"

    response = page["client"].post(month_2, follow=True)

    assert not Issuance.objects.exists()
    [message] = [str(m) for m in response.context["messages"]]
    assert message.startswith("Month 2 begins on ")
    assert page["client"].get(month_9).status_code == 404


def test_a_closed_programme_offers_no_issue_button(page):
    page["programme"].status = ProgrammeStatus.CLOSED
    page["programme"].save()

    html = page["client"].get(page["url"]).content.decode()

    assert 'id="issue-form"' not in html
    assert page["client"].post(page["issue_url"]).status_code == 302
    assert not Issuance.objects.exists()


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.VILLAGE_OFFICIAL])
def test_other_roles_of_the_village_are_refused(page, role):
    page["client"].force_login(page["people"]["home"][role])

    assert page["client"].get(page["url"]).status_code == 403
    assert page["client"].post(page["issue_url"]).status_code == 403
    assert not Issuance.objects.exists()


def test_another_villages_official_cannot_see_or_issue(page):
    page["client"].force_login(page["people"]["other"][Role.VILLAGE_OFFICIAL])
    assert page["client"].get(page["url"]).status_code == 403
    assert page["client"].post(page["issue_url"]).status_code == 403
    # Naming the programme under their own village finds nothing.
    other_url = reverse(
        "vouchers:programme_detail",
        kwargs={"village_slug": page["other"].slug, "programme_id": page["programme"].pk},
    )
    assert page["client"].get(other_url).status_code == 404
    assert not Issuance.objects.exists()


def test_the_page_runs_the_same_queries_whatever_the_months_and_beneficiaries(
    page, django_assert_num_queries
):
    client = page["client"]
    client.get(page["url"])  # warm the session
    # Session, user, the official's scope, the programme, its issuances, the count of
    # beneficiaries, the categories' names and the latest events of its audit trail.
    with django_assert_num_queries(8):
        client.get(page["url"])

    programme = page["programme"]
    for month in range(1, 4):
        Issuance.objects.create(
            programme=programme, month=month, total=4, done=4, amount_each=300_000
        )
    for _ in range(10):
        BeneficiaryFactory(village=page["home"])
    programme.first_month = datetime.date.today().replace(day=1) - datetime.timedelta(days=100)
    programme.first_month = programme.first_month.replace(day=1)
    programme.save()
    with django_assert_num_queries(8):
        response = client.get(page["url"])
    assert response.context["overview"].active_beneficiaries == 14
    assert response.context["overview"].next_due.month == 4
