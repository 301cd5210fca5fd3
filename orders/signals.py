"""Signals other apps listen to. Sent inside the transaction that made the change, so a
receiver's writes commit or roll back with it."""

from django.dispatch import Signal

# A fulfilment became COMPLETED: its money may be settled. Sent with ``fulfilment_id``.
fulfilment_completed = Signal()
