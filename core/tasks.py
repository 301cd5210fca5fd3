"""Enqueue tasks only once the surrounding transaction has committed."""

from functools import partial
from typing import Any

from celery import Task
from django.db import transaction


def enqueue_on_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Send ``task`` after commit; without a broker (no REDIS_URL) it runs in-process then."""
    transaction.on_commit(partial(task.delay, *args, **kwargs))
