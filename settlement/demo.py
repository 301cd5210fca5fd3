"""Demo settlement: the day of the demo's completed orders, posted and closed.

Called by ``seed_demo`` after ``orders.demo``. The completed orders are posted to the
ledger (the sweeper's job; a worker usually did it at completion) and their day is closed
for the demo market, as the nightly job would the next morning: a batch with the sellers'
payouts and the transfers between villages (the voucher spent in another village).

Idempotent: the day is read from the orders themselves, so a later run finds the same
day's batch (``close_period`` answers it, writing nothing) and nothing left to post.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Min
from django.utils import timezone

from orders.demo import KEY_PREFIX, demo_clock
from orders.enums import FulfilmentStatus
from orders.models import Fulfilment
from settlement.models import SettlementBatch
from settlement.services import clearing, posting
from villages.models import Market
from vouchers.demo import MARKET_SLUG


@dataclass
class SettlementDemo:
    day: datetime.date | None = None
    payouts: int = 0
    created: bool = False


def seed_settlement_demo() -> SettlementDemo:
    """Post the demo's completed orders and close their day; nothing without them."""
    summary = SettlementDemo()
    market = Market.objects.filter(slug=MARKET_SLUG).first()
    completed = Fulfilment.objects.filter(
        status=FulfilmentStatus.COMPLETED, order__idempotency_key__startswith=KEY_PREFIX
    )
    completed_at = completed.aggregate(first=Min("status_changed_at"))["first"]
    if market is None or completed_at is None:
        return summary
    day = timezone.localdate(completed_at)
    zone = timezone.get_current_timezone()
    if not SettlementBatch.objects.filter(market=market, period_end=day).exists():
        # Both as the night jobs would run them: the sweep that evening, the close the
        # next morning (always in the past: the day is at least yesterday).
        with demo_clock(datetime.datetime.combine(day, datetime.time(20, 0), tzinfo=zone)):
            posting.sweep()
        morning = datetime.datetime.combine(
            day + datetime.timedelta(days=1), datetime.time(0, 30), tzinfo=zone
        )
        with demo_clock(min(morning, timezone.now())):
            _batch, summary.created = clearing.close_period(
                market_id=market.pk, period_start=day, period_end=day
            )
    batch = SettlementBatch.objects.filter(market=market, period_end=day).first()
    summary.day = day
    summary.payouts = batch.payouts.count() if batch is not None else 0
    return summary
