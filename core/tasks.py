"""Enqueue tasks only once the surrounding transaction has committed."""

import logging
from typing import Any

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def enqueue_on_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Send ``task`` after commit; without a broker (no REDIS_URL) it runs in-process then.

    The person's action has committed by then, so a broker that is down must not turn it
    into an error page: the failure is logged, and the periodic jobs that sweep up what
    tasks missed (settlement's sweeper, the lifecycle beat) catch up once it is back.
    """

    def send() -> None:
        try:
            task.delay(*args, **kwargs)
        except OperationalError:
            logger.warning("Broker unreachable: %s not sent.", task.name, exc_info=True)

    transaction.on_commit(send)
