"""Settlement on the worker. Late acknowledgement (settings: CELERY_TASK_ACKS_LATE,
REJECT_ON_WORKER_LOST, prefetch 1): a worker that dies mid-task leaves the message to be
delivered again, and posting twice writes nothing the second time."""

from celery import shared_task

from settlement.services import posting


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(OSError,), max_retries=5)
def post_sales(posting_ids: list[int]) -> int:
    """Post these completed sales to the ledger; returns how many this run posted."""
    return posting.post_sales(posting_ids).posted


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_unposted_sales() -> int:
    """Beat: post every completed sale no task posted (broker down, worker lost, a bug)."""
    return posting.sweep().posted
