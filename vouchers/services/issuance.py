"""Issuing a programme's month to every active beneficiary (docs/adr/0007-vouchers.md).

``start_issuance`` is what an official does: it writes the ``Issuance`` row (unique per
programme and month, so a month is issued at most once) and enqueues the batch after
commit. ``run_issuance`` is the batch: the Celery task ``vouchers.tasks.run_issuance``
calls it, and it may run twice, concurrently, or again after a worker died mid-way —
every credit is a ledger transfer with its own key, and each chunk is posted while the
issuance row is locked, so each beneficiary is credited once.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError, NotFound, PermissionDenied
from core.tasks import enqueue_on_commit
from ledger import services as ledger
from ledger.enums import AccountKind, TransferKind
from ledger.models import Transfer
from villages.tenancy import scope_for
from vouchers import rules
from vouchers.accounts import programme_fund
from vouchers.enums import IssuanceStatus, ProgrammeStatus
from vouchers.models import Beneficiary, Issuance, Programme, Wallet
from vouchers.selectors.issuance import ISSUERS, months_elapsed

logger = logging.getLogger(__name__)

# Beneficiaries credited per transaction: small enough to keep locks short, large enough
# that 10,000 beneficiaries take ten round trips of bulk statements.
CHUNK_SIZE = 1000


class IssuanceRefused(DomainError):
    """The month may not be issued (now); ``code`` says why."""

    code = "issuance_refused"


def issue_key(programme_id: int, month: int, beneficiary_id: int) -> str:
    """The ledger key of one beneficiary's credit for one month: posted at most once."""
    return f"issue:{programme_id}:{month}:{beneficiary_id}"


def validate_month_issuable(
    *, programme: Programme, month: int, today: datetime.date | None = None
) -> None:
    """Raise ``IssuanceRefused`` unless ``month`` of ``programme`` may be issued ``today``:
    the programme is active and has not ended, the month is one of its months, and the
    month has begun."""
    today = today or timezone.localdate()
    if programme.status != ProgrammeStatus.ACTIVE:
        raise IssuanceRefused(
            _("Only an active programme can be issued."), code="programme_not_active"
        )
    if not 1 <= month <= programme.months:
        raise IssuanceRefused(
            _("This programme has months 1 to %(months)d.") % {"months": programme.months},
            code="month_out_of_range",
        )
    if today >= rules.programme_end(programme):
        raise IssuanceRefused(
            _("The programme ended on %(date)s; nothing more is issued.")
            % {"date": rules.programme_end(programme).isoformat()},
            code="programme_ended",
        )
    if month > months_elapsed(programme, today):
        raise IssuanceRefused(
            _("Month %(month)d begins on %(date)s; it cannot be issued before then.")
            % {"month": month, "date": rules.month_start(programme, month).isoformat()},
            code="month_not_started",
        )


def _already_issued(month: int) -> IssuanceRefused:
    return IssuanceRefused(
        _("Month %(month)d has already been issued.") % {"month": month},
        code="month_already_issued",
    )


