"""A real Celery worker in its own process, fed through Redis on a queue of its own.

Test settings run tasks eagerly; ``broker_delivery`` turns that off for one test so
``apply_async`` really sends to the broker. Each test gets a unique queue, so workers of
other runs sharing the same Redis never take its messages, and its keys are removed after.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection

from pasardesa.celery import app as celery_app

WORKER_START_TIMEOUT = 30.0
DELIVERY_TIMEOUT = 20.0


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
    queue: str
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
        """Stop the worker and its pool at once: nothing here needs a warm shutdown."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture
def redis_url() -> str:
    return os.environ["REDIS_URL"]


@pytest.fixture
def task_queue(redis_url: str) -> Iterator[str]:
    """A queue name no other test run uses; its Redis keys are deleted afterwards."""
    name = f"pasardesa-test-{uuid.uuid4().hex}"
    yield name
    client = redis.Redis.from_url(redis_url)
    try:
        for pattern in (f"{name}*", f"_kombu.binding*.{name}"):  # the queue, its bindings
            keys = list(client.scan_iter(match=pattern))
            if keys:
                client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def broker_delivery() -> Iterator[None]:
    """Send tasks to the broker instead of running them in this process."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = previous


@pytest.fixture
def text_message_file(tmp_path: Path) -> Path:
    """Where the worker's ``FileSender`` appends messages, one ``phone<TAB>text`` a line."""
    return tmp_path / "text-messages.log"


@pytest.fixture
def start_worker(
    tmp_path: Path, redis_url: str, task_queue: str, text_message_file: Path
) -> Iterator[Callable[..., Worker]]:
    """Start ``celery worker`` processes on ``task_queue``; all are killed after the test."""
    workers: list[Worker] = []
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.tasks.worker_settings",
        "DATABASE_URL": database_url_for_worker(tmp_path),
        "REDIS_URL": redis_url,
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
        worker = Worker(
            process=process, log_path=log_path, queue=task_queue, message_file=text_message_file
        )
        workers.append(worker)
        worker.wait_until_ready()
        return worker

    try:
        yield start
    finally:
        for worker in workers:
            worker.stop()
