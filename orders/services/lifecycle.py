"""The fulfilment state machine: declared once here, enforced by ``transition_fulfilment``.

``ALLOWED_TRANSITIONS`` says which step follows which status and which party may take it;
``transition_fulfilment`` is the only code that changes ``Fulfilment.status``. It locks the
fulfilment row, checks the step and the actor, writes a ``FulfilmentEvent``, and on a cancel
puts goods back and reverses payments, all in one transaction; notifications are sent after
commit. The beat jobs (``orders/tasks.py``) call the ``*_due`` services below as the system.
See docs/adr/0005-fulfilment-lifecycle.md.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from catalog.enums import ProductKind
from catalog.services import return_stock
from core.exceptions import DomainError
from orders import payments as payments_registry
from orders.enums import DeliveryMethod, EventType, FulfilmentStatus, PaymentMethod, PaymentStatus
from orders.exceptions import (
    AlreadyInStatus,
    FulfilmentNotFound,
    NotAllowedForFulfilment,
    ReasonRequired,
    TendersInvalid,
    TransitionNotAllowed,
)
from orders.models import Fulfilment, FulfilmentEvent, Order, OrderLine, Payment
from orders.signals import fulfilment_completed
from villages.tenancy import scope_for


class Party(enum.StrEnum):
    """Who stands behind an actor, as far as one fulfilment is concerned."""

    BUYER = "buyer"  # the person the order belongs to
    SELLER = "seller"  # a manager of the fulfilment's seller (staff, BUMDes admin, platform)
    SYSTEM = "system"  # trusted code without a person: the beat jobs (actor ``None``)


S = FulfilmentStatus
_SELLER = frozenset({Party.SELLER})

# The state machine: from a status, to a status, and the parties who may take that step.
# Nothing leaves COMPLETED or CANCELLED.
ALLOWED_TRANSITIONS: Mapping[FulfilmentStatus, Mapping[FulfilmentStatus, frozenset[Party]]] = {
    S.PLACED: {
        S.CONFIRMED: _SELLER,
        # The buyer only before the seller answered; the system when nobody confirmed in time.
        S.CANCELLED: frozenset({Party.SELLER, Party.BUYER, Party.SYSTEM}),
    },
    S.CONFIRMED: {
        S.SHIPPED: _SELLER,
        S.READY_FOR_PICKUP: _SELLER,
        # The system only for a bank transfer nobody paid in time.
        S.CANCELLED: frozenset({Party.SELLER, Party.SYSTEM}),
    },
    S.SHIPPED: {S.DELIVERED: _SELLER},
    S.READY_FOR_PICKUP: {S.DELIVERED: _SELLER},
    # The buyer confirms receipt; the system closes it after PASARDESA_AUTO_COMPLETE_DAYS.
    S.DELIVERED: {S.COMPLETED: frozenset({Party.BUYER, Party.SYSTEM})},
    S.COMPLETED: {},
    S.CANCELLED: {},
}

# Steps that only fit some ways of handing goods over.
DELIVERY_METHODS_FOR: Mapping[FulfilmentStatus, frozenset[str]] = {
    S.SHIPPED: frozenset({DeliveryMethod.LOCAL, DeliveryMethod.COURIER}),
    S.READY_FOR_PICKUP: frozenset({DeliveryMethod.PICKUP}),
}

CANCEL_REASON_MAX_LENGTH = 300
# Payments still standing when a fulfilment is cancelled; they are reversed (paid ones too).
_STANDING_PAYMENTS = (
    PaymentStatus.PENDING,
    PaymentStatus.AWAITING_CONFIRMATION,
    PaymentStatus.PAID,
)


def parties_of(actor: Any, fulfilment: Fulfilment, *, buyer_id: int) -> frozenset[Party]:
    """The parties ``actor`` acts as for ``fulfilment``; ``None`` is the system."""
    if actor is None:
        return frozenset({Party.SYSTEM})
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return frozenset()
    parties = set()
    if actor.pk == buyer_id:
        parties.add(Party.BUYER)
    if scope_for(actor).can_manage_seller(
        seller_id=fulfilment.seller_id, village_id=fulfilment.village_id
    ):
        parties.add(Party.SELLER)
    return frozenset(parties)


def next_steps(fulfilment: Fulfilment, parties: frozenset[Party]) -> list[FulfilmentStatus]:
    """The statuses ``parties`` may move ``fulfilment`` to now (for buttons on a page)."""
    steps = ALLOWED_TRANSITIONS[FulfilmentStatus(fulfilment.status)]
    return [
        to_status
        for to_status, allowed in steps.items()
        if allowed & parties and _fits_delivery(fulfilment, to_status)
    ]


def _fits_delivery(fulfilment: Fulfilment, to_status: FulfilmentStatus) -> bool:
    methods = DELIVERY_METHODS_FOR.get(to_status)
    return methods is None or fulfilment.delivery_method in methods


def validate_transition(
    *,
    fulfilment: Fulfilment,
    parties: frozenset[Party],
    to_status: str,
    reason: str,
    expected_status: str | None = None,
) -> None:
    """Raise the domain error that refuses this step, or return if it may happen.

    Order of checks: a stranger learns nothing about the order (``not_allowed_for_fulfilment``);
    then the machine (``transition_not_allowed``, also when the status is already
    ``to_status`` or no longer ``expected_status``); then the party; then the reason.
    """
    if not parties:
        raise NotAllowedForFulfilment()
    current = FulfilmentStatus(fulfilment.status)
    if current == to_status:
        raise AlreadyInStatus(status=current)
    if expected_status is not None and current != expected_status:
        raise TransitionNotAllowed(from_status=current, to_status=to_status)
    steps = ALLOWED_TRANSITIONS[current]
    if to_status not in steps:
        raise TransitionNotAllowed(from_status=current, to_status=to_status)
    target = FulfilmentStatus(to_status)
    if not _fits_delivery(fulfilment, target):
        raise TransitionNotAllowed(
            from_status=current,
            to_status=target,
            message=(
                gettext("An order picked up at the seller is not shipped.")
                if fulfilment.delivery_method == DeliveryMethod.PICKUP
                else gettext("Only an order picked up at the seller waits for pickup.")
            ),
        )
    acting = steps[target] & parties
    if not acting:
        raise NotAllowedForFulfilment()
    if target == S.CANCELLED:
        # A seller must say why; a buyer changing their mind, or the system, need not.
        if acting == _SELLER and not reason.strip():
            raise ReasonRequired()
        if len(reason.strip()) > CANCEL_REASON_MAX_LENGTH:
            raise DomainError(
                gettext("The reason is too long (at most %(count)s characters).")
                % {"count": CANCEL_REASON_MAX_LENGTH},
                code="reason_too_long",
            )


def transition_fulfilment(
    *,
    actor: Any,
    fulfilment_id: int,
    to_status: str,
    reason: str = "",
    expected_status: str | None = None,
) -> Fulfilment:
    """Move one fulfilment to ``to_status`` as ``actor`` (a user, or ``None`` for the system).

    Holds the fulfilment's row lock for the whole transaction, so two callers racing on one
    fulfilment are serialised and the second sees the first one's status. On success the
    status and ``status_changed_at`` are updated and a STATUS_CHANGED event records actor,
    from, to and reason; a cancel also returns the goods to stock (RETURN movements) and
    reverses standing payments (PAYMENT_CHANGED events). The buyer is
    notified after commit.

    Raises ``FulfilmentNotFound``, ``NotAllowedForFulfilment`` (``not_allowed_for_fulfilment``),
    ``TransitionNotAllowed`` (``transition_not_allowed``; ``AlreadyInStatus`` when the status
    is already ``to_status``, e.g. a retry: nothing is done twice) or ``ReasonRequired``
    (``reason_required``), and then nothing is written. ``expected_status``, when given,
    refuses the step unless the fulfilment still has that status (a page acted on what it
    showed; a beat job on what it selected).
    """
    with transaction.atomic(durable=True):
        fulfilment = _lock_fulfilment(fulfilment_id)
        event = _apply_transition(
            fulfilment=fulfilment,
            actor=actor,
            to_status=to_status,
            reason=reason,
            expected_status=expected_status,
        )
    return _with_event(fulfilment, event)


def _with_event(fulfilment: Fulfilment, event: FulfilmentEvent) -> Fulfilment:
    fulfilment.last_event = event  # type: ignore[attr-defined]  # handy for callers and tests
    return fulfilment


def _lock_fulfilment(fulfilment_id: int) -> Fulfilment:
    """The fulfilment, its row locked until the transaction ends (order read, not locked)."""
    fulfilment = (
        Fulfilment.objects.select_for_update(of=("self",))
        .select_related("order")
        .filter(pk=fulfilment_id)
        .first()
    )
    if fulfilment is None:
        raise FulfilmentNotFound()
    return fulfilment


def _apply_transition(
    *,
    fulfilment: Fulfilment,
    actor: Any,
    to_status: str,
    reason: str,
    expected_status: str | None = None,
) -> FulfilmentEvent:
    """The step itself; the caller holds the fulfilment's row lock inside a transaction."""
    order: Order = fulfilment.order
    parties = parties_of(actor, fulfilment, buyer_id=order.buyer_id)
    validate_transition(
        fulfilment=fulfilment,
        parties=parties,
        to_status=to_status,
        reason=reason,
        expected_status=expected_status,
    )
    from_status = fulfilment.status
    reason = reason.strip()
    now = timezone.now()
    fulfilment.status = to_status
    fulfilment.status_changed_at = now
    fields = ["status", "status_changed_at", "updated_at"]
    if to_status == S.CANCELLED:
        fulfilment.cancel_reason = reason
        fields.append("cancel_reason")
    fulfilment.save(update_fields=fields)
    acting = sorted(ALLOWED_TRANSITIONS[FulfilmentStatus(from_status)][S(to_status)] & parties)
    event = FulfilmentEvent.objects.create(
        fulfilment=fulfilment,
        type=EventType.STATUS_CHANGED,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        details={"reason": reason, "by": [str(party) for party in acting]},
    )
    if to_status == S.CANCELLED:
        _undo_sale(fulfilment=fulfilment, order=order, actor=actor)
        _reverse_payments(fulfilment=fulfilment, actor=actor)
    elif to_status == S.COMPLETED:
        fulfilment_completed.send(sender=Fulfilment, fulfilment_id=fulfilment.pk)

    from orders.notifications import notify_fulfilment_changed

    notify_fulfilment_changed(fulfilment.pk, event.pk)
    return event


