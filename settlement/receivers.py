from typing import Any

from django.dispatch import receiver

from orders.signals import fulfilment_completed
from settlement.services.posting import record_completed_fulfilment


@receiver(fulfilment_completed, dispatch_uid="settlement-record-completed-fulfilment")
def remember_to_post(sender: Any, fulfilment_id: int, **kwargs: Any) -> None:
    record_completed_fulfilment(fulfilment_id)
