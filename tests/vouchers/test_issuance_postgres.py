"""Issuance and expiry under real concurrent transactions on PostgreSQL."""

import pytest
from django.db import close_old_connections

from ledger.enums import TransferKind
from ledger.models import Transfer
from ledger.selectors import ledger_problems
from tests.threads import run_together
from tests.vouchers.factories import BeneficiaryFactory, ProgrammeFactory
from villages.enums import Role
from vouchers import accounts, rules
from vouchers.enums import ExpiryRule, IssuanceStatus
from vouchers.models import Issuance, Wallet
from vouchers.services.expiry import expire_due
from vouchers.services.issuance import IssuanceRefused, run_issuance, start_issuance

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def aid(two_villages):
    home = two_villages["home"]
    programme = ProgrammeFactory(
        village=home, market=two_villages["market"], expiry_rule=ExpiryRule.MONTHLY
    )
    beneficiaries = [BeneficiaryFactory(village=home) for _ in range(25)]
    return {
        "programme": programme,
        "beneficiaries": beneficiaries,
        "official": two_villages["people"]["home"][Role.VILLAGE_OFFICIAL],
    }


def test_five_concurrent_starts_make_one_issuance(aid, monkeypatch):
    sent = []
    monkeypatch.setattr(
        "vouchers.services.issuance.enqueue_on_commit", lambda task, **kw: sent.append(kw)
    )

    def start(_):
        close_old_connections()
        return start_issuance(
            acting_user=aid["official"], programme_id=aid["programme"].pk, month=1
        )

    results = run_together(start, range(5))

    issued = [r for r in results if isinstance(r, Issuance)]
    refused = [r for r in results if isinstance(r, IssuanceRefused)]
    assert len(issued) == 1, results
    assert len(refused) == 4, results
    assert {r.code for r in refused} == {"month_already_issued"}
    assert Issuance.objects.count() == 1
    assert sent == [{"issuance_id": issued[0].pk}]  # one batch sent


def test_two_deliveries_of_the_batch_at_once_credit_each_beneficiary_once(aid):
    issuance = Issuance.objects.create(
        programme=aid["programme"], month=1, total=25, amount_each=300_000
    )

    results = run_together(lambda _: run_issuance(issuance_id=issuance.pk, chunk_size=4), range(2))

    assert sum(results) == 25, results  # the two shared the chunks; none was posted twice
    issuance.refresh_from_db()
    assert (issuance.status, issuance.done, issuance.total) == (IssuanceStatus.DONE, 25, 25)
    assert Transfer.objects.filter(kind=TransferKind.ISSUE).count() == 25
    assert Wallet.objects.filter(programme=aid["programme"]).count() == 25
    assert {
        accounts.wallet_account(w).balance
        for w in Wallet.objects.filter(programme=aid["programme"])
    } == {300_000}
    assert accounts.programme_fund(aid["programme"]).balance == -25 * 300_000
    assert ledger_problems() == []


def test_two_expiry_runs_at_once_return_each_wallet_once(aid):
    issuance = Issuance.objects.create(
        programme=aid["programme"], month=1, total=25, amount_each=300_000
    )
    run_issuance(issuance_id=issuance.pk)
    month_2 = rules.month_start(aid["programme"], 2)

    results = run_together(lambda _: expire_due(today=month_2).expired_amount, range(2))

    assert sum(results) == 25 * 300_000, results
    assert Transfer.objects.filter(kind=TransferKind.EXPIRE).count() == 25
    assert accounts.programme_fund(aid["programme"]).balance == 0
    assert ledger_problems() == []