def start_issuance(
    *, acting_user: Any, programme_id: int, month: int, today: datetime.date | None = None
) -> Issuance:
    """Queue the issuance of ``month`` of the programme to its village's active beneficiaries.

    Only the officials of the programme's village may (``PermissionDenied``; an unknown
    programme is ``NotFound``). Raises ``IssuanceRefused`` if the month may not be issued
    or was issued already — also when a concurrent start won the race: the database's
    ``issuance_month_once`` constraint decides. The batch task is sent after commit.
    """
    from vouchers.tasks import run_issuance as run_issuance_task  # the task calls back here

    with transaction.atomic(durable=True):
        # Locked: an edit of the programme's amount waits, and then sees this issuance.
        programme = Programme.objects.select_for_update().filter(pk=programme_id).first()
        if programme is None:
            raise NotFound(_("This programme does not exist."))
        if not scope_for(acting_user).has_role(programme.village_id, ISSUERS):
            raise PermissionDenied(_("Only the officials of the village can issue its aid."))
        validate_month_issuable(programme=programme, month=month, today=today)
        if Issuance.objects.filter(programme=programme, month=month).exists():
            raise _already_issued(month)
        total = Beneficiary.objects.filter(village_id=programme.village_id, is_active=True).count()
        if not total:
            raise IssuanceRefused(
                _("The village has no active beneficiaries to issue to."),
                code="no_beneficiaries",
            )
        try:
            with transaction.atomic():
                issuance = Issuance.objects.create(
                    programme=programme,
                    month=month,
                    total=total,
                    amount_each=programme.amount_per_month,
                    started_by=acting_user,
                )
        except IntegrityError as error:  # issuance_month_once: a concurrent start won
            raise _already_issued(month) from error
        logger.info("issuance %s queued: programme %s month %s", issuance.pk, programme.pk, month)
        enqueue_on_commit(run_issuance_task, issuance_id=issuance.pk)
    return issuance


def retry_issuance(*, acting_user: Any, issuance_id: int) -> Issuance:
    """Send a failed issuance's batch again; it goes on where it stopped."""
    from vouchers.tasks import run_issuance as run_issuance_task

    with transaction.atomic(durable=True):
        issuance = (
            Issuance.objects.select_for_update(of=("self",))
            .select_related("programme")
            .filter(pk=issuance_id)
            .first()
        )
        if issuance is None:
            raise NotFound(_("This issuance does not exist."))
        if not scope_for(acting_user).has_role(issuance.programme.village_id, ISSUERS):
            raise PermissionDenied(_("Only the officials of the village can issue its aid."))
        if issuance.status != IssuanceStatus.FAILED:
            raise IssuanceRefused(
                _("Only a failed issuance can be tried again."), code="issuance_not_failed"
            )
        issuance.status = IssuanceStatus.QUEUED
        issuance.error = ""
        issuance.finished_at = None
        issuance.save(update_fields=["status", "error", "finished_at"])
        enqueue_on_commit(run_issuance_task, issuance_id=issuance.pk)
    return issuance


def _lock(issuance_id: int) -> Issuance:
    return (
        Issuance.objects.select_for_update(of=("self",))
        .select_related("programme")
        .get(pk=issuance_id)
    )


def _credit_chunk(*, issuance: Issuance, beneficiary_ids: list[int], fund_account_id: int) -> int:
    """Credit ``beneficiary_ids`` not credited yet for the month; returns how many were new.

    Opens their missing wallets and wallet accounts in bulk, then posts one ISSUE transfer
    each. The caller holds the lock on ``issuance``.
    """
    programme = issuance.programme
    keys = {issue_key(programme.pk, issuance.month, pk): pk for pk in beneficiary_ids}
    credited = set(Transfer.objects.filter(key__in=keys).values_list("key", flat=True))
    wanted = [pk for key, pk in keys.items() if key not in credited]
    if not wanted:
        return 0
    wallets = dict(
        Wallet.objects.filter(programme=programme, beneficiary_id__in=wanted).values_list(
            "beneficiary_id", "pk"
        )
    )
    missing = [pk for pk in wanted if pk not in wallets]
    if missing:
        Wallet.objects.bulk_create(
            [Wallet(programme=programme, beneficiary_id=pk) for pk in missing],
            ignore_conflicts=True,
        )
        wallets = dict(
            Wallet.objects.filter(programme=programme, beneficiary_id__in=wanted).values_list(
                "beneficiary_id", "pk"
            )
        )
    accounts = ledger.open_accounts(
        AccountKind.BENEFICIARY_WALLET,
        [(wallets[pk], programme.village_id) for pk in wanted],
    )
    amount = issuance.amount_each
    drafts = [
        ledger.TransferDraft(
            key=issue_key(programme.pk, issuance.month, pk),
            kind=TransferKind.ISSUE,
            legs=((fund_account_id, -amount), (accounts[wallets[pk]].pk, amount)),
            village_id=programme.village_id,
            memo=f"{programme.name}, month {issuance.month}",
            details={
                "programme_id": programme.pk,
                "month": issuance.month,
                "issuance_id": issuance.pk,
                "beneficiary_id": pk,
                "wallet_id": wallets[pk],
            },
        )
        for pk in wanted
    ]
    return ledger.post_many(drafts)


