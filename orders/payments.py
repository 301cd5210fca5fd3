"""Payment methods behind one interface, and how checkout splits a total across them.

A checkout names an ordered list of tenders, ``[(method, argument), ...]`` — for example
``[("voucher", allocation_id), ("cash", None)]``. Each fulfilment's total is allocated
across them in that order: every tender pays what its handler says it may
(``eligible_amount``), the next one pays part of the rest, and the last must leave nothing
(docs/adr/0004-order-placement.md). A method plugs in by registering a handler:

    register(MyHandler())

Handlers move a ``Payment`` between statuses with conditional updates and write a
``PAYMENT_CHANGED`` event for each move; who may ask for a move is the caller's check.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.enums import EventType, PaymentMethod, PaymentStatus
from orders.exceptions import PaymentStepNotAllowed, TendersInvalid
from orders.models import FulfilmentEvent, Payment

Tender = tuple[str, Any]

# Hours a bank transfer may stay unpaid before its stock is released.
DEFAULT_TRANSFER_HOURS = 24


@dataclass(frozen=True)
class LineDraft:
    """What a tender may look at of one order line before it is written."""

    product_id: int
    category_id: int
    is_staple: bool
    line_total: int


@dataclass(frozen=True)
class FulfilmentDraft:
    """One seller's part of a checkout, as allocation sees it (totals from the database)."""

    seller_id: int
    village_id: int
    goods_total: int
    delivery_fee: int
    lines: tuple[LineDraft, ...]

    @property
    def total(self) -> int:
        return self.goods_total + self.delivery_fee


@dataclass(frozen=True)
class Allocation:
    """One payment to write: ``amount`` rupiah of a fulfilment paid by ``method``."""

    method: str
    amount: int
    argument: Any = None


class PaymentMethodHandler:
    """The interface of a payment method. Subclasses set ``method`` and may override all."""

    method: ClassVar[str]
    # The status a payment of this method starts in.
    initial_status: ClassVar[str] = PaymentStatus.PENDING

    def validate_argument(self, argument: Any, *, buyer: Any) -> None:
        """Raise ``TendersInvalid`` if ``argument`` cannot be used by ``buyer``."""
        if argument is not None:
            raise TendersInvalid(_("This payment method takes no details."))

    def eligible_amount(
        self, draft: FulfilmentDraft, *, buyer: Any, argument: Any, allocated: int
    ) -> int:
        """The most this tender may pay of ``draft``; ``allocated`` is what it already pays
        of earlier fulfilments of the same checkout. Allocation caps it at what is left."""
        return draft.total

    def open(self, payment: Payment, *, argument: Any = None) -> None:
        """Called in the checkout's transaction once ``payment`` is written (debit a
        balance, reserve a code…). Nothing to do by default: the payment waits, pending."""

    def reverse(self, payment: Payment, *, actor: Any = None) -> bool:
        """The fulfilment was cancelled: mark the payment reversed (money goes back).

        Returns False if it was already reversed or released.
        """
        return move_payment(
            payment,
            from_statuses=(
                PaymentStatus.PENDING,
                PaymentStatus.AWAITING_CONFIRMATION,
                PaymentStatus.PAID,
            ),
            to_status=PaymentStatus.REVERSED,
            actor=actor,
        )


class CashHandler(PaymentMethodHandler):
    """Cash on delivery or at pickup: pending until the seller marks it collected
    (``orders.services.payment_steps``)."""

    method = PaymentMethod.CASH


class BankTransferHandler(PaymentMethodHandler):
    """A bank transfer: pending → proof uploaded (awaiting confirmation) → paid when the
    seller confirms (``orders.services.payment_steps``); still pending after
    ``PASARDESA_TRANSFER_HOURS`` → released (``release``, run by the periodic job).

    Its argument is optional: a cap in rupiah on what the transfer pays of the whole
    checkout (the rest goes to the next tender); None pays everything left.
    """

    method = PaymentMethod.BANK_TRANSFER

    def validate_argument(self, argument: Any, *, buyer: Any) -> None:
        if argument is None:
            return
        if not isinstance(argument, int) or isinstance(argument, bool) or argument <= 0:
            raise TendersInvalid(_("The amount to transfer must be a positive whole number."))

    def eligible_amount(
        self, draft: FulfilmentDraft, *, buyer: Any, argument: Any, allocated: int
    ) -> int:
        if argument is None:
            return draft.total
        return max(int(argument) - allocated, 0)

    def release(self, payment: Payment, *, now: datetime.datetime | None = None) -> bool:
        """Release a transfer still pending past its deadline; False if it is not (or was
        paid meanwhile). Returning the stock is the caller's step, in the same transaction."""
        if (now or timezone.now()) < transfer_deadline(payment):
            return False
        try:
            return move_payment(
                payment,
                from_statuses=(PaymentStatus.PENDING,),
                to_status=PaymentStatus.RELEASED,
                actor=None,
            )
        except PaymentStepNotAllowed:  # proof sent or paid meanwhile: nothing to release
            return False


def transfer_hours() -> int:
    return int(getattr(settings, "PASARDESA_TRANSFER_HOURS", DEFAULT_TRANSFER_HOURS))


