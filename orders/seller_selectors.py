"""Reads for the seller's side of orders, and the beat jobs' candidate lists.

Every read that a person asks for goes through ``scope_for``: a seller's staff see their
own seller's fulfilments, a BUMDes admin those of every seller of the village.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from orders.enums import FulfilmentStatus, PaymentMethod, PaymentStatus
from orders.exceptions import FulfilmentNotFound
from orders.models import Fulfilment, Payment
from villages.tenancy import scope_for

# Statuses a seller still has to act on, in the order of the work.
OPEN_STATUSES = (
    FulfilmentStatus.PLACED,
    FulfilmentStatus.CONFIRMED,
    FulfilmentStatus.SHIPPED,
    FulfilmentStatus.READY_FOR_PICKUP,
)


def seller_fulfilments(*, user: Any, status: str | None = None) -> QuerySet[Fulfilment]:
    """Fulfilments of the sellers ``user`` manages, newest first; ``status`` filters."""
    scope = scope_for(user)
    if scope.is_anonymous:
        return Fulfilment.objects.none()
    queryset = scope.filter_sellers(
        Fulfilment.objects.select_related("order", "seller"), seller_field="seller"
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-status_changed_at", "-pk")


def seller_queue(*, user: Any) -> QuerySet[Fulfilment]:
    """The seller's work: open fulfilments, oldest change first (who waited longest)."""
    return (
        seller_fulfilments(user=user)
        .filter(status__in=OPEN_STATUSES)
        .order_by("status_changed_at", "pk")
    )


def get_fulfilment_for_seller(*, user: Any, fulfilment_id: int) -> Fulfilment:
    """One fulfilment ``user`` manages, or ``FulfilmentNotFound`` (also for other sellers')."""
    found = seller_fulfilments(user=user).filter(pk=fulfilment_id).first()
    if found is None:
        raise FulfilmentNotFound()
    return found


# --- The beat jobs' candidates: ids only, in batches, re-checked under lock -----------------


def _ids_in_batches(queryset: QuerySet[Any], batch_size: int) -> Iterator[list[int]]:
    """Primary keys of ``queryset`` in ascending batches (keyset paging: rows may change)."""
    last = 0
    while True:
        batch = list(
            queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch_size]
        )
        if not batch:
            return
        yield batch
        last = batch[-1]


def delivered_due_for_completion(
    *, now: datetime.datetime, batch_size: int = 200
) -> Iterator[list[int]]:
    """Delivered fulfilments unchanged for ``PASARDESA_AUTO_COMPLETE_DAYS``."""
    cutoff = now - datetime.timedelta(days=settings.PASARDESA_AUTO_COMPLETE_DAYS)
    return _ids_in_batches(
        Fulfilment.objects.filter(status=FulfilmentStatus.DELIVERED, status_changed_at__lte=cutoff),
        batch_size,
    )


def placed_due_for_cancelling(
    *, now: datetime.datetime, batch_size: int = 200
) -> Iterator[list[int]]:
    """Placed fulfilments nobody confirmed within ``PASARDESA_AUTO_CANCEL_HOURS``."""
    cutoff = now - datetime.timedelta(hours=settings.PASARDESA_AUTO_CANCEL_HOURS)
    return _ids_in_batches(
        Fulfilment.objects.filter(status=FulfilmentStatus.PLACED, status_changed_at__lte=cutoff),
        batch_size,
    )


def unpaid_transfers_due(*, now: datetime.datetime, batch_size: int = 200) -> Iterator[list[int]]:
    """Open fulfilments with a transfer still pending for ``PASARDESA_TRANSFER_HOURS``."""
    cutoff = now - datetime.timedelta(hours=settings.PASARDESA_TRANSFER_HOURS)
    pending = Payment.objects.filter(
        method=PaymentMethod.BANK_TRANSFER, status=PaymentStatus.PENDING, created_at__lte=cutoff
    ).values("fulfilment_id")
    return _ids_in_batches(
        Fulfilment.objects.filter(
            pk__in=pending,
            status__in=(FulfilmentStatus.PLACED, FulfilmentStatus.CONFIRMED),
        ),
        batch_size,
    )
