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


@shared_task(acks_late=True, reject_on_worker_lost=True)
def close_settlement_day(day: str | None = None) -> list[int]:
    """Beat, daily: settle yesterday (or ``day``, ISO) in every market; ids of new batches.
    Posts the sweeper's leftovers first, so the day's sales are in the ledger."""
    import datetime

    from django.utils import timezone

    from settlement.services import clearing

    posting.sweep()
    when = (
        datetime.date.fromisoformat(day)
        if day
        else timezone.localdate() - datetime.timedelta(days=1)
    )
    return clearing.close_day(day=when)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def close_profit_month(day_in_month: str | None = None) -> list[int]:
    """Beat, on the 1st: close last month's profit for every BUMDes; ids of new shares."""
    import datetime

    from django.utils import timezone

    from settlement.services import profit

    when = (
        datetime.date.fromisoformat(day_in_month)
        if day_in_month
        else timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    )
    return profit.close_month(day_in_month=when)
