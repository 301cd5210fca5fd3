"""Issuing a programme's month: who may, when, once, and exactly what each wallet gets."""

import datetime

import pytest
from django.db.models import Sum
from django.utils import timezone, translation

from core.exceptions import NotFound, PermissionDenied
from ledger.enums import AccountKind, TransferKind
from ledger.models import Account, Transfer
from ledger.selectors import ledger_problems
from tests.vouchers.factories import BeneficiaryFactory, ProgrammeFactory
from villages.enums import Role
from vouchers import accounts, rules
from vouchers.enums import IssuanceStatus, ProgrammeStatus
from vouchers.models import Issuance, Wallet
from vouchers.selectors.issuance import programme_overview
from vouchers.services import issuance as service
from vouchers.services.issuance import (
    IssuanceRefused,
    retry_issuance,
    run_issuance,
    start_issuance,
)
from vouchers.tasks import resume_stalled_issuances

pytestmark = pytest.mark.django_db


@pytest.fixture
def aid(two_villages):
    home = two_villages["home"]
    programme = ProgrammeFactory(village=home, market=two_villages["market"])
    active = [BeneficiaryFactory(village=home) for _ in range(5)]
    inactive = BeneficiaryFactory(village=home, is_active=False)
    elsewhere = BeneficiaryFactory(village=two_villages["other"])
    official = two_villages["people"]["home"][Role.VILLAGE_OFFICIAL]
    return {
        **two_villages,
        "programme": programme,
        "active": active,
        "inactive": inactive,
        "elsewhere": elsewhere,
        "official": official,
    }


def wallet_balance(beneficiary, programme):
    wallet = Wallet.objects.filter(beneficiary=beneficiary, programme=programme).first()
    if wallet is None:
        return None
    return accounts.wallet_account(wallet).balance


def issue(aid, month=1, **kwargs):
    return start_issuance(
        acting_user=aid["official"], programme_id=aid["programme"].pk, month=month, **kwargs
    )


def test_issuing_credits_every_active_beneficiary_once_and_no_one_else(
    aid, django_capture_on_commit_callbacks
):
    programme = aid["programme"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        issuance = issue(aid)

    assert len(callbacks) == 1  # the batch task, sent after commit (run eagerly here)
    issuance.refresh_from_db()
    assert issuance.status == IssuanceStatus.DONE
    assert (issuance.total, issuance.done, issuance.amount_each) == (5, 5, 300_000)
    assert issuance.finished_at is not None
    assert issuance.started_by == aid["official"]
    for beneficiary in aid["active"]:
        assert wallet_balance(beneficiary, programme) == 300_000
    assert wallet_balance(aid["inactive"], programme) is None
    assert wallet_balance(aid["elsewhere"], programme) is None
    assert accounts.programme_fund(programme).balance == -1_500_000
    transfers = Transfer.objects.filter(kind=TransferKind.ISSUE)
    assert transfers.count() == 5
    first = transfers.get(key=f"issue:{programme.pk}:1:{aid['active'][0].pk}")
    assert first.details["month"] == 1
    assert first.village_id == programme.village_id
    assert ledger_problems() == []


def test_a_rerun_or_second_delivery_of_the_batch_posts_nothing_new(
    aid, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        issuance = issue(aid)

    assert run_issuance(issuance_id=issuance.pk) == 0
    # Even a run that finds the issuance still marked running re-posts nothing.
    Issuance.objects.filter(pk=issuance.pk).update(status=IssuanceStatus.RUNNING)
    assert run_issuance(issuance_id=issuance.pk, chunk_size=2) == 0

    issuance.refresh_from_db()
    assert (issuance.status, issuance.done, issuance.total) == (IssuanceStatus.DONE, 5, 5)
    assert Transfer.objects.filter(kind=TransferKind.ISSUE).count() == 5
    assert accounts.programme_fund(aid["programme"]).balance == -1_500_000
    assert ledger_problems() == []


def test_progress_is_committed_chunk_by_chunk_and_a_rerun_finishes_the_rest(aid):
    issuance = issue(aid)
    # A worker credited the first two beneficiaries, committed, and died.
    first_two = sorted(b.pk for b in aid["active"])[:2]
    Issuance.objects.filter(pk=issuance.pk).update(status=IssuanceStatus.RUNNING)
    locked = Issuance.objects.select_related("programme").get(pk=issuance.pk)
    fund = accounts.programme_fund(aid["programme"])
    posted = service._credit_chunk(
        issuance=locked, beneficiary_ids=first_two, fund_account_id=fund.pk
    )
    assert posted == 2
    Issuance.objects.filter(pk=issuance.pk).update(done=2)

    assert run_issuance(issuance_id=issuance.pk, chunk_size=2) == 3

    issuance.refresh_from_db()
    assert (issuance.status, issuance.done, issuance.total) == (IssuanceStatus.DONE, 5, 5)
    assert Transfer.objects.filter(kind=TransferKind.ISSUE).count() == 5
    assert ledger_problems() == []


def test_the_same_month_cannot_be_issued_twice(aid):
    issue(aid)

    with translation.override("en"), pytest.raises(IssuanceRefused) as refused:
        issue(aid)

    assert refused.value.code == "month_already_issued"
    assert str(refused.value.message) == "Month 1 has already been issued."
    assert Issuance.objects.count() == 1


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.VILLAGE_OFFICIAL])
def test_only_the_villages_officials_may_issue(aid, role):
    with pytest.raises(PermissionDenied):
        start_issuance(
            acting_user=aid["people"]["home"][role], programme_id=aid["programme"].pk, month=1
        )
    assert not Issuance.objects.exists()


