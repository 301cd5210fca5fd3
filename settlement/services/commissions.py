"""Recording the commission a seller paid the BUMDes.

A seller that took cash owes its BUMDes the commission: the batch lists its payout as
owing, and its payable account is below zero by that much. When the seller pays (cash at
the BUMDes office or a bank transfer), a BUMDes admin of its village records the receipt's
or bank's reference. That posts one transfer from the bank to the seller's payable, keyed
by the payout, which brings the payable back to zero: a second submit posts nothing.

It moves the other way from a payout and is posted as a PAYOUT transfer, so that the ledger
keeps one kind for money settled with a seller outside the system.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError
from ledger import services as ledger
from ledger.enums import AccountKind, TransferKind
from settlement.models import Payout, PayoutStatus
from settlement.services.payouts import PayoutNotFound


class CommissionAlreadyReceived(DomainError):
    code = "commission_already_received"

    def __init__(self, reference: str) -> None:
        super().__init__(
            _("This commission was already marked received (reference %(reference)s).")
            % {"reference": reference},
            extra={"reference": reference},
        )


class CommissionNotOwed(DomainError):
    code = "commission_not_owed"

    def __init__(self) -> None:
        super().__init__(_("This seller owes no commission in this settlement."))


class ReceiptReferenceMissing(DomainError):
    code = "receipt_reference_missing"

    def __init__(self) -> None:
        super().__init__(_("Write the receipt number or the bank transfer's reference."))


def commission_received_key(payout_id: int) -> str:
    return f"commission-received:{payout_id}"


def mark_commission_received(
    *,
    acting_user: Any,
    village_id: int,
    payout_id: int,
    reference: str,
    batch_id: int | None = None,
) -> Payout:
    """Record that the seller of an owing payout of ``village_id`` paid its commission.

    The caller has checked that ``acting_user`` manages the village's sellers. Locks the
    payout row. Raises ``PayoutNotFound`` for another village's payout (or, given
    ``batch_id``, another batch's), ``CommissionAlreadyReceived`` if it was recorded before
    (nothing is posted twice), and ``CommissionNotOwed`` for a payout the market pays. The
    batch's status is left alone: it follows what the market still has to pay.
    """
    cleaned = reference.strip()
    if not cleaned:
        raise ReceiptReferenceMissing()
    with transaction.atomic():
        payouts = Payout.objects.select_for_update().filter(pk=payout_id, village_id=village_id)
        if batch_id is not None:
            payouts = payouts.filter(batch_id=batch_id)
        payout = payouts.first()
        if payout is None:
            raise PayoutNotFound()
        if payout.status == PayoutStatus.RECEIVED:
            raise CommissionAlreadyReceived(payout.bank_reference)
        if payout.status != PayoutStatus.OWING:
            raise CommissionNotOwed()
        ledger.move(
            key=commission_received_key(payout.pk),
            kind=TransferKind.PAYOUT,
            source=ledger.account(AccountKind.BANK, 0),
            destination=ledger.account(
                AccountKind.SELLER_PAYABLE, payout.seller_id, village_id=payout.village_id
            ),
            amount=payout.amount,
            village_id=payout.village_id,
            memo=cleaned,
            details={
                "payout_id": payout.pk,
                "batch_id": payout.batch_id,
                "seller_id": payout.seller_id,
                "seller_village_id": payout.village_id,
                "commission_reference": cleaned,
                "received_by": acting_user.pk,
            },
        )
        payout.status = PayoutStatus.RECEIVED
        payout.bank_reference = cleaned[:100]
        payout.paid_at = timezone.now()
        payout.paid_by = acting_user
        payout.save(update_fields=["status", "bank_reference", "paid_at", "paid_by"])
    return payout
