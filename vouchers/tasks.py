"""Aid tasks: a month's issuance batch, the daily expiry, and the sweep for lost batches.

Each takes ids (or nothing) and calls one service; all may run twice, late or at once
(docs/adr/0007-vouchers.md). Without Redis they run in-process after commit.
"""

import datetime

from celery import shared_task

from vouchers.services import expiry, issuance

# An issuance queued or running this long lost its task (10,000 beneficiaries take ~20 s).
STALLED_AFTER = datetime.timedelta(minutes=15)


@shared_task(acks_late=True)
def run_issuance(*, issuance_id: int, chunk_size: int = issuance.CHUNK_SIZE) -> int:
    """Credit a month to every active beneficiary; returns how many credits were new."""
    return issuance.run_issuance(issuance_id=issuance_id, chunk_size=chunk_size)


@shared_task(acks_late=True)
def resume_stalled_issuances() -> int:
    """Send again the batches of issuances that stopped moving."""
    return issuance.resume_stalled_issuances(older_than=STALLED_AFTER)


@shared_task(acks_late=True)
def expire_vouchers() -> int:
    """Return unspent money per each programme's rule and close ended programmes."""
    return expiry.expire_due().expired_wallets
