"""Recording the bank transfer by which one village pays another what a batch netted.

Clearing (``services/clearing.py``) records what a village owes another; the money moves
between the villages' banks outside the system. A BUMDes admin of the paying village marks
the transfer paid with the bank's reference. That posts one CLEARING transfer back from
the receiving village's clearing account to the paying village's, keyed by the row, so a
paid claim no longer counts as owed; a second submit finds the row paid and changes
nothing (docs/adr/0008-settlement.md).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError, NotFound, PermissionDenied
from ledger import services as ledger
from ledger.enums import AccountKind, TransferKind
from settlement.models import VillageTransfer, VillageTransferStatus
from settlement.services.payouts import BankReferenceMissing
from villages.tenancy import SELLER_MANAGERS, scope_for

REFERENCE_LENGTH = 100


class VillageTransferNotFound(NotFound):
    code = "village_transfer_not_found"

    def __init__(self) -> None:
        super().__init__(_("That transfer between villages does not exist."))


class NotPayingVillage(PermissionDenied):
    code = "not_paying_village"

    def __init__(self) -> None:
        super().__init__(
            _("Only a BUMDes admin of the paying village may mark this transfer paid.")
        )


class VillageTransferAlreadyPaid(DomainError):
    code = "village_transfer_already_paid"

    def __init__(self, reference: str) -> None:
        super().__init__(
            _("This transfer was already marked paid (reference %(reference)s).")
            % {"reference": reference},
            extra={"bank_reference": reference},
        )


class BankReferenceTooLong(DomainError):
    code = "bank_reference_too_long"

    def __init__(self) -> None:
        super().__init__(
            _("The bank reference is at most %(count)d characters.") % {"count": REFERENCE_LENGTH}
        )


def settled_key(transfer_id: int) -> str:
    return f"village-transfer:{transfer_id}"


def mark_village_transfer_paid(
    *,
    actor: Any,
    transfer_id: int,
    bank_reference: str,
    batch_id: int | None = None,
    paying_village_id: int | None = None,
) -> VillageTransfer:
    """Record that the paying village sent ``transfer_id``'s amount, with the bank reference.

    Only a BUMDes admin of ``from_village`` (or a platform admin) may: anyone else gets
    ``NotPayingVillage``, and nothing is written. Given ``batch_id`` or
    ``paying_village_id`` (the page's batch and village), a transfer of another batch or
    paid by another village is ``VillageTransferNotFound``. Under the row's lock: a transfer paid
    before raises ``VillageTransferAlreadyPaid`` and keeps its first reference, time and
    payer. Posts one CLEARING transfer, receiving village → paying village, keyed by the row.
    """
    reference = bank_reference.strip()
    if not reference:
        raise BankReferenceMissing()
    if len(reference) > REFERENCE_LENGTH:
        raise BankReferenceTooLong()
    with transaction.atomic():
        transfers = VillageTransfer.objects.select_for_update().filter(pk=transfer_id)
        if batch_id is not None:
            transfers = transfers.filter(batch_id=batch_id)
        if paying_village_id is not None:
            transfers = transfers.filter(from_village_id=paying_village_id)
        transfer = transfers.first()
        if transfer is None:
            raise VillageTransferNotFound()
        if not scope_for(actor).has_role(transfer.from_village_id, SELLER_MANAGERS):
            raise NotPayingVillage()
        if transfer.status == VillageTransferStatus.PAID:
            raise VillageTransferAlreadyPaid(transfer.bank_reference)
        ledger.move(
            key=settled_key(transfer.pk),
            kind=TransferKind.CLEARING,
            source=ledger.account(
                AccountKind.VILLAGE_CLEARING,
                transfer.to_village_id,
                village_id=transfer.to_village_id,
            ),
            destination=ledger.account(
                AccountKind.VILLAGE_CLEARING,
                transfer.from_village_id,
                village_id=transfer.from_village_id,
            ),
            amount=transfer.amount,
            village_id=transfer.from_village_id,
            memo=reference,
            details={
                "village_transfer_id": transfer.pk,
                "batch_id": transfer.batch_id,
                "settles": transfer.transfer_key,
                "from_village_id": transfer.from_village_id,
                "to_village_id": transfer.to_village_id,
                "amount": transfer.amount,
                "bank_reference": reference,
                "paid_by": actor.pk,
            },
        )
        transfer.status = VillageTransferStatus.PAID
        transfer.bank_reference = reference
        transfer.paid_at = timezone.now()
        transfer.paid_by = actor
        transfer.save(update_fields=["status", "bank_reference", "paid_at", "paid_by"])
    return transfer