def _undo_sale(*, fulfilment: Fulfilment, order: Order, actor: Any) -> None:
    """Put the goods back with RETURN movements.

    Runs once per fulfilment: only on the step into CANCELLED, which nothing leaves. Tour
    places need nothing here: places taken are counted from the lines of fulfilments that
    are not cancelled, so the cancel itself gives them back.
    """
    lines = list(
        OrderLine.objects.filter(fulfilment=fulfilment, product__kind=ProductKind.GOODS)
        .order_by("pk")
        .values_list("product_id", "quantity")
    )
    if not lines:
        return
    with translation.override(settings.LANGUAGE_CODE):
        stock_reason = gettext("Order %(number)s cancelled") % {"number": order.number}
    # Locks the products in primary-key order, after the fulfilment: the order every caller
    # that holds a fulfilment and touches stock keeps.
    return_stock(lines=lines, actor=actor, reason=stock_reason)


def _reverse_payments(*, fulfilment: Fulfilment, actor: Any) -> None:
    """Reverse every standing payment (paid ones too) through its method's handler.

    A method may plug in its own reversal (a voucher gives the balance back); a method
    with no handler registered is reversed by the plain status move.
    """
    payments = (
        Payment.objects.select_for_update()
        .filter(fulfilment=fulfilment, status__in=_STANDING_PAYMENTS)
        .order_by("pk")
    )
    for payment in payments:
        try:
            handler = payments_registry.handler_for(payment.method)
        except TendersInvalid:
            payments_registry.move_payment(
                payment,
                from_statuses=_STANDING_PAYMENTS,
                to_status=PaymentStatus.REVERSED,
                actor=actor,
            )
        else:
            handler.reverse(payment, actor=actor)