def test_an_official_of_another_village_may_not_issue(aid):
    with pytest.raises(PermissionDenied):
        start_issuance(
            acting_user=aid["people"]["other"][Role.VILLAGE_OFFICIAL],
            programme_id=aid["programme"].pk,
            month=1,
        )
    with pytest.raises(NotFound):
        start_issuance(acting_user=aid["official"], programme_id=999_999, month=1)
    assert not Issuance.objects.exists()


@pytest.mark.parametrize("status", [ProgrammeStatus.DRAFT, ProgrammeStatus.CLOSED])
def test_a_programme_not_active_cannot_be_issued(aid, status):
    aid["programme"].status = status
    aid["programme"].save()

    with pytest.raises(IssuanceRefused) as refused:
        issue(aid)

    assert refused.value.code == "programme_not_active"
    assert not Issuance.objects.exists()


@pytest.mark.parametrize(("month", "code"), [(0, "month_out_of_range"), (9, "month_out_of_range")])
def test_a_month_outside_the_programme_is_refused(aid, month, code):
    with pytest.raises(IssuanceRefused) as refused:
        issue(aid, month=month)
    assert refused.value.code == code


def test_a_month_cannot_be_issued_before_it_begins(aid):
    programme = aid["programme"]
    today = programme.first_month + datetime.timedelta(days=40)  # in month 2

    with pytest.raises(IssuanceRefused) as refused:
        issue(aid, month=3, today=today)
    assert refused.value.code == "month_not_started"

    assert issue(aid, month=2, today=today).month == 2
    before = programme.first_month - datetime.timedelta(days=1)
    with pytest.raises(IssuanceRefused) as refused:
        issue(aid, month=1, today=before)
    assert refused.value.code == "month_not_started"


def test_a_village_without_active_beneficiaries_has_nothing_to_issue(two_villages):
    programme = ProgrammeFactory(village=two_villages["home"])
    BeneficiaryFactory(village=two_villages["home"], is_active=False)

    with pytest.raises(IssuanceRefused) as refused:
        start_issuance(
            acting_user=two_villages["people"]["home"][Role.VILLAGE_OFFICIAL],
            programme_id=programme.pk,
            month=1,
        )
    assert refused.value.code == "no_beneficiaries"


