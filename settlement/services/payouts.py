"""Paying sellers what a settlement batch lists for them.

A BUMDes admin of the seller's village pays the seller (by bank transfer, outside the
system) and marks the payout paid with the bank's reference. That posts one PAYOUT
transfer, the seller's payable to the bank, keyed by the payout: a second submit of the
same form finds the payout paid and posts nothing.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError, NotFound
from ledger import services as ledger
from ledger.enums import AccountKind, TransferKind
from settlement.models import BatchStatus, Payout, PayoutStatus, SettlementBatch


class PayoutNotFound(NotFound):
    code = "payout_not_found"

    def __init__(self) -> None:
        super().__init__(_("That payout is not in your village's settlement."))


class PayoutAlreadyPaid(DomainError):
    code = "payout_already_paid"

    def __init__(self, reference: str) -> None:
        super().__init__(
            _("This payout was already marked paid (reference %(reference)s).")
            % {"reference": reference},
            extra={"bank_reference": reference},
        )


class PayoutNotPayable(DomainError):
    code = "payout_not_payable"

    def __init__(self) -> None:
        super().__init__(_("This seller owes commission; there is nothing to pay."))


class BankReferenceMissing(DomainError):
    code = "bank_reference_missing"

    def __init__(self) -> None:
        super().__init__(_("Write the bank transfer's reference."))


def payout_key(payout_id: int) -> str:
    return f"payout:{payout_id}"


def mark_payout_paid(
    *,
    acting_user: Any,
    village_id: int,
    payout_id: int,
    bank_reference: str,
    batch_id: int | None = None,
) -> Payout:
    """Mark a pending payout of a seller of ``village_id`` paid and post it.

    The caller has checked that ``acting_user`` manages the village's sellers. Locks the
    payout row, then its batch's. Raises ``PayoutNotFound`` for another village's payout
    (or, given ``batch_id``, another batch's), ``PayoutAlreadyPaid`` if it was paid before
    (nothing is posted twice), and ``PayoutNotPayable`` for a seller who owes. When the
    batch has no pending payout left, the batch is paid.
    """
    reference = bank_reference.strip()
    if not reference:
        raise BankReferenceMissing()
    with transaction.atomic():
        payouts = Payout.objects.select_for_update(of=("self",)).filter(
            pk=payout_id, village_id=village_id
        )
        if batch_id is not None:
            payouts = payouts.filter(batch_id=batch_id)
        payout = payouts.select_related("batch").first()
        if payout is None:
            raise PayoutNotFound()
        if payout.status == PayoutStatus.PAID:
            raise PayoutAlreadyPaid(payout.bank_reference)
        if payout.status != PayoutStatus.PENDING:
            raise PayoutNotPayable()
        ledger.move(
            key=payout_key(payout.pk),
            kind=TransferKind.PAYOUT,
            source=ledger.account(
                AccountKind.SELLER_PAYABLE, payout.seller_id, village_id=payout.village_id
            ),
            destination=ledger.account(AccountKind.BANK, 0),
            amount=payout.amount,
            village_id=payout.village_id,
            memo=reference,
            details={
                "payout_id": payout.pk,
                "batch_id": payout.batch_id,
                "seller_id": payout.seller_id,
                "seller_village_id": payout.village_id,
                "bank_reference": reference,
                "paid_by": acting_user.pk,
            },
        )
        payout.status = PayoutStatus.PAID
        payout.bank_reference = reference[:100]
        payout.paid_at = timezone.now()
        payout.paid_by = acting_user
        payout.save(update_fields=["status", "bank_reference", "paid_at", "paid_by"])
        # The batch row lock makes two admins paying the batch's last two payouts at once
        # take turns, so the second sees the first's payout paid.
        SettlementBatch.objects.select_for_update().filter(pk=payout.batch_id).first()
        if not Payout.objects.filter(
            batch_id=payout.batch_id, status=PayoutStatus.PENDING
        ).exists():
            SettlementBatch.objects.filter(pk=payout.batch_id).update(status=BatchStatus.PAID)
    return payout
