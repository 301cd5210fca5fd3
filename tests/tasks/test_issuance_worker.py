"""A month's issuance on a real worker against Redis: each beneficiary credited once.

The official's start sends the batch through the broker after commit; a batch delivered
twice credits nobody twice; a worker killed in the middle of the batch (SIGKILL) leaves
the committed chunks as they are, and the batch run again finishes with exact totals.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time

import psycopg2
import pytest
from django.db import connection, transaction

from ledger.enums import TransferKind
from ledger.models import Transfer
from ledger.selectors import ledger_problems
from tests.vouchers.factories import BeneficiaryFactory, ProgrammeFactory
from villages.enums import Role
from vouchers import accounts
from vouchers.enums import IssuanceStatus
from vouchers.models import Issuance, Wallet
from vouchers.services import issuance as service
from vouchers.tasks import run_issuance

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WAIT = 60.0
AMOUNT = 300_000


@pytest.fixture
def aid(two_villages):
    home = two_villages["home"]
    programme = ProgrammeFactory(village=home, market=two_villages["market"])
    beneficiaries = [BeneficiaryFactory(village=home) for _ in range(50)]
    BeneficiaryFactory(village=home, is_active=False)
    return {
        "programme": programme,
        "beneficiaries": sorted(beneficiaries, key=lambda b: b.pk),
        "official": two_villages["people"]["home"][Role.VILLAGE_OFFICIAL],
    }


def wait_until(condition, what, worker, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"{what} did not happen within {timeout:.0f} s; worker log:\n{worker.log()}")


def issuance_done(pk):
    return lambda: Issuance.objects.get(pk=pk).status == IssuanceStatus.DONE


def assert_each_credited_once(aid, issuance_pk):
    issuance = Issuance.objects.get(pk=issuance_pk)
    assert (issuance.status, issuance.done, issuance.total) == (IssuanceStatus.DONE, 50, 50)
    assert Transfer.objects.filter(kind=TransferKind.ISSUE).count() == 50
    wallets = Wallet.objects.filter(programme=aid["programme"])
    assert wallets.count() == 50
    assert [accounts.wallet_account(w).balance for w in wallets] == [AMOUNT] * 50
    assert accounts.programme_fund(aid["programme"]).balance == -50 * AMOUNT
    assert ledger_problems() == []


def dsn():
    db = connection.settings_dict
    return {"dbname": db["NAME"], "user": db["USER"], "host": db["HOST"], "port": db["PORT"]}


def blocked_on_a_lock():
    """True while a session of this test database waits for a row lock on an account (the
    ledger locks accounts before it updates their balances)."""
    with contextlib.closing(psycopg2.connect(**dsn())) as probe, probe.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = %s AND query LIKE %s",
            [connection.settings_dict["NAME"], "%ledger_account%"],
        )
        return cursor.fetchone()[0] > 0


def test_the_officials_start_sends_the_batch_to_the_worker_once_committed(
    aid, start_worker, send_to_worker, monkeypatch
):
    # The service's after-commit send goes through this test's broker and queue.
    monkeypatch.setattr(
        service,
        "enqueue_on_commit",
        lambda task, **kwargs: transaction.on_commit(lambda: send_to_worker(task, **kwargs)),
    )
    worker = start_worker()

    issuance = service.start_issuance(
        acting_user=aid["official"], programme_id=aid["programme"].pk, month=1
    )

    wait_until(issuance_done(issuance.pk), "the worker issuing the month", worker)
    assert_each_credited_once(aid, issuance.pk)


def test_a_batch_delivered_twice_credits_each_beneficiary_once(
    aid, start_worker, send_to_worker, monkeypatch
):
    monkeypatch.setattr(service, "enqueue_on_commit", lambda task, **kwargs: None)
    issuance = service.start_issuance(
        acting_user=aid["official"], programme_id=aid["programme"].pk, month=1
    )
    send_to_worker(run_issuance, issuance_id=issuance.pk, chunk_size=7)
    send_to_worker(run_issuance, issuance_id=issuance.pk, chunk_size=7)
    worker = start_worker()

    wait_until(issuance_done(issuance.pk), "the worker issuing the month", worker)
    # The second delivery ran after the first (one process) and found the month done.
    wait_until(lambda: "was done already" in worker.log(), "the second delivery finishing", worker)
    assert_each_credited_once(aid, issuance.pk)


@pytest.mark.parametrize("kill", ["pool_process", "whole_worker"])
def test_a_worker_killed_mid_batch_is_finished_by_the_next_run_with_exact_totals(
    aid, start_worker, send_to_worker, monkeypatch, kill
):
    monkeypatch.setattr(service, "enqueue_on_commit", lambda task, **kwargs: None)
    issuance = service.start_issuance(
        acting_user=aid["official"], programme_id=aid["programme"].pk, month=1
    )
    # The 25th beneficiary's wallet account is held: chunks 1 and 2 (of 10) commit, then
    # chunk 3 waits on that row — the middle of the batch — where the worker is killed.
    held = accounts.wallet_account(accounts.wallet_for(aid["beneficiaries"][24], aid["programme"]))
    worker = start_worker(pool="prefork")
    holder = psycopg2.connect(**dsn())
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT id FROM ledger_account WHERE id = %s FOR UPDATE", [held.pk])
        send_to_worker(run_issuance, issuance_id=issuance.pk, chunk_size=10)
        wait_until(blocked_on_a_lock, "the batch reaching the held account", worker)
        # Progress was committed chunk by chunk: a page shows it, a rerun goes on from it.
        progress = Issuance.objects.get(pk=issuance.pk)
        assert (progress.status, progress.done) == (IssuanceStatus.RUNNING, 20)
        if kill == "pool_process":
            for pid in worker.pool_processes():
                os.kill(pid, signal.SIGKILL)
        else:
            os.killpg(worker.process.pid, signal.SIGKILL)
            worker.process.wait(timeout=10)
    finally:
        holder.rollback()
        holder.close()

    if kill == "pool_process":
        # acks_late and reject_on_worker_lost: the worker delivers the batch again.
        wait_until(issuance_done(issuance.pk), "the redelivered batch finishing", worker)
        assert "WorkerLostError" in worker.log()
    else:
        assert Issuance.objects.get(pk=issuance.pk).done == 20  # nothing half-written
        # A new worker, and the batch sent again (the stalled-issuance sweep does this).
        worker = start_worker()
        send_to_worker(run_issuance, issuance_id=issuance.pk)
        wait_until(issuance_done(issuance.pk), "the batch sent again finishing", worker)
    assert_each_credited_once(aid, issuance.pk)
