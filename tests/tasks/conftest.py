"""A real Celery worker in its own process, fed through Redis on a queue of its own.

Test settings run tasks eagerly; ``send_to_worker`` turns that off for one test and sends
through the broker. The worker's broker is its own Redis database on the server of
``REDIS_URL``: the suite clears its cache (the database of ``REDIS_URL``) before every test,
which would also wipe queues. Each test gets a unique queue, so workers of other runs
sharing that Redis never take its messages, and its keys are removed afterwards.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
import redis
from django.conf import settings
from django.db import connection

from pasardesa.celery import app as celery_app

WORKER_START_TIMEOUT = 30.0
DELIVERY_TIMEOUT = 20.0
WORKER_REDIS_DB = 9


def database_url_for_worker(tmp_path: Path) -> str:
    """The test database as a URL a worker process can open.

    On PostgreSQL that is the test database itself (pytest-django has renamed
    ``NAME`` by now). An in-memory SQLite database cannot be shared with another
    process, so the worker gets an empty file of its own; the tasks here do not read it.
    """
    if connection.vendor != "postgresql":
        return f"sqlite:///{tmp_path / 'worker.sqlite3'}"
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or ""
    port = f":{db['PORT']}" if db["PORT"] else ""
    at = "@" if credentials else ""
    return f"postgres://{credentials}{at}{host}{port}/{quote(db['NAME'], safe='')}"


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log_path: Path
    message_file: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_until_ready(self, timeout: float = WORKER_START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.log():
                return
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited with {self.process.returncode}:\n{self.log()}")
            time.sleep(0.1)
        pytest.fail(f"the worker was not ready within {timeout:.0f} s:\n{self.log()}")

    def wait_for_messages(self, count: int, timeout: float = DELIVERY_TIMEOUT) -> list[str]:
        """The first ``count`` lines of the message file, once the worker has written them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.message_file.is_file():
                lines = self.message_file.read_text(encoding="utf-8").splitlines()
                if len(lines) >= count:
                    return lines
            time.sleep(0.1)
        pytest.fail(f"no message within {timeout:.0f} s; worker log:\n{self.log()}")

    def pool_processes(self) -> list[int]:
        """Process ids of the worker's pool (children of the main process)."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # the process ended while we looked
                continue
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.parent.name))
        return children

    def stop(self) -> None:
        """Warm shutdown (finished tasks are acknowledged), else kill the whole group."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):  # the pool may be gone already
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture
def broker_url() -> str:
    """Database ``WORKER_REDIS_DB`` of the Redis server that ``REDIS_URL`` names."""
    parts = urlsplit(os.environ["REDIS_URL"])
    return urlunsplit(parts._replace(path=f"/{WORKER_REDIS_DB}"))


@pytest.fixture
def broker(broker_url: str) -> Iterator[redis.Redis]:
    """A client of the worker's broker database, to look at queues."""
    client = redis.Redis.from_url(broker_url)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def task_queue(broker: redis.Redis) -> Iterator[str]:
    """A queue name no other test run uses; its Redis keys are deleted afterwards."""
    name = f"pasardesa-test-{uuid.uuid4().hex}"
    yield name
    for pattern in (f"{name}*", f"_kombu.binding*.{name}"):  # the queue, its bindings
        keys = list(broker.scan_iter(match=pattern))
        if keys:
            broker.delete(*keys)
    # Messages delivered but never acknowledged (a worker killed mid-task) wait here to be
    # restored to the queue; entries are [message, exchange, routing key].
    for tag, entry in broker.hgetall("unacked").items():
        if json.loads(entry)[2] == name:
            broker.hdel("unacked", tag)
            broker.zrem("unacked_index", tag)


@pytest.fixture
def send_to_worker(broker_url: str, task_queue: str) -> Iterator[Callable[..., None]]:
    """``send_to_worker(task, **kwargs)`` sends the task to the broker, not eagerly."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    with celery_app.connection_for_write(broker_url) as broker_connection:
        producer = celery_app.amqp.Producer(broker_connection)

        def send(task: Any, **kwargs: Any) -> None:
            task.apply_async(kwargs=kwargs, queue=task_queue, producer=producer)

        try:
            yield send
        finally:
            celery_app.conf.task_always_eager = previous


@pytest.fixture
def text_message_file(tmp_path: Path) -> Path:
    """Where the worker's ``FileSender`` appends messages, one ``phone<TAB>text`` a line."""
    return tmp_path / "text-messages.log"


@pytest.fixture
def start_worker(
    tmp_path: Path, broker_url: str, task_queue: str, text_message_file: Path
) -> Iterator[Callable[..., Worker]]:
    """Start ``celery worker`` processes on ``task_queue``; all are stopped after the test."""
    workers: list[Worker] = []
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.tasks.worker_settings",
        "DATABASE_URL": database_url_for_worker(tmp_path),
        "REDIS_URL": broker_url,
        "PASARDESA_TEXT_SENDER": "accounts.messaging.FileSender",
        "PASARDESA_TEXT_SENDER_FILE": str(text_message_file),
        "PYTHONUNBUFFERED": "1",
    }

    def start(*, pool: str = "solo") -> Worker:
        log_path = tmp_path / f"worker-{len(workers) + 1}.log"
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "pasardesa",
            "worker",
            "--pool",
            pool,
            "--concurrency",
            "1",
            "--queues",
            task_queue,
            "--hostname",
            f"{task_queue}-{len(workers) + 1}@%h",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
        ]
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command,
                cwd=settings.BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # one process group: stop() kills the pool too
            )
        worker = Worker(process=process, log_path=log_path, message_file=text_message_file)
        workers.append(worker)
        worker.wait_until_ready()
        return worker

    try:
        yield start
    finally:
        for worker in workers:
            worker.stop()