# --- The system's steps, run by the beat jobs ------------------------------------------


def release_unpaid_transfer(*, fulfilment_id: int, now: datetime.datetime | None = None) -> bool:
    """Release a fulfilment's bank transfer still unpaid past its deadline, and cancel it.

    Under the fulfilment's lock: if it is still placed or confirmed and a transfer payment
    is still PENDING (no proof sent) past ``PASARDESA_TRANSFER_HOURS``, that payment is
    RELEASED, the other standing payments REVERSED, the goods go back and the fulfilment is
    CANCELLED by the system, all in one transaction. Returns ``False`` and writes nothing
    when that no longer holds: paid or proof sent meanwhile, cancelled by someone else, or
    released by another run of the job.
    """
    now = now or timezone.now()
    handler = payments_registry.handler_for(PaymentMethod.BANK_TRANSFER)
    assert isinstance(handler, payments_registry.BankTransferHandler)  # noqa: S101 -- registry invariant
    with transaction.atomic(durable=True):
        fulfilment = _lock_fulfilment(fulfilment_id)
        if fulfilment.status not in (S.PLACED, S.CONFIRMED):
            return False
        transfers = (
            Payment.objects.select_for_update()
            .filter(
                fulfilment=fulfilment,
                method=PaymentMethod.BANK_TRANSFER,
                status=PaymentStatus.PENDING,
            )
            .order_by("pk")
        )
        released = [payment for payment in transfers if handler.release(payment, now=now)]
        if not released:
            return False
        with translation.override(settings.LANGUAGE_CODE):
            reason = gettext("The bank transfer was not paid in time.")
        _apply_transition(fulfilment=fulfilment, actor=None, to_status=S.CANCELLED, reason=reason)
    return True


