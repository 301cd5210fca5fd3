"""Posting completed sales to the ledger: exactly once, in batches, swept up if lost.

A completed fulfilment (or counter sale) is worth, in the ledger:

- its voucher part, per voucher charge: voucher money in flight for the beneficiary's
  programme becomes the seller's payable, less the BUMDes commission — the seller's claim
  on the programme of the beneficiary's village (``details`` name both villages, for
  clearing);
- its direct part (cash or a transfer the seller received himself): the seller already
  holds that money, so the seller owes the commission on its goods part.

Every transfer has a key per sale and part, so posting twice writes nothing the second time.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from ledger import services as ledger
from ledger.enums import AccountKind, TransferKind
from orders.enums import PaymentMethod, PaymentStatus
from orders.models import Fulfilment, Payment
from settlement.enums import PostingStatus
from settlement.models import BASIS_POINTS, Posting, SellerCommission, VillageCommission
from villages.models import Bumdes, Seller
from vouchers.enums import ChargeStatus
from vouchers.models import CounterSale, VoucherCharge

logger = logging.getLogger(__name__)

DEFAULT_COMMISSION_BP = 500
_DIRECT_STATUSES = (
    PaymentStatus.PENDING,
    PaymentStatus.AWAITING_CONFIRMATION,
    PaymentStatus.PAID,
)


@dataclass
class PostingRun:
    posted: int = 0
    failed: int = 0
    transfers: int = 0
    errors: list[str] = field(default_factory=list)


def commission(amount: int, rate_bp: int) -> int:
    """The commission on ``amount`` rupiah, rounded down to the rupiah (the seller's favour)."""
    return amount * rate_bp // BASIS_POINTS


def default_rate_bp() -> int:
    return int(getattr(settings, "PASARDESA_DEFAULT_COMMISSION_BP", DEFAULT_COMMISSION_BP))


@dataclass(frozen=True)
class _SellerTerms:
    seller_id: int
    village_id: int
    rate_bp: int
    bumdes_id: int | None  # who earns the commission; none: no commission


def _seller_terms(seller_ids: set[int]) -> dict[int, _SellerTerms]:
    sellers = list(Seller.objects.filter(pk__in=seller_ids).values("pk", "village_id", "bumdes_id"))
    village_ids = {s["village_id"] for s in sellers}
    village_rates = dict(
        VillageCommission.objects.filter(village_id__in=village_ids).values_list(
            "village_id", "rate_bp"
        )
    )
    seller_rates = dict(
        SellerCommission.objects.filter(seller_id__in=seller_ids).values_list(
            "seller_id", "rate_bp"
        )
    )
    own_bumdes = dict(
        Bumdes.objects.filter(village_id__in=village_ids).values_list("village_id", "pk")
    )
    terms = {}
    for s in sellers:
        bumdes_id = s["bumdes_id"] or own_bumdes.get(s["village_id"])
        rate = seller_rates.get(s["pk"], village_rates.get(s["village_id"], default_rate_bp()))
        terms[s["pk"]] = _SellerTerms(
            seller_id=s["pk"],
            village_id=s["village_id"],
            rate_bp=rate if bumdes_id else 0,
            bumdes_id=bumdes_id,
        )
    return terms


class _Drafter:
    """Turns sales into transfer drafts, opening the accounts they need in bulk."""

    def __init__(self, seller_ids: set[int], programme_villages: dict[int, int]) -> None:
        self.terms = _seller_terms(seller_ids)
        self.payables = ledger.open_accounts(
            AccountKind.SELLER_PAYABLE, [(t.seller_id, t.village_id) for t in self.terms.values()]
        )
        self.commissions = ledger.open_accounts(
            AccountKind.BUMDES_COMMISSION,
            [(t.bumdes_id, t.village_id) for t in self.terms.values() if t.bumdes_id],
        )
        self.in_flight = ledger.open_accounts(
            AccountKind.VOUCHER_IN_FLIGHT, list(programme_villages.items())
        )
        self.programme_villages = programme_villages

    def voucher_part(
        self, *, key: str, charge: dict[str, Any], seller_id: int, source: dict[str, Any]
    ) -> ledger.TransferDraft:
        terms = self.terms[seller_id]
        amount = int(charge["amount"])
        fee = commission(amount, terms.rate_bp)
        legs = [
            (self.in_flight[charge["programme_id"]].pk, -amount),
            (self.payables[seller_id].pk, amount - fee),
        ]
        if fee:
            legs.append((self.commissions[terms.bumdes_id].pk, fee))  # type: ignore[index]
        return ledger.TransferDraft(
            key=key,
            kind=TransferKind.SETTLE,
            legs=tuple((account, value) for account, value in legs if value),
            village_id=terms.village_id,
            details={
                **source,
                "part": "voucher",
                "charge_id": charge["pk"],
                "programme_id": charge["programme_id"],
                "programme_village_id": self.programme_villages[charge["programme_id"]],
                "seller_id": seller_id,
                "seller_village_id": terms.village_id,
                "amount": amount,
                "commission": fee,
            },
        )

    def direct_part(
        self, *, key: str, goods: int, direct: int, seller_id: int, source: dict[str, Any]
    ) -> ledger.TransferDraft | None:
        terms = self.terms[seller_id]
        fee = commission(goods, terms.rate_bp)
        if not fee:
            return None
        return ledger.TransferDraft(
            key=key,
            kind=TransferKind.COMMISSION,
            legs=(
                (self.payables[seller_id].pk, -fee),
                (self.commissions[terms.bumdes_id].pk, fee),  # type: ignore[index]
            ),
            village_id=terms.village_id,
            details={
                **source,
                "part": "direct",
                "seller_id": seller_id,
                "seller_village_id": terms.village_id,
                "amount": direct,
                "commission_base": goods,
                "commission": fee,
            },
        )


def _charges(filter_q: Q) -> list[dict[str, Any]]:
    """Standing voucher charges, with their programme and the programme's village."""
    return [
        {
            "pk": row["pk"],
            "amount": row["amount"],
            "fulfilment_id": row["payment__fulfilment_id"],
            "counter_sale_id": row["counter_sale_id"],
            "programme_id": row["wallet__programme_id"],
            "programme_village_id": row["wallet__programme__village_id"],
        }
        for row in VoucherCharge.objects.filter(filter_q, status=ChargeStatus.CHARGED).values(
            "pk",
            "amount",
            "payment__fulfilment_id",
            "counter_sale_id",
            "wallet__programme_id",
            "wallet__programme__village_id",
        )
    ]


def _drafts_for(postings: Sequence[Posting]) -> list[ledger.TransferDraft]:
    """Every transfer the sales of ``postings`` are worth (a few queries for any number)."""
    fulfilment_ids = [p.fulfilment_id for p in postings if p.fulfilment_id]
    sale_ids = [p.counter_sale_id for p in postings if p.counter_sale_id]
    fulfilments = list(
        Fulfilment.objects.filter(pk__in=fulfilment_ids).values(
            "pk", "seller_id", "goods_total", "delivery_fee", "order_id"
        )
    )
    sales = list(
        CounterSale.objects.filter(pk__in=sale_ids).values(
            "pk", "seller_id", "cash_amount", "total"
        )
    )
    charges = _charges(
        Q(payment__fulfilment_id__in=fulfilment_ids) | Q(counter_sale_id__in=sale_ids)
    )
    direct: dict[int, int] = {}
    for fulfilment_id, amount in (
        Payment.objects.filter(fulfilment_id__in=fulfilment_ids, status__in=_DIRECT_STATUSES)
        .exclude(method=PaymentMethod.VOUCHER)
        .values_list("fulfilment_id", "amount")
    ):
        direct[fulfilment_id] = direct.get(fulfilment_id, 0) + amount

    seller_ids = {f["seller_id"] for f in fulfilments} | {s["seller_id"] for s in sales}
    drafter = _Drafter(seller_ids, {c["programme_id"]: c["programme_village_id"] for c in charges})
    drafts: list[ledger.TransferDraft] = []
    seller_of_fulfilment = {f["pk"]: f["seller_id"] for f in fulfilments}
    seller_of_sale = {s["pk"]: s["seller_id"] for s in sales}
    for charge in charges:
        if charge["fulfilment_id"]:
            seller_id = seller_of_fulfilment[charge["fulfilment_id"]]
            source = {"fulfilment_id": charge["fulfilment_id"]}
        else:
            seller_id = seller_of_sale[charge["counter_sale_id"]]
            source = {"counter_sale_id": charge["counter_sale_id"]}
        drafts.append(
            drafter.voucher_part(
                key=f"settle:voucher:{charge['pk']}",
                charge=charge,
                seller_id=seller_id,
                source=source,
            )
        )
    for f in fulfilments:
        paid_directly = direct.get(f["pk"], 0)
        # The delivery fee is the courier's or the seller's cost, not a sale: no commission.
        goods = max(paid_directly - f["delivery_fee"], 0)
        draft = drafter.direct_part(
            key=f"settle:direct:fulfilment:{f['pk']}",
            goods=goods,
            direct=paid_directly,
            seller_id=f["seller_id"],
            source={"fulfilment_id": f["pk"], "order_id": f["order_id"]},
        )
        if draft:
            drafts.append(draft)
    for s in sales:
        draft = drafter.direct_part(
            key=f"settle:direct:counter:{s['pk']}",
            goods=s["cash_amount"],
            direct=s["cash_amount"],
            seller_id=s["seller_id"],
            source={"counter_sale_id": s["pk"]},
        )
        if draft:
            drafts.append(draft)
    return drafts


def record_completed_fulfilment(fulfilment_id: int) -> None:
    """In the transaction that completes a fulfilment: remember to post it, and ask the
    worker to do so once that transaction commits."""
    posting, _created = Posting.objects.get_or_create(fulfilment_id=fulfilment_id)
    _send_after_commit([posting.pk])


def record_counter_sale(counter_sale_id: int) -> None:
    """In the transaction of a counter sale (complete at once): the same, for the sale."""
    posting, _created = Posting.objects.get_or_create(counter_sale_id=counter_sale_id)
    _send_after_commit([posting.pk])


def _send_after_commit(posting_ids: list[int]) -> None:
    from core.tasks import enqueue_on_commit
    from settlement.tasks import post_sales as task

    enqueue_on_commit(task, posting_ids)


def _unposted(posting_ids: Sequence[int] | None) -> QuerySet[Posting]:
    queryset = Posting.objects.exclude(status=PostingStatus.POSTED).order_by("pk")
    if posting_ids is not None:
        queryset = queryset.filter(pk__in=posting_ids)
    return queryset


def post_sales(posting_ids: Sequence[int] | None = None, *, limit: int = 2000) -> PostingRun:
    """Post unposted sales (these, or the oldest ``limit``) to the ledger, in one batch.

    Rows are locked with SKIP LOCKED, so a second delivery of the same task, or a sweeper
    running alongside, takes only what nobody else holds, and finds posted rows done.
    If the batch fails, each posting is tried alone so one bad sale cannot hold up the
    others; those that fail are marked FAILED with the error, for the sweeper and admins.
    """
    run = PostingRun()
    try:
        with transaction.atomic():
            postings = list(_unposted(posting_ids).select_for_update(skip_locked=True)[:limit])
            if not postings:
                return run
            run.transfers = ledger.post_many(_drafts_for(postings))
            _mark_posted([p.pk for p in postings])
            run.posted = len(postings)
            return run
    except Exception:  # retried one by one below, where each failure is recorded
        logger.warning("A batch of %s postings failed; posting them one by one.", limit)
    for posting_id in _unposted(posting_ids).values_list("pk", flat=True)[:limit]:
        try:
            with transaction.atomic():
                posting = _unposted([posting_id]).select_for_update(skip_locked=True).first()
                if posting is None:
                    continue
                run.transfers += ledger.post_many(_drafts_for([posting]))
                _mark_posted([posting.pk])
                run.posted += 1
        except Exception as error:
            Posting.objects.filter(pk=posting_id).update(
                status=PostingStatus.FAILED,
                attempts=F("attempts") + 1,
                last_error=f"{type(error).__name__}: {error}"[:500],
            )
            run.failed += 1
            run.errors.append(f"posting {posting_id}: {type(error).__name__}")
    return run


def _mark_posted(posting_ids: list[int]) -> None:
    Posting.objects.filter(pk__in=posting_ids).update(
        status=PostingStatus.POSTED,
        posted_at=timezone.now(),
        attempts=F("attempts") + 1,
        last_error="",
    )


def sweep(*, limit: int = 2000) -> PostingRun:
    """The periodic safety net: open postings for completed sales that have none (a sale
    completed before postings existed, or written by code that forgot), then post every
    unposted one. Safe to run any number of times, alongside the tasks."""
    from orders.enums import FulfilmentStatus

    missing = list(
        Fulfilment.objects.filter(
            status=FulfilmentStatus.COMPLETED, posting__isnull=True
        ).values_list("pk", flat=True)[:limit]
    )
    Posting.objects.bulk_create(
        [Posting(fulfilment_id=pk) for pk in missing], ignore_conflicts=True
    )
    missing_sales = list(
        CounterSale.objects.filter(posting__isnull=True).values_list("pk", flat=True)[:limit]
    )
    Posting.objects.bulk_create(
        [Posting(counter_sale_id=pk) for pk in missing_sales], ignore_conflicts=True
    )
    total = PostingRun()
    while True:
        run = post_sales(limit=limit)
        total.posted += run.posted
        total.failed += run.failed
        total.transfers += run.transfers
        total.errors += run.errors
        if run.posted == 0 or run.posted < limit:
            return total
