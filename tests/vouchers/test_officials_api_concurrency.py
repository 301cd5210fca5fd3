"""On PostgreSQL: an official's double tap (or two officials at once) starts a month once."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from ledger.selectors import ledger_problems
from tests.factories import member
from tests.threads import run_together
from tests.vouchers.factories import BeneficiaryFactory, ProgrammeFactory
from villages.enums import Role
from vouchers.models import Issuance
from vouchers.selectors.reports import programme_report
from vouchers.services.issuance import run_issuance

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_starts_of_one_month_make_one_issuance(two_villages):
    home = two_villages["home"]
    programme = ProgrammeFactory(village=home, market=two_villages["market"])
    for _ in range(4):
        BeneficiaryFactory(village=home)
    officials = [two_villages["people"]["home"][Role.VILLAGE_OFFICIAL]] + [
        member(home, Role.VILLAGE_OFFICIAL) for _ in range(3)
    ]
    address = reverse(
        "aid-issuance-start", kwargs={"village_slug": home.slug, "programme_id": programme.pk}
    )

    def start(person):
        api = APIClient()
        api.force_authenticate(person)
        response = api.post(address, {"month": 1}, format="json")
        return response.status_code, response.json()

    results = run_together(start, officials)

    statuses = sorted(status for status, _body in results)
    assert statuses == [202, 400, 400, 400], results
    assert {body["code"] for status, body in results if status == 400} == {"month_already_issued"}
    issuance = Issuance.objects.get(programme=programme, month=1)
    assert [body["id"] for status, body in results if status == 202] == [issuance.pk]
    assert issuance.total == 4
    run_issuance(issuance_id=issuance.pk)  # whether or not a worker ran it already: once
    report = programme_report(programme)
    assert report.issued == 4 * programme.amount_per_month
    assert report.outstanding == report.issued
    assert report.beneficiaries_issued == 4
    assert ledger_problems() == []
