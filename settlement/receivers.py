"""Completed sales enter the settlement outbox in the transaction that completes them."""

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from orders.signals import fulfilment_completed
from settlement.services.posting import record_completed_fulfilment, record_counter_sale
from vouchers.models import CounterSale


@receiver(fulfilment_completed, dispatch_uid="settlement-record-completed-fulfilment")
def remember_to_post_fulfilment(sender: Any, fulfilment_id: int, **kwargs: Any) -> None:
    record_completed_fulfilment(fulfilment_id)


@receiver(post_save, sender=CounterSale, dispatch_uid="settlement-record-counter-sale")
def remember_to_post_counter_sale(
    sender: Any, instance: CounterSale, created: bool, **kwargs: Any
) -> None:
    # A counter sale is complete when it is written: goods handed over, voucher charged.
    if created and not kwargs.get("raw"):
        record_counter_sale(instance.pk)
