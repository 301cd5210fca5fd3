"""Settlement on a real worker against Redis: nothing posted twice, nothing lost.

Every task delivered twice posts each sale once; a worker killed in the middle of a batch
leaves nothing half-posted and the redelivered task finishes it; sales completed while the
broker is down are posted once it is back (a private ``redis-server`` is stopped for that,
never the machine's own).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time

import psycopg2
import pytest
from django.db import connection

from ledger import services as ledger
from ledger.enums import AccountKind, TransferKind
from ledger.models import Account, Transfer
from ledger.selectors import ledger_problems
from pasardesa.celery import app as celery_app
from settlement import tasks
from settlement.enums import PostingStatus
from settlement.models import Posting
from settlement.services import posting
from tests.factories import BumdesFactory
from tests.settlement.helpers import cash_sale

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WAIT = 30.0


@pytest.fixture
def home(two_villages):
    village = two_villages["home"]
    return {
        "village": village,
        "bumdes": BumdesFactory(village=village),
        "people": {str(role): person for role, person in two_villages["people"]["home"].items()},
    }


@pytest.fixture
def unsent(monkeypatch):
    """Completing a sale writes its posting but sends no task (as if the broker were down)."""
    monkeypatch.setattr(posting, "_send_after_commit", lambda posting_ids: None)


def completed_sales(home, count, *, price=10_000):
    return [
        cash_sale(home["people"], price=price, quantity=1, key=f"sale-{n}") for n in range(count)
    ]


def commission_of(bumdes):
    account = Account.objects.filter(kind=AccountKind.BUMDES_COMMISSION, owner_id=bumdes.pk)
    return account.values_list("balance", flat=True).first() or 0


def wait_until(condition, what, worker, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"{what} did not happen within {timeout:.0f} s; worker log:\n{worker.log()}")


def all_posted(count):
    return lambda: Posting.objects.filter(status=PostingStatus.POSTED).count() == count


def queue_drained(broker, queue):
    """Nothing waiting on ``queue`` and nothing delivered but unacknowledged (acks_late:
    a message is acknowledged only once its task has finished)."""

    def drained():
        unacked = [json.loads(entry)[2] for entry in broker.hvals("unacked")]
        return broker.llen(queue) == 0 and queue not in unacked

    return drained


def test_every_posting_task_delivered_twice_posts_each_sale_once(
    home, unsent, start_worker, send_to_worker, broker, task_queue
):
    completed_sales(home, 6)
    ids = list(Posting.objects.values_list("pk", flat=True))
    worker = start_worker()

    for posting_id in ids:  # each sale's task, twice, and the whole batch once more
        send_to_worker(tasks.post_sales, posting_ids=[posting_id])
        send_to_worker(tasks.post_sales, posting_ids=[posting_id])
    send_to_worker(tasks.post_sales, posting_ids=ids)

    wait_until(all_posted(6), "posting six sales", worker)
    wait_until(queue_drained(broker, task_queue), "all 13 deliveries done", worker)
    assert Transfer.objects.filter(kind=TransferKind.COMMISSION).count() == 6
    assert commission_of(home["bumdes"]) == 6 * 500
    assert ledger_problems() == []


def _blocked_on_a_lock(dsn_kwargs):
    with contextlib.closing(psycopg2.connect(**dsn_kwargs)) as probe, probe.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND query LIKE %s",
            ["%ledger_account%"],
        )
        return cursor.fetchone()[0] > 0


def test_a_worker_killed_in_the_middle_of_a_batch_leaves_nothing_half_posted(
    home, unsent, start_worker, send_to_worker
):
    completed_sales(home, 40)
    commission = ledger.account(AccountKind.BUMDES_COMMISSION, home["bumdes"].pk)
    db = connection.settings_dict
    dsn = {"dbname": db["NAME"], "user": db["USER"], "host": db["HOST"], "port": db["PORT"]}
    worker = start_worker(pool="prefork")

    # Hold the BUMDes commission account: the batch writes its transfers and entries, then
    # waits on that row — the middle of the batch — where the pool process is killed.
    holder = psycopg2.connect(**dsn)
    try:
        with holder.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM ledger_account WHERE id = %s FOR UPDATE", [commission.pk]
            )
        send_to_worker(
            tasks.post_sales, posting_ids=list(Posting.objects.values_list("pk", flat=True))
        )
        wait_until(lambda: _blocked_on_a_lock(dsn), "the batch reaching the held row", worker)
        for pid in worker.pool_processes():
            os.kill(pid, signal.SIGKILL)
    finally:
        holder.rollback()
        holder.close()

    wait_until(all_posted(40), "the redelivered batch posting all 40 sales", worker)
    assert "WorkerLostError" in worker.log()
    assert Transfer.objects.filter(kind=TransferKind.COMMISSION).count() == 40
    assert commission_of(home["bumdes"]) == 40 * 500
    assert ledger_problems() == []


def free_port():
    with contextlib.closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A redis-server of the test's own, on a free port, that the test may stop and start."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.tmp_path = tmp_path
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.tmp_path),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), 0.2),
            ):
                return
            time.sleep(0.05)
        pytest.fail("the private redis-server did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def private_redis(tmp_path):
    if not shutil.which("redis-server"):
        pytest.fail("redis-server is needed for the broker fault test")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def broker_url(private_redis):
    """The worker and the test use the private server as their broker."""
    return private_redis.url


@contextlib.contextmanager
def app_broker(url):
    """The app sends its tasks (as the code under test does) to ``url`` for a while."""
    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager, celery_app._pool)
    conf.broker_url, conf.task_always_eager, celery_app._pool = url, False, None
    celery_app.amqp._producer_pool = None
    try:
        yield
    finally:
        if celery_app._pool is not None:
            celery_app._pool.force_close_all()
        conf.broker_url, conf.task_always_eager, celery_app._pool = saved
        celery_app.amqp._producer_pool = None


def test_sales_completed_while_the_broker_is_down_are_posted_when_it_returns(
    home, private_redis, start_worker, send_to_worker, task_queue
):
    worker = start_worker()
    private_redis.stop()
    try:
        with app_broker(private_redis.url):
            celery_app.conf.task_default_queue = task_queue
            # Each completion commits; sending its task fails, is logged, and waits.
            fulfilments = completed_sales(home, 3)
    finally:
        celery_app.conf.task_default_queue = "celery"
        private_redis.start()  # back again, whatever happened (the fixtures need it)

    assert all(f.status == "completed" for f in fulfilments)
    assert Posting.objects.filter(status=PostingStatus.PENDING).count() == 3
    send_to_worker(tasks.sweep_unposted_sales)  # the beat's sweep, once the broker is back

    wait_until(all_posted(3), "the sweeper posting the three sales", worker, timeout=60)
    assert commission_of(home["bumdes"]) == 3 * 500
    assert ledger_problems() == []