def transfer_deadline(payment: Payment) -> datetime.datetime:
    return payment.created_at + datetime.timedelta(hours=transfer_hours())


def transfers_due_for_release(now: datetime.datetime | None = None) -> QuerySet[Payment]:
    """Bank transfers still pending past their deadline (for the periodic release)."""
    cutoff = (now or timezone.now()) - datetime.timedelta(hours=transfer_hours())
    return Payment.objects.filter(
        method=PaymentMethod.BANK_TRANSFER, status=PaymentStatus.PENDING, created_at__lte=cutoff
    ).order_by("pk")


def move_payment(
    payment: Payment, *, from_statuses: Sequence[str], to_status: str, actor: Any
) -> bool:
    """Move ``payment`` to ``to_status`` if it is in one of ``from_statuses``, with an event.

    A conditional update: of two concurrent moves to the same status, one wins and the
    other returns False. Raises ``PaymentStepNotAllowed`` if the payment is in a status
    this step does not start from.
    """
    if payment.status == to_status and to_status not in from_statuses:
        return False
    with transaction.atomic():
        updated = Payment.objects.filter(pk=payment.pk, status__in=list(from_statuses)).update(
            status=to_status, updated_at=timezone.now()
        )
        if not updated:
            current = Payment.objects.filter(pk=payment.pk).values_list("status", flat=True)
            if current.first() == to_status:
                return False
            raise PaymentStepNotAllowed(_("This payment cannot take that step now."))
        FulfilmentEvent.objects.create(
            fulfilment_id=payment.fulfilment_id,
            type=EventType.PAYMENT_CHANGED,
            actor=actor,
            details={
                "payment_id": payment.pk,
                "method": payment.method,
                "from_status": payment.status,
                "to_status": to_status,
                "amount": payment.amount,
            },
        )
        payment.status = to_status
    return True


# --- The registry ---------------------------------------------------------------------

_HANDLERS: dict[str, PaymentMethodHandler] = {}


def register(handler: PaymentMethodHandler) -> None:
    """Make ``handler`` the one for its method (a later registration replaces it)."""
    _HANDLERS[str(handler.method)] = handler


def unregister(method: str) -> None:
    _HANDLERS.pop(str(method), None)


def handler_for(method: str) -> PaymentMethodHandler:
    """The handler of ``method``; raises ``TendersInvalid`` for a method not available."""
    handler = _HANDLERS.get(str(method))
    if handler is None:
        raise TendersInvalid(
            _("That payment method is not available."), code="payment_method_unavailable"
        )
    return handler


def registered_methods() -> list[str]:
    return list(_HANDLERS)


@contextmanager
def registered(handler: PaymentMethodHandler) -> Iterator[PaymentMethodHandler]:
    """Register ``handler`` for the duration of a block (tests, trials), then restore."""
    previous = _HANDLERS.get(str(handler.method))
    register(handler)
    try:
        yield handler
    finally:
        if previous is None:
            unregister(handler.method)
        else:
            register(previous)


register(CashHandler())
register(BankTransferHandler())


# --- Allocation -----------------------------------------------------------------------


def validate_tenders(tenders: Sequence[Tender], *, buyer: Any) -> None:
    """Raise ``TendersInvalid`` unless ``tenders`` names each available method at most once."""
    if not tenders:
        raise TendersInvalid(_("Choose how to pay."), code="tenders_missing")
    seen: set[str] = set()
    for tender in tenders:
        if not isinstance(tender, tuple | list) or len(tender) != 2:
            raise TendersInvalid(_("Choose how to pay."))
        method, argument = tender
        if str(method) in seen:
            raise TendersInvalid(_("Each payment method may be chosen once."))
        seen.add(str(method))
        handler_for(method).validate_argument(argument, buyer=buyer)


def allocate_tenders(
    drafts: Sequence[FulfilmentDraft], tenders: Sequence[Tender], *, buyer: Any
) -> list[list[Allocation]]:
    """Split each fulfilment's total across ``tenders``, in order; one list per draft.

    Exact to the rupiah: the amounts of a draft add up to its total, each is positive.
    Raises ``TendersInvalid`` (code ``payment_incomplete``) if the tenders leave something
    unpaid — the last tender should be one that pays everything (cash, a transfer).
    """
    validate_tenders(tenders, buyer=buyer)
    allocated: dict[str, int] = {str(method): 0 for method, _argument in tenders}
    result: list[list[Allocation]] = []
    for draft in drafts:
        remaining = draft.total
        allocations: list[Allocation] = []
        for method, argument in tenders:
            if remaining == 0:
                break
            eligible = handler_for(method).eligible_amount(
                draft, buyer=buyer, argument=argument, allocated=allocated[str(method)]
            )
            amount = min(max(int(eligible), 0), remaining)
            if amount:
                allocations.append(Allocation(method=str(method), amount=amount, argument=argument))
                allocated[str(method)] += amount
                remaining -= amount
        if remaining:
            raise TendersInvalid(
                _("The chosen payment methods do not cover the whole order."),
                code="payment_incomplete",
            )
        result.append(allocations)
    return result
