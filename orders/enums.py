from django.db import models
from django.utils.translation import gettext_lazy as _


class FulfilmentStatus(models.TextChoices):
    PLACED = "placed", _("Placed")  # the buyer ordered; the seller has not answered yet
    CONFIRMED = "confirmed", _("Confirmed")  # the seller accepted and is preparing it
    SHIPPED = "shipped", _("On its way")  # handed to delivery (local or courier)
    READY_FOR_PICKUP = "ready_for_pickup", _("Ready for pickup")  # waiting at the seller
    DELIVERED = "delivered", _("Delivered")  # the buyer has it
    COMPLETED = "completed", _("Completed")  # closed; settlement may pay the seller
    CANCELLED = "cancelled", _("Cancelled")  # by the buyer before confirmation, or the seller


class DeliveryMethod(models.TextChoices):
    PICKUP = "pickup", _("Pickup at the seller")  # the buyer comes to the seller
    LOCAL = "local", _("Free local delivery")  # buyer and seller in the same village
    COURIER = "courier", _("Courier")  # a fee per zone, set by the seller


class DeliveryZone(models.TextChoices):
    SAME_KECAMATAN = "same_kecamatan", _("Same district")  # same kecamatan, other village
    SAME_KABUPATEN = "same_kabupaten", _("Same regency")  # same kabupaten, other kecamatan
    FURTHER = "further", _("Further")  # another kabupaten


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash on delivery or at pickup")  # collected by the seller
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")  # proof uploaded, seller confirms
    VOUCHER = "voucher", _("BLT voucher")  # restricted tender; plugs in with the vouchers


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for payment")  # cash not yet collected, no transfer proof
    AWAITING_CONFIRMATION = "awaiting_confirmation", _("Waiting for confirmation")  # proof sent
    PAID = "paid", _("Paid")  # the seller confirmed the money arrived
    RELEASED = "released", _("Released")  # an unpaid transfer expired; its stock went back
    REVERSED = "reversed", _("Reversed")  # the fulfilment was cancelled; money goes back


class EventType(models.TextChoices):
    STATUS_CHANGED = "status_changed", _("Status changed")  # a fulfilment transition
    PAYMENT_CHANGED = "payment_changed", _("Payment changed")  # a payment's status moved
    NOTE = "note", _("Note")  # something worth recording that changes nothing