def run_issuance(*, issuance_id: int, chunk_size: int = CHUNK_SIZE) -> int:
    """Credit every active beneficiary of the programme's village for the issuance's month.

    Returns how many credits this run posted (0 for a month that was done already, or a
    second delivery that found everything posted). Works in chunks of ``chunk_size``
    beneficiaries in primary-key order, each in its own transaction holding the lock on
    the issuance row: ``done`` is committed with each chunk, so a page shows the progress
    and a run after a crash goes on where the last one stopped. On an error the issuance
    is marked failed with the reason; ``retry_issuance`` sends it again.
    """
    posted_total = 0
    cursor = 0
    try:
        with transaction.atomic():
            issuance = _lock(issuance_id)
            if issuance.status == IssuanceStatus.DONE:
                logger.info("issuance %s was done already: nothing posted", issuance_id)
                return 0
            if issuance.status != IssuanceStatus.RUNNING:
                issuance.status = IssuanceStatus.RUNNING
                issuance.error = ""
                issuance.save(update_fields=["status", "error"])
            fund_account_id = programme_fund(issuance.programme).pk
        while True:
            with transaction.atomic():
                issuance = _lock(issuance_id)
                if issuance.status == IssuanceStatus.DONE:  # another delivery finished it
                    break
                ids = list(
                    Beneficiary.objects.filter(
                        village_id=issuance.programme.village_id, is_active=True, pk__gt=cursor
                    )
                    .order_by("pk")
                    .values_list("pk", flat=True)[:chunk_size]
                )
                if not ids:
                    # What was credited is the total: beneficiaries deactivated meanwhile
                    # were not, and those activated meanwhile were.
                    issuance.status = IssuanceStatus.DONE
                    issuance.total = issuance.done
                    issuance.finished_at = timezone.now()
                    issuance.save(update_fields=["status", "total", "finished_at"])
                    break
                posted = _credit_chunk(
                    issuance=issuance, beneficiary_ids=ids, fund_account_id=fund_account_id
                )
                if posted:
                    issuance.done += posted
                    issuance.total = max(issuance.total, issuance.done)
                    issuance.save(update_fields=["done", "total"])
                cursor = ids[-1]
            posted_total += posted
    except Exception as error:  # kept on the issuance for the official; logged in full here
        logger.exception("issuance %s failed", issuance_id)
        with transaction.atomic():
            Issuance.objects.filter(pk=issuance_id).exclude(status=IssuanceStatus.DONE).update(
                status=IssuanceStatus.FAILED,
                error=f"{type(error).__name__}: {error}"[:300],
                finished_at=timezone.now(),
            )
        return posted_total
    logger.info("issuance %s: %s credits posted", issuance_id, posted_total)
    return posted_total


def resume_stalled_issuances(*, older_than: datetime.timedelta) -> int:
    """Send again the batches of issuances queued or running for longer than ``older_than``
    (their task was lost, or its worker died). Harmless if the task is still running: the
    two share the chunks under the issuance's lock. Returns how many were sent."""
    from vouchers.tasks import run_issuance as run_issuance_task

    cutoff = timezone.now() - older_than
    ids = list(
        Issuance.objects.filter(
            status__in=(IssuanceStatus.QUEUED, IssuanceStatus.RUNNING), created_at__lt=cutoff
        ).values_list("pk", flat=True)
    )
    for pk in ids:
        run_issuance_task.delay(issuance_id=pk)
    return len(ids)
