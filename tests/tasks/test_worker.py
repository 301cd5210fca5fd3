"""``send_text_message`` through Redis and a real worker process, as in production."""

from __future__ import annotations

import os
import select
import signal
import time
from pathlib import Path

import pytest

from accounts.tasks import send_text_message

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

PHONE = "+6281234567890"
TEXT = "Kode pasardesa Anda 123456."


def test_worker_delivers_a_text_message(start_worker, send_to_worker):
    worker = start_worker()

    send_to_worker(send_text_message, phone=PHONE, text=TEXT)

    assert worker.wait_for_messages(1) == [f"{PHONE}\t{TEXT}"]


def test_broker_keeps_a_task_sent_while_no_worker_runs(
    start_worker, send_to_worker, broker, task_queue
):
    send_to_worker(send_text_message, phone=PHONE, text=TEXT)
    assert broker.llen(task_queue) == 1

    worker = start_worker()

    assert worker.wait_for_messages(1) == [f"{PHONE}\t{TEXT}"]
    assert broker.llen(task_queue) == 0


def _blocked_opening_a_fifo(pid: int) -> bool:
    """True while ``pid`` waits in open() for the other end of a named pipe."""
    proc = Path("/proc") / str(pid)
    try:
        if proc.joinpath("wchan").read_text() in {"wait_for_partner", "fifo_open"}:
            return True
        syscall = proc.joinpath("syscall").read_text().split()
    except OSError:  # the process ended, or the kernel does not tell
        return False
    return bool(syscall) and syscall[0] in {"2", "257"}  # open, openat (x86-64)


def _read_line_from_fifo(path: Path, timeout: float) -> bytes:
    """Open the reading end (which lets a blocked writer go on) and read one line."""
    data = b""
    deadline = time.monotonic() + timeout
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        while b"\n" not in data and time.monotonic() < deadline:
            readable, _, _ = select.select([fd], [], [], 0.2)
            chunk = os.read(fd, 4096) if readable else b""
            if not chunk:  # no writer yet: a pipe without writers reads as empty
                time.sleep(0.1)
            data += chunk
    finally:
        os.close(fd)
    return data


def test_task_survives_its_pool_process_being_killed(
    start_worker, send_to_worker, text_message_file
):
    """acks_late + reject_on_worker_lost: a task whose process dies is run again, not lost.

    The message file is a named pipe nobody reads yet, so the pool process running the
    task blocks in open() until the test has killed it with SIGKILL.
    """
    os.mkfifo(text_message_file)
    worker = start_worker(pool="prefork")

    send_to_worker(send_text_message, phone=PHONE, text=TEXT)

    deadline = time.monotonic() + 20
    blocked = []
    while not blocked and time.monotonic() < deadline:
        blocked = [pid for pid in worker.pool_processes() if _blocked_opening_a_fifo(pid)]
        time.sleep(0.1)
    assert blocked, f"no pool process started the task; worker log:\n{worker.log()}"
    os.kill(blocked[0], signal.SIGKILL)

    assert _read_line_from_fifo(text_message_file, timeout=20) == f"{PHONE}\t{TEXT}\n".encode()
    assert "WorkerLostError" in worker.log()
