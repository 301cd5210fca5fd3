"""What settlement needs besides the ledger: commission rates, and an outbox of sales to post.

A ``Posting`` row is written in the same transaction that completes a sale, so a completed
sale is never forgotten even if the broker is down or the worker dies: the task posts it,
and the periodic sweeper posts whatever the task did not (docs/adr/0008-settlement.md).
"""

from django.conf import settings
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


# --- Clearing, payouts and profit sharing (docs/adr/0008-settlement.md) -------------------


class BatchStatus(models.TextChoices):
    OPEN = "open", _("Open")  # payouts listed; some not paid yet
    PAID = "paid", _("Paid")  # every payout of the batch marked paid


class PayoutStatus(models.TextChoices):
    PENDING = "pending", _("To pay")  # the market owes the seller this much
    PAID = "paid", _("Paid")  # paid out, with a bank reference, and posted
    OWING = "owing", _("Seller owes")  # the seller owes the BUMDes this much commission
    # The seller paid what it owed; the receipt's or bank's reference is kept, and posted.
    RECEIVED = "received", _("Commission received")


class VillageTransferStatus(models.TextChoices):
    PENDING = "pending", _("To pay")  # the paying village has not sent the money yet
    PAID = "paid", _("Paid")  # its BUMDes admin recorded the bank transfer's reference


class BersamaSplit(models.TextChoices):
    EQUAL = "equal", _("Equal shares")  # every member village the same
    BY_TRANSACTIONS = "by_transactions", _("By share of transactions")  # by its sales' value


