"""Unspent voucher money returns to the programme's fund per its rule, once, even run late."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from ledger import services as ledger
from ledger.enums import TransferKind
from ledger.models import Transfer
from ledger.selectors import ledger_problems
from pasardesa.celery import app as celery_app
from tests.vouchers.factories import BeneficiaryFactory, ProgrammeFactory, credit
from vouchers import accounts, rules
from vouchers.enums import ExpiryRule, ProgrammeStatus
from vouchers.models import Wallet
from vouchers.services.expiry import expire_due, expire_programme_month, month_to_expire
from vouchers.tasks import expire_vouchers

pytestmark = pytest.mark.django_db


def make_programme(two_villages, rule, **kwargs):
    programme = ProgrammeFactory(village=two_villages["home"], expiry_rule=rule, **kwargs)
    beneficiaries = [BeneficiaryFactory(village=two_villages["home"]) for _ in range(3)]
    wallets = [credit(b, programme, 300_000, key=f"issue:t:1:{b.pk}") for b in beneficiaries]
    return programme, wallets


def balance(wallet):
    return accounts.wallet_account(wallet).balance


def spend(wallet, amount):
    ledger.move(
        key=f"spend:test:{wallet.pk}:{amount}",
        kind=TransferKind.SPEND,
        source=accounts.wallet_account(wallet),
        destination=accounts.voucher_in_flight(wallet.programme),
        amount=amount,
    )


def at(monkeypatch, day):
    """Make what is written now carry a time on ``day`` (noon, local time)."""
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    monkeypatch.setattr(timezone, "now", lambda: moment)


def test_monthly_returns_what_each_wallet_holds_when_the_month_ends(two_villages):
    programme, wallets = make_programme(two_villages, ExpiryRule.MONTHLY)
    spend(wallets[0], 100_000)
    in_month_1 = programme.first_month + datetime.timedelta(days=20)
    month_2 = rules.month_start(programme, 2)

    assert expire_due(today=in_month_1).expired_wallets == 0
    result = expire_due(today=month_2)

    assert (result.expired_wallets, result.expired_amount) == (3, 800_000)
    assert [balance(w) for w in wallets] == [0, 0, 0]
    # The fund got back what was not spent; what was spent stays with the payment.
    assert accounts.programme_fund(programme).balance == -100_000
    assert accounts.voucher_in_flight(programme).balance == 100_000
    expired = Transfer.objects.get(key=f"expire:{programme.pk}:1:{wallets[0].pk}")
    assert (expired.kind, expired.amount, expired.details["month"]) == (
        TransferKind.EXPIRE,
        200_000,
        1,
    )
    # The beneficiary's history (entries of the wallet account) shows it.
    assert accounts.wallet_account(wallets[0]).entries.filter(transfer=expired).get().amount == (
        -200_000
    )
    assert ledger_problems() == []


def test_expiry_run_twice_returns_nothing_twice(two_villages):
    programme, _wallets = make_programme(two_villages, ExpiryRule.MONTHLY)
    month_2 = rules.month_start(programme, 2)

    expire_due(today=month_2)
    again = expire_due(today=month_2 + datetime.timedelta(days=1))

    assert (again.expired_wallets, again.expired_amount) == (0, 0)
    assert Transfer.objects.filter(kind=TransferKind.EXPIRE).count() == 3
    assert accounts.programme_fund(programme).balance == 0
    assert ledger_problems() == []


def test_a_late_run_does_not_take_money_credited_after_the_month_ended(two_villages, monkeypatch):
    programme, wallets = make_programme(two_villages, ExpiryRule.MONTHLY)
    spend(wallets[1], 50_000)
    month_2 = rules.month_start(programme, 2)
    # Month 2 is issued on its second day; the expiry of month 1 had not run yet.
    at(monkeypatch, month_2 + datetime.timedelta(days=1))
    for wallet in wallets:
        credit(wallet.beneficiary, programme, 300_000, key=f"issue:t:2:{wallet.pk}")
    monkeypatch.undo()

    result = expire_due(today=month_2 + datetime.timedelta(days=2))

    assert result.expired_amount == 300_000 + 250_000 + 300_000
    assert [balance(w) for w in wallets] == [300_000, 300_000, 300_000]
    assert ledger_problems() == []


def test_a_wallet_that_spent_after_the_month_ended_returns_no_more_than_it_holds(
    two_villages, monkeypatch
):
    programme, wallets = make_programme(two_villages, ExpiryRule.MONTHLY)
    month_2 = rules.month_start(programme, 2)
    at(monkeypatch, month_2 + datetime.timedelta(days=1))
    spend(wallets[0], 250_000)  # spent before the job ran
    monkeypatch.undo()

    result = expire_due(today=month_2 + datetime.timedelta(days=2))

    assert result.expired_amount == 50_000 + 300_000 + 300_000
    assert [balance(w) for w in wallets] == [0, 0, 0]
    assert ledger_problems() == []


def test_programme_end_keeps_the_money_until_the_last_month_ends(two_villages):
    programme, wallets = make_programme(two_villages, ExpiryRule.PROGRAMME_END)
    spend(wallets[2], 300_000)
    end = rules.programme_end(programme)

    assert month_to_expire(programme, rules.month_start(programme, 2)) is None
    assert expire_due(today=rules.month_start(programme, 8)).expired_wallets == 0
    assert [balance(w) for w in wallets] == [300_000, 300_000, 0]

    result = expire_due(today=end)

    assert (result.expired_wallets, result.expired_amount, result.closed_programmes) == (
        2,
        600_000,
        1,
    )
    assert [balance(w) for w in wallets] == [0, 0, 0]
    programme.refresh_from_db()
    assert programme.status == ProgrammeStatus.CLOSED
    expired = Transfer.objects.filter(kind=TransferKind.EXPIRE)
    assert {t.details["month"] for t in expired} == {8}
    assert expire_due(today=end + datetime.timedelta(days=3)).expired_wallets == 0
    assert ledger_problems() == []


def test_a_programme_closed_early_still_returns_its_money_at_its_end(two_villages):
    programme, wallets = make_programme(two_villages, ExpiryRule.PROGRAMME_END)
    programme.status = ProgrammeStatus.CLOSED
    programme.save()

    result = expire_due(today=rules.programme_end(programme))

    assert (result.expired_wallets, result.closed_programmes) == (3, 0)
    assert [balance(w) for w in wallets] == [0, 0, 0]


def test_only_active_programmes_past_their_end_close(two_villages):
    past = ProgrammeFactory(
        village=two_villages["home"], first_month=datetime.date(2024, 1, 1), months=8
    )
    running = ProgrammeFactory(village=two_villages["home"])
    draft = ProgrammeFactory(
        village=two_villages["home"],
        first_month=datetime.date(2024, 1, 1),
        status=ProgrammeStatus.DRAFT,
    )

    assert expire_due().closed_programmes == 1

    for programme in (past, running, draft):
        programme.refresh_from_db()
    assert (past.status, running.status, draft.status) == (
        ProgrammeStatus.CLOSED,
        ProgrammeStatus.ACTIVE,
        ProgrammeStatus.DRAFT,
    )


def test_monthly_expiry_of_many_wallets_is_batched(two_villages, django_assert_max_num_queries):
    programme, _wallets = make_programme(two_villages, ExpiryRule.MONTHLY)
    for _ in range(7):
        credit(BeneficiaryFactory(village=two_villages["home"]), programme, 1_000)
    # The fund and the candidates; per chunk the posted keys (before and under the locks),
    # the locks, the sums at the month's end, post_many's keys and two inserts, and three
    # savepoints each way; then the ledger updates each account's cached balance (one UPDATE
    # per wallet and one for the fund, per chunk).
    chunks, per_chunk = 2, 13
    with django_assert_max_num_queries(2 + chunks * per_chunk + 10 + chunks):
        wallets_done, amount = expire_programme_month(programme=programme, month=1, chunk_size=5)
    assert (wallets_done, amount) == (10, 907_000)
    assert Wallet.objects.filter(programme=programme).count() == 10
    assert ledger_problems() == []


def test_the_daily_expiry_is_a_beat_job():
    jobs = {job["task"]: job for job in settings.CELERY_BEAT_SCHEDULE.values()}
    assert jobs["vouchers.tasks.expire_vouchers"]["schedule"] == 24 * 60 * 60
    assert "vouchers.tasks.expire_vouchers" in celery_app.tasks
    assert "vouchers.tasks.resume_stalled_issuances" in celery_app.tasks
    assert expire_vouchers() == 0
