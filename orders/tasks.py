"""Order tasks: notifications after commit, and the beat jobs of the fulfilment lifecycle.

Each takes ids (or nothing), loads what it needs again and calls one service. All may run
twice or concurrently: the services re-check under a row lock and the notifications
remember what they sent.
"""

from celery import shared_task

from orders import notifications
from orders.services import lifecycle


@shared_task(
    autoretry_for=(notifications.NotificationFailed, OSError),
    retry_backoff=5,
    retry_kwargs={"max_retries": 5},
    acks_late=True,
)
def send_order_placed(*, order_id: int) -> int:
    return notifications.deliver_order_placed(order_id)


@shared_task(
    autoretry_for=(notifications.NotificationFailed, OSError),
    retry_backoff=5,
    retry_kwargs={"max_retries": 5},
    acks_late=True,
)
def send_fulfilment_changed(*, fulfilment_id: int, event_id: int) -> int:
    return notifications.deliver_fulfilment_changed(fulfilment_id, event_id)


@shared_task(acks_late=True)
def complete_delivered_fulfilments() -> int:
    """Delivered fulfilments the buyer did not confirm within the set days become completed."""
    return lifecycle.complete_delivered_fulfilments_due()


@shared_task(acks_late=True)
def cancel_unconfirmed_fulfilments() -> int:
    """Placed fulfilments the seller did not confirm within the set hours are cancelled."""
    return lifecycle.cancel_unconfirmed_fulfilments_due()


@shared_task(acks_late=True)
def release_unpaid_transfers() -> int:
    """Bank transfers unpaid within the set hours are released, their fulfilments cancelled."""
    return lifecycle.release_unpaid_transfers_due()
