"""BLT Dana Desa as a restricted tender (docs/adr/0007-vouchers.md).

Money itself lives in the ledger: a wallet's balance is its ledger account's. These models
hold who may receive aid, on what terms, what each month's issuance did, and what each
voucher payment bought (by category and seller) so reports can split the ledger's totals.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from vouchers.enums import (
    BENEFICIARY_EVENT_KINDS,
    PROGRAMME_EVENT_KINDS,
    AidEventKind,
    ChargeChannel,
    ChargeStatus,
    ExpiryRule,
    IssuanceStatus,
    ProgrammeScope,
    ProgrammeStatus,
)

# Five wrong PINs in a row lock a card until an official unlocks it.
PIN_ATTEMPTS_BEFORE_LOCK = 5


class Beneficiary(TimeStampedModel):
    """A household receiving aid (KPM), registered by its village's official.

    The NIK and KK numbers are personal data (UU 27/2022): stored encrypted, found by a
    keyed hash, shown masked (``vouchers.nik``) everywhere but the owning official's page.
    """

    village = models.ForeignKey(
        "villages.Village", on_delete=models.PROTECT, related_name="beneficiaries"
    )
    nik_encrypted = models.TextField(_("NIK (encrypted)"))
    nik_hash = models.CharField(_("NIK look-up hash"), max_length=64, db_index=True)
    nik_masked = models.CharField(_("NIK"), max_length=16)  # 3402••••••••0001
    kk_encrypted = models.TextField(_("KK number (encrypted)"), blank=True)
    name = models.CharField(_("name"), max_length=150)
    phone = models.CharField(_("phone number"), max_length=16, blank=True)  # E.164
    address = models.CharField(_("address"), max_length=300, blank=True)
    # Linked when a user with this phone number verified it (vouchers.services.registry).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="beneficiaries",
    )
    is_active = models.BooleanField(_("active"), default=True)
    # The printed voucher card: its number is public on the card; the PIN is hashed.
    card_number = models.CharField(_("card number"), max_length=16, unique=True)
    pin_hash = models.CharField(_("PIN"), max_length=128, blank=True)
    pin_failures = models.PositiveSmallIntegerField(_("wrong PINs in a row"), default=0)
    card_locked_at = models.DateTimeField(_("card locked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("beneficiary")
        verbose_name_plural = _("beneficiaries")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "nik_hash"], name="beneficiary_nik_once_per_village"
            ),
            models.CheckConstraint(
                condition=models.Q(pin_failures__lte=PIN_ATTEMPTS_BEFORE_LOCK),
                name="beneficiary_pin_failures_capped",
            ),
        ]
        indexes = [models.Index(fields=["village", "is_active"], name="beneficiary_active")]

    def __str__(self) -> str:
        return f"{self.name} ({self.nik_masked})"


class Programme(TimeStampedModel):
    """A village's BLT programme: so much a month, for so many months, for staples."""

    village = models.ForeignKey(
        "villages.Village", on_delete=models.PROTECT, related_name="aid_programmes"
    )
    name = models.CharField(_("name"), max_length=150)
    amount_per_month = models.BigIntegerField(_("amount per month"))
    first_month = models.DateField(_("first month"))  # always the 1st of a month
    months = models.PositiveSmallIntegerField(_("number of months"), default=8)
    allowed_categories = models.ManyToManyField(
        "catalog.Category", related_name="+", verbose_name=_("allowed categories")
    )
    scope = models.CharField(
        _("where it may be spent"),
        max_length=10,
        choices=ProgrammeScope.choices,
        default=ProgrammeScope.MARKET,
    )
    market = models.ForeignKey(
        "villages.Market",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="aid_programmes",
    )
    expiry_rule = models.CharField(
        _("unspent money"),
        max_length=16,
        choices=ExpiryRule.choices,
        default=ExpiryRule.PROGRAMME_END,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ProgrammeStatus.choices, default=ProgrammeStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("aid programme")
        verbose_name_plural = _("aid programmes")
        ordering = ["-first_month", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_per_month__gt=0), name="programme_amount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(months__gte=1, months__lte=24), name="programme_months_range"
            ),
            models.CheckConstraint(
                condition=models.Q(first_month__day=1), name="programme_starts_on_the_first"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(scope=ProgrammeScope.MARKET, market__isnull=False)
                    | models.Q(scope=ProgrammeScope.VILLAGE, market__isnull=True)
                ),
                name="programme_market_matches_scope",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Issuance(models.Model):
    """One month of a programme, credited to every active beneficiary by one batch task.

    ``(programme, month)`` is unique in the database: a month can never be issued twice.
    """

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="issuances")
    month = models.PositiveSmallIntegerField(_("month"))  # 1 = the programme's first month
    status = models.CharField(
        _("status"), max_length=10, choices=IssuanceStatus.choices, default=IssuanceStatus.QUEUED
    )
    total = models.PositiveIntegerField(_("beneficiaries"), default=0)
    done = models.PositiveIntegerField(_("credited"), default=0)
    amount_each = models.BigIntegerField(_("amount each"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("issuance")
        verbose_name_plural = _("issuances")
        ordering = ["programme", "month"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "month"], name="issuance_month_once"),
            models.CheckConstraint(condition=models.Q(month__gte=1), name="issuance_month_from_1"),
            models.CheckConstraint(
                condition=models.Q(done__lte=models.F("total")), name="issuance_done_le_total"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_each__gt=0), name="issuance_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} · {self.month}"


class Wallet(models.Model):
    """A beneficiary's voucher balance in one programme.

    The balance is that of its ledger account, (BENEFICIARY_WALLET, wallet id):
    ``vouchers.accounts.wallet_account``.
    """

    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.PROTECT, related_name="wallets")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="wallets")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("voucher wallet")
        verbose_name_plural = _("voucher wallets")
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary", "programme"], name="wallet_once_per_programme"
            )
        ]

    def __str__(self) -> str:
        return f"{self.beneficiary} · {self.programme}"