class SettlementBatch(models.Model):
    """One period of one market, settled once: its payouts and its net village transfers."""

    market = models.ForeignKey(
        "villages.Market", on_delete=models.PROTECT, related_name="settlement_batches"
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    status = models.CharField(
        _("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.OPEN
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("settlement batch")
        verbose_name_plural = _("settlement batches")
        ordering = ["-period_end", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["market", "period_end"], name="settlement_batch_once"),
            models.CheckConstraint(
                condition=models.Q(period_start__lte=models.F("period_end")),
                name="settlement_batch_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.market} {self.period_start}..{self.period_end}"


class Payout(models.Model):
    """What one seller is paid (or owes) in a batch.

    ``bank_reference``, ``paid_at`` and ``paid_by`` record the money's movement either way:
    the payout to the seller, or the commission the seller paid (``RECEIVED``)."""

    batch = models.ForeignKey(SettlementBatch, on_delete=models.PROTECT, related_name="payouts")
    seller = models.ForeignKey(
        "villages.Seller", on_delete=models.PROTECT, related_name="settlement_payouts"
    )
    village = models.ForeignKey("villages.Village", on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField(_("amount"))
    status = models.CharField(
        _("status"), max_length=10, choices=PayoutStatus.choices, default=PayoutStatus.PENDING
    )
    bank_reference = models.CharField(_("bank reference"), max_length=100, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        ordering = ["village_id", "seller_id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "seller"], name="payout_once_per_batch"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payout_amount"),
            models.CheckConstraint(
                condition=~models.Q(status__in=[PayoutStatus.PAID, PayoutStatus.RECEIVED])
                | (~models.Q(bank_reference="") & models.Q(paid_at__isnull=False)),
                name="payout_paid_has_reference",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.seller}: {self.amount} ({self.status})"


class VillageTransfer(models.Model):
    """The net of what two villages' programmes owe each other's sellers in a batch, and
    whether the paying village (``from_village``) has sent it by bank."""

    batch = models.ForeignKey(
        SettlementBatch, on_delete=models.PROTECT, related_name="village_transfers"
    )
    from_village = models.ForeignKey("villages.Village", on_delete=models.PROTECT, related_name="+")
    to_village = models.ForeignKey("villages.Village", on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField(_("amount"))
    transfer_key = models.CharField(_("ledger transfer key"), max_length=120, unique=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=VillageTransferStatus.choices,
        default=VillageTransferStatus.PENDING,
    )
    bank_reference = models.CharField(_("bank reference"), max_length=100, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("village transfer")
        verbose_name_plural = _("village transfers")
        ordering = ["from_village_id", "to_village_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "from_village", "to_village"], name="village_transfer_once"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="village_transfer_amount"
            ),
            models.CheckConstraint(
                condition=~models.Q(from_village=models.F("to_village")),
                name="village_transfer_two_villages",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=VillageTransferStatus.PAID)
                | (~models.Q(bank_reference="") & models.Q(paid_at__isnull=False)),
                name="village_transfer_paid_has_reference",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_village} → {self.to_village}: {self.amount}"


class ProfitRule(models.Model):
    """How a BUMDes shares its profit: the community's part, and among member villages."""

    bumdes = models.OneToOneField(
        "villages.Bumdes", on_delete=models.CASCADE, related_name="profit_rule"
    )
    community_share_bp = models.PositiveIntegerField(
        _("community share (basis points)"), default=5_000
    )
    bersama_split = models.CharField(
        _("split among member villages"),
        max_length=16,
        choices=BersamaSplit.choices,
        default=BersamaSplit.EQUAL,
    )

    class Meta:
        verbose_name = _("profit rule")
        verbose_name_plural = _("profit rules")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(community_share_bp__lte=BASIS_POINTS),
                name="profit_rule_share",
            )
        ]

    def __str__(self) -> str:
        return f"{self.bumdes}: {self.community_share_bp / 100:g}%"


class BumdesCost(models.Model):
    """A cost the BUMDes paid, set against its commissions (a COST transfer in the ledger)."""

    bumdes = models.ForeignKey("villages.Bumdes", on_delete=models.PROTECT, related_name="costs")
    amount = models.BigIntegerField(_("amount"))
    description = models.CharField(_("description"), max_length=200)
    spent_on = models.DateField(_("spent on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("BUMDes cost")
        verbose_name_plural = _("BUMDes costs")
        ordering = ["-spent_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="bumdes_cost_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.bumdes}: {self.description} {self.amount}"


class ProfitShare(models.Model):
    """A closed period of one BUMDes: its profit, and the part that went to the community."""

    bumdes = models.ForeignKey(
        "villages.Bumdes", on_delete=models.PROTECT, related_name="profit_shares"
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    commissions = models.BigIntegerField(_("commissions"))
    costs = models.BigIntegerField(_("costs"))
    profit = models.BigIntegerField(_("profit"))
    community_share_bp = models.PositiveIntegerField(_("community share (basis points)"))
    community_share = models.BigIntegerField(_("community share"))
    retained = models.BigIntegerField(_("retained"))
    transfer_key = models.CharField(_("ledger transfer key"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("profit share")
        verbose_name_plural = _("profit shares")
        ordering = ["-period_end", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["bumdes", "period_end"], name="profit_share_once"),
            models.CheckConstraint(
                condition=models.Q(profit=models.F("commissions") - models.F("costs"))
                & models.Q(retained=models.F("profit") - models.F("community_share"))
                & models.Q(community_share__gte=0),
                name="profit_share_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bumdes} {self.period_start}..{self.period_end}"


class ProfitShareLine(models.Model):
    """A member village's part of a BUM Desa Bersama's community share."""

    share = models.ForeignKey(ProfitShare, on_delete=models.CASCADE, related_name="lines")
    village = models.ForeignKey("villages.Village", on_delete=models.PROTECT, related_name="+")
    weight = models.BigIntegerField(_("weight"), default=1)
    amount = models.BigIntegerField(_("amount"))

    class Meta:
        verbose_name = _("profit share line")
        verbose_name_plural = _("profit share lines")
        ordering = ["village_id"]
        constraints = [
            models.UniqueConstraint(fields=["share", "village"], name="profit_share_line_once"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="profit_line_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.village}: {self.amount}"