def test_the_second_month_adds_to_what_is_left_of_the_first(
    aid, django_capture_on_commit_callbacks
):
    programme = aid["programme"]
    in_month_2 = programme.first_month + datetime.timedelta(days=35)
    with django_capture_on_commit_callbacks(execute=True):
        issue(aid, month=1, today=in_month_2)
        issue(aid, month=2, today=in_month_2)

    assert {wallet_balance(b, programme) for b in aid["active"]} == {600_000}
    assert Wallet.objects.filter(programme=programme).count() == 5  # one wallet each
    assert (
        Account.objects.filter(kind=AccountKind.BENEFICIARY_WALLET).aggregate(s=Sum("balance"))["s"]
        == 3_000_000
    )
    assert ledger_problems() == []


def test_beneficiaries_activated_or_deactivated_after_the_start_are_counted_as_credited(
    aid, django_capture_on_commit_callbacks
):
    issuance = issue(aid)  # total 5
    aid["active"][0].is_active = False
    aid["active"][0].save()
    newcomers = [BeneficiaryFactory(village=aid["home"]) for _ in range(2)]

    run_issuance(issuance_id=issuance.pk)

    issuance.refresh_from_db()
    assert (issuance.status, issuance.done, issuance.total) == (IssuanceStatus.DONE, 6, 6)
    assert wallet_balance(aid["active"][0], aid["programme"]) is None
    assert all(wallet_balance(b, aid["programme"]) == 300_000 for b in newcomers)


def test_a_failed_batch_is_marked_failed_and_can_be_tried_again(
    aid, monkeypatch, django_capture_on_commit_callbacks
):
    issuance = issue(aid)
    original = service._credit_chunk

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(service, "_credit_chunk", broken)
    assert run_issuance(issuance_id=issuance.pk) == 0
    issuance.refresh_from_db()
    assert issuance.status == IssuanceStatus.FAILED
    assert issuance.error == "RuntimeError: database went away"
    assert not Transfer.objects.exists()

    queued = Issuance.objects.create(programme=aid["programme"], month=2, amount_each=1)
    with pytest.raises(IssuanceRefused) as refused:  # only a failed one is sent again
        retry_issuance(acting_user=aid["official"], issuance_id=queued.pk)
    assert refused.value.code == "issuance_not_failed"
    queued.delete()

    monkeypatch.setattr(service, "_credit_chunk", original)
    with django_capture_on_commit_callbacks(execute=True):
        retry_issuance(acting_user=aid["official"], issuance_id=issuance.pk)
    issuance.refresh_from_db()
    assert (issuance.status, issuance.done, issuance.error) == (IssuanceStatus.DONE, 5, "")
    with pytest.raises(PermissionDenied):
        retry_issuance(
            acting_user=aid["people"]["other"][Role.VILLAGE_OFFICIAL], issuance_id=issuance.pk
        )


def test_nothing_is_issued_after_the_programme_ended(aid):
    programme = aid["programme"]
    after = rules.programme_end(programme)

    with pytest.raises(IssuanceRefused) as refused:
        issue(aid, month=8, today=after)

    assert refused.value.code == "programme_ended"
    assert overview_next_due(programme, after) is None
    assert overview_next_due(programme, after - datetime.timedelta(days=1)).month == 1


def overview_next_due(programme, today):
    return programme_overview(programme=programme, today=today).next_due


def test_the_sweep_sends_again_a_batch_that_stalled(aid):
    stalled = issue(aid)  # its task was lost: never run
    fresh = issue(aid, month=2, today=rules.month_start(aid["programme"], 2))
    Issuance.objects.filter(pk=stalled.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=20)
    )

    assert resume_stalled_issuances() == 1  # the task, run in-process here

    stalled.refresh_from_db()
    fresh.refresh_from_db()
    assert (stalled.status, stalled.done) == (IssuanceStatus.DONE, 5)
    assert fresh.status == IssuanceStatus.QUEUED  # young: its own task may still come