class CounterSale(TimeStampedModel):
    """A sale at a seller's counter paid with a voucher card and PIN (no smartphone)."""

    seller = models.ForeignKey(
        "villages.Seller", on_delete=models.PROTECT, related_name="counter_sales"
    )
    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.PROTECT, related_name="counter_sales"
    )
    cashier = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, unique=True)
    total = models.BigIntegerField(_("total"))
    voucher_amount = models.BigIntegerField(_("paid by voucher"))
    cash_amount = models.BigIntegerField(_("paid in cash"))
    # Lines as sold: [{"product_id", "name", "category_id", "unit_price", "quantity"}].
    lines = models.JSONField(_("lines"), default=list)

    class Meta:
        verbose_name = _("counter sale")
        verbose_name_plural = _("counter sales")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(voucher_amount__gte=0, cash_amount__gte=0, total__gt=0)
                & models.Q(total=models.F("voucher_amount") + models.F("cash_amount")),
                name="counter_sale_paid_in_full",
            )
        ]

    def __str__(self) -> str:
        return f"{self.seller} · {self.total}"


class VoucherCharge(models.Model):
    """What one voucher payment bought: for reports by category and seller, and refunds.

    Online it belongs to an order payment (one per fulfilment); at the counter, to a sale.
    The ledger holds the money; this row says what it was for.
    """

    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="charges")
    channel = models.CharField(_("channel"), max_length=10, choices=ChargeChannel.choices)
    payment = models.OneToOneField(
        "orders.Payment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="voucher_charge",
    )
    counter_sale = models.OneToOneField(
        CounterSale,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="voucher_charge",
    )
    seller = models.ForeignKey("villages.Seller", on_delete=models.PROTECT, related_name="+")
    seller_village = models.ForeignKey(
        "villages.Village", on_delete=models.PROTECT, related_name="+"
    )
    amount = models.BigIntegerField(_("amount"))
    status = models.CharField(
        _("status"), max_length=24, choices=ChargeStatus.choices, default=ChargeStatus.CHARGED
    )
    transfer_key = models.CharField(_("ledger transfer"), max_length=120, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("voucher charge")
        verbose_name_plural = _("voucher charges")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="charge_amount_positive"),
            models.CheckConstraint(
                condition=(
                    models.Q(channel=ChargeChannel.ONLINE, payment__isnull=False)
                    & models.Q(counter_sale__isnull=True)
                )
                | (
                    models.Q(channel=ChargeChannel.COUNTER, counter_sale__isnull=False)
                    & models.Q(payment__isnull=True)
                ),
                name="charge_belongs_to_its_channel",
            ),
        ]

    def __str__(self) -> str:
        return self.transfer_key


class VoucherChargeLine(models.Model):
    """The part of a charge spent in one category (a charge may pay part of a line)."""

    charge = models.ForeignKey(VoucherCharge, on_delete=models.CASCADE, related_name="lines")
    category = models.ForeignKey("catalog.Category", on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField(_("amount"))

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="charge_line_amount_positive"
            ),
            models.UniqueConstraint(fields=["charge", "category"], name="charge_line_once"),
        ]

    def __str__(self) -> str:
        return f"{self.charge} · {self.category_id}"


class AppendOnly(Exception):
    """An audit event was about to be changed or deleted: the trail is append-only."""


class AidEventQuerySet(models.QuerySet["AidEvent"]):
    def update(self, **kwargs: object) -> int:
        raise AppendOnly("aid events are never changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnly("aid events are never deleted")


class AidEvent(models.Model):
    """One act on a beneficiary or a programme, with who did it and when: the audit trail
    of public money (``vouchers.services.audit``).

    Append-only: written by the service that does the act, in its transaction; never
    changed or deleted. ``details`` never holds a NIK, a KK number or a PIN (the writer
    refuses them); the actor is empty when the system acted (a card locked by wrong PINs).
    """

    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.PROTECT,
        related_name="aid_events",
        db_index=False,  # led by the indexes below
    )
    programme = models.ForeignKey(
        Programme,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        db_index=False,  # led by aid_event_programme
    )
    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        db_index=False,  # led by aid_event_beneficiary
    )
    kind = models.CharField(_("what happened"), max_length=32, choices=AidEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    objects = AidEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("aid event")
        verbose_name_plural = _("aid events")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Each kind names its subject: a beneficiary or a programme, never both.
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=sorted(BENEFICIARY_EVENT_KINDS),
                    beneficiary__isnull=False,
                    programme__isnull=True,
                )
                | models.Q(
                    kind__in=sorted(PROGRAMME_EVENT_KINDS),
                    programme__isnull=False,
                    beneficiary__isnull=True,
                ),
                name="aid_event_kind_has_its_subject",
            ),
        ]
        indexes = [
            models.Index(fields=["village", "-created_at", "-id"], name="aid_event_village"),
            models.Index(
                fields=["village", "kind", "-created_at", "-id"], name="aid_event_village_kind"
            ),
            models.Index(
                fields=["beneficiary", "-created_at", "-id"], name="aid_event_beneficiary"
            ),
            models.Index(fields=["programme", "-created_at", "-id"], name="aid_event_programme"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise AppendOnly("aid events are never changed")
        super().save(*args, **kwargs)  # type: ignore[arg-type]  # Django's own arguments

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnly("aid events are never deleted")
