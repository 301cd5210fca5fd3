"""Enqueue tasks only once the surrounding transaction has committed."""

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# Without a broker a task runs in-process, once: told it has already been retried this
# often, a task that fails raises at once rather than retrying on the spot (autoretry's
# delays need a worker).
_ALREADY_RETRIED = 1_000_000


def enqueue_on_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Send ``task`` after commit; without a broker (no REDIS_URL) it runs in-process then.

    The person's action has committed by then, so it must not turn into an error page: a
    broker that is down is logged, and the periodic jobs that sweep up what tasks missed
    (settlement's sweeper, the lifecycle beat) catch up once it is back; a task that
    fails in-process is logged with its traceback.
    """

    if runs_in_process(task):
        call_on_commit(
            task.name,
            partial(task.apply, args=args, kwargs=kwargs, retries=_ALREADY_RETRIED, throw=True),
        )
        return

    def send() -> None:
        try:
            task.delay(*args, **kwargs)
        except OperationalError:
            logger.warning("Broker unreachable: %s not sent.", task.name, exc_info=True)

    transaction.on_commit(send)


def runs_in_process(task: Task) -> bool:
    """True without a broker: ``enqueue_on_commit`` then runs ``task`` in this process."""
    return bool(task.app.conf.task_always_eager)


def call_on_commit(name: str, function: Callable[[], object]) -> None:
    """After commit, call ``function`` in this process, as a task run without a broker:
    a failure is logged under ``name``, never raised into the committed action."""

    def call() -> None:
        try:
            function()
        except Exception:
            logger.exception("%s failed in-process after commit; what was committed stands.", name)

    transaction.on_commit(call)
