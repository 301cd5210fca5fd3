"""What settlement needs besides the ledger: commission rates, and an outbox of sales to post.

A ``Posting`` row is written in the same transaction that completes a sale, so a completed
sale is never forgotten even if the broker is down or the worker dies: the task posts it,
and the periodic sweeper posts whatever the task did not (docs/adr/0008-settlement.md).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from settlement.enums import PostingStatus

BASIS_POINTS = 10_000  # 500 basis points = 5%


class VillageCommission(models.Model):
    """The BUMDes commission on its village's sales, in basis points."""

    village = models.OneToOneField(
        "villages.Village", on_delete=models.CASCADE, related_name="commission"
    )
    rate_bp = models.PositiveIntegerField(_("commission (basis points)"))

    class Meta:
        verbose_name = _("village commission")
        verbose_name_plural = _("village commissions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rate_bp__lte=BASIS_POINTS), name="village_commission_rate"
            )
        ]

    def __str__(self) -> str:
        return f"{self.village}: {self.rate_bp / 100:g}%"


class SellerCommission(models.Model):
    """A seller's own rate, overriding its village's."""

    seller = models.OneToOneField(
        "villages.Seller", on_delete=models.CASCADE, related_name="commission"
    )
    rate_bp = models.PositiveIntegerField(_("commission (basis points)"))

    class Meta:
        verbose_name = _("seller commission")
        verbose_name_plural = _("seller commissions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rate_bp__lte=BASIS_POINTS), name="seller_commission_rate"
            )
        ]

    def __str__(self) -> str:
        return f"{self.seller}: {self.rate_bp / 100:g}%"


class Posting(models.Model):
    """A completed sale whose money must reach the ledger: exactly once, eventually."""

    fulfilment = models.OneToOneField(
        "orders.Fulfilment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="posting",
    )
    counter_sale = models.OneToOneField(
        "vouchers.CounterSale",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="posting",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PostingStatus.choices, default=PostingStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(fulfilment__isnull=False) & models.Q(counter_sale__isnull=True))
                | (models.Q(fulfilment__isnull=True) & models.Q(counter_sale__isnull=False)),
                name="posting_has_one_source",
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="posting_status_age")]

    def __str__(self) -> str:
        source = (
            f"fulfilment {self.fulfilment_id}"
            if self.fulfilment_id
            else (f"counter sale {self.counter_sale_id}")
        )
        return f"{source}: {self.status}"
