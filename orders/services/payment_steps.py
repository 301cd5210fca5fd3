"""Payment steps after checkout: cash collected, transfer proof sent, transfer confirmed.

A payment's status moves through the payment methods' ``move_payment``
(orders/payments.py), a conditional update that writes a PAYMENT_CHANGED event on its
fulfilment. Each step locks the fulfilment row first and then the payment, the same order
as ``transition_fulfilment``, so a seller confirming a transfer and a cancel never cross.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext

from core.exceptions import DomainError
from core.uploads import validate_image_upload
from orders.enums import FulfilmentStatus, PaymentMethod, PaymentStatus
from orders.exceptions import NotAllowedForFulfilment, PaymentNotFound, PaymentStepNotAllowed
from orders.models import Fulfilment, FulfilmentEvent, Payment
from orders.payments import move_payment
from villages.tenancy import scope_for

P = PaymentStatus


def _lock_payment(payment_id: int) -> tuple[Fulfilment, Payment]:
    """Lock the payment's fulfilment, then the payment (the lifecycle's lock order)."""
    fulfilment_id = Payment.objects.filter(pk=payment_id).values_list("fulfilment_id", flat=True)
    found = fulfilment_id.first()
    if found is None:
        raise PaymentNotFound()
    fulfilment = (
        Fulfilment.objects.select_for_update(of=("self",)).select_related("order").get(pk=found)
    )
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    return fulfilment, payment


def _ensure_seller(actor: Any, fulfilment: Fulfilment) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise NotAllowedForFulfilment()
    if not scope_for(actor).can_manage_seller(
        seller_id=fulfilment.seller_id, village_id=fulfilment.village_id
    ):
        raise NotAllowedForFulfilment()


def _ensure_open(fulfilment: Fulfilment) -> None:
    if fulfilment.status == FulfilmentStatus.CANCELLED:
        raise PaymentStepNotAllowed(
            gettext("The order was cancelled."), code="fulfilment_cancelled"
        )


def _ensure_method(payment: Payment, method: str) -> None:
    if payment.method != method:
        raise PaymentStepNotAllowed(
            gettext("This step is not for a payment by %(method)s.")
            % {"method": payment.get_method_display()},
            code="payment_method_mismatch",
        )


def _move(payment: Payment, *, from_statuses: tuple[str, ...], to_status: str, actor: Any) -> None:
    """The conditional move; a payment not in ``from_statuses`` is refused, not skipped."""
    if payment.status not in from_statuses:
        raise PaymentStepNotAllowed(
            gettext("This payment is %(status)s; that step is not possible.")
            % {"status": str(payment.get_status_display()).lower()},
            extra={"from_status": payment.status, "to_status": to_status},
        )
    move_payment(payment, from_statuses=from_statuses, to_status=to_status, actor=actor)


def _notify(fulfilment: Fulfilment) -> None:
    """Tell the buyer after commit, about the event just written."""
    from orders.notifications import notify_fulfilment_changed

    event_id = (
        FulfilmentEvent.objects.filter(fulfilment=fulfilment)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    if event_id is not None:
        notify_fulfilment_changed(fulfilment.pk, event_id)


def mark_cash_collected(*, actor: Any, payment_id: int) -> Payment:
    """The seller received the cash of a cash payment: PENDING → PAID.

    Only a manager of the fulfilment's seller; not on a cancelled fulfilment. Raises
    ``PaymentNotFound``, ``NotAllowedForFulfilment``, ``PaymentStepNotAllowed``; then
    nothing is written.
    """
    with transaction.atomic(durable=True):
        fulfilment, payment = _lock_payment(payment_id)
        _ensure_seller(actor, fulfilment)
        _ensure_open(fulfilment)
        _ensure_method(payment, PaymentMethod.CASH)
        _move(payment, from_statuses=(P.PENDING,), to_status=P.PAID, actor=actor)
    return payment


def confirm_transfer(*, actor: Any, payment_id: int, reference: str = "") -> Payment:
    """The seller saw the transfer arrive: PENDING or AWAITING_CONFIRMATION → PAID.

    ``reference`` (the bank's, optional) is kept on the payment. Same refusals as
    ``mark_cash_collected``. The buyer is told after commit.
    """
    reference = reference.strip()[:100]
    with transaction.atomic(durable=True):
        fulfilment, payment = _lock_payment(payment_id)
        _ensure_seller(actor, fulfilment)
        _ensure_open(fulfilment)
        _ensure_method(payment, PaymentMethod.BANK_TRANSFER)
        if reference:
            payment.reference = reference
            payment.save(update_fields=["reference", "updated_at"])
        _move(
            payment,
            from_statuses=(P.PENDING, P.AWAITING_CONFIRMATION),
            to_status=P.PAID,
            actor=actor,
        )
        _notify(fulfilment)
    return payment


def upload_transfer_proof(*, actor: Any, payment_id: int, proof: UploadedFile[Any]) -> Payment:
    """The buyer sends a picture of the transfer: PENDING (or a proof sent before) →
    AWAITING_CONFIRMATION; the seller is then asked to confirm.

    The picture is checked by Pillow and stored before the transaction (no file work under
    a lock); if a check under the lock then refuses, the stored file is deleted again.
    Raises ``PaymentNotFound``, ``NotAllowedForFulfilment`` (not the buyer),
    ``PaymentStepNotAllowed``, or ``DomainError`` with the picture's code
    (``image_invalid``, ``image_too_large`` …).
    """
    try:
        validate_image_upload(proof)
    except ValidationError as error:
        raise DomainError(error.messages[0], code=error.code or "image_invalid") from error
    payment = Payment.objects.select_related("fulfilment__order").filter(pk=payment_id).first()
    if payment is None:
        raise PaymentNotFound()
    _ensure_buyer(actor, payment.fulfilment)
    field = payment.proof
    stored_name = field.storage.save(
        field.field.generate_filename(payment, proof.name or "proof"), proof
    )
    try:
        with transaction.atomic(durable=True):
            fulfilment, payment = _lock_payment(payment_id)
            _ensure_open(fulfilment)
            _ensure_method(payment, PaymentMethod.BANK_TRANSFER)
            previous = payment.proof.name
            payment.proof.name = stored_name
            payment.save(update_fields=["proof", "updated_at"])
            _move(
                payment,
                from_statuses=(P.PENDING, P.AWAITING_CONFIRMATION),
                to_status=P.AWAITING_CONFIRMATION,
                actor=actor,
            )
    except Exception:
        field.storage.delete(stored_name)
        raise
    if previous:
        field.storage.delete(previous)  # committed: nothing refers to the old picture now
    return payment


def _ensure_buyer(actor: Any, fulfilment: Fulfilment) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise NotAllowedForFulfilment()
    if actor.pk != fulfilment.order.buyer_id:
        raise NotAllowedForFulfilment()