def _system_step(*, fulfilment_id: int, from_status: str, to_status: str, reason: str) -> bool:
    """One step by the system; ``False`` if someone else moved the fulfilment first."""
    try:
        transition_fulfilment(
            actor=None,
            fulfilment_id=fulfilment_id,
            to_status=to_status,
            reason=reason,
            expected_status=from_status,
        )
    except (TransitionNotAllowed, FulfilmentNotFound):
        return False
    return True


def complete_delivered_fulfilment(*, fulfilment_id: int) -> bool:
    """DELIVERED → COMPLETED by the system (the buyer did not confirm receipt in time)."""
    return _system_step(
        fulfilment_id=fulfilment_id, from_status=S.DELIVERED, to_status=S.COMPLETED, reason=""
    )


def cancel_unconfirmed_fulfilment(*, fulfilment_id: int) -> bool:
    """PLACED → CANCELLED by the system (the seller did not confirm in time)."""
    with translation.override(settings.LANGUAGE_CODE):
        reason = gettext("The seller did not confirm the order in time.")
    return _system_step(
        fulfilment_id=fulfilment_id, from_status=S.PLACED, to_status=S.CANCELLED, reason=reason
    )


# --- The beat jobs: candidates in batches, each step its own transaction ----------------


def complete_delivered_fulfilments_due(*, now: datetime.datetime | None = None) -> int:
    """Complete every fulfilment delivered ``PASARDESA_AUTO_COMPLETE_DAYS`` ago; returns how
    many this run completed. A second or concurrent run completes none of the same."""
    from orders.seller_selectors import delivered_due_for_completion

    done = 0
    for batch in delivered_due_for_completion(now=now or timezone.now()):
        done += sum(complete_delivered_fulfilment(fulfilment_id=pk) for pk in batch)
    return done


def cancel_unconfirmed_fulfilments_due(*, now: datetime.datetime | None = None) -> int:
    """Cancel every fulfilment placed ``PASARDESA_AUTO_CANCEL_HOURS`` ago and not confirmed."""
    from orders.seller_selectors import placed_due_for_cancelling

    done = 0
    for batch in placed_due_for_cancelling(now=now or timezone.now()):
        done += sum(cancel_unconfirmed_fulfilment(fulfilment_id=pk) for pk in batch)
    return done


def release_unpaid_transfers_due(*, now: datetime.datetime | None = None) -> int:
    """Release transfers unpaid for ``PASARDESA_TRANSFER_HOURS`` and cancel their fulfilments."""
    from orders.seller_selectors import unpaid_transfers_due

    now = now or timezone.now()
    done = 0
    for batch in unpaid_transfers_due(now=now):
        done += sum(release_unpaid_transfer(fulfilment_id=pk, now=now) for pk in batch)
    return done
