"""A double-entry ledger of integer rupiah (docs/adr/0006-ledger.md).

A ``Transfer`` moves money between ``Account``s through ``Entry`` rows whose amounts add up
to zero. Entries and transfers are never updated or deleted (PostgreSQL refuses it); a
mistake is undone by a reversing transfer. ``Account.balance`` is a cache of the sum of its
entries, written only by ``ledger.services`` in the transaction that adds the entries.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ledger.enums import AccountKind, TransferKind


class Account(models.Model):
    kind = models.CharField(_("kind"), max_length=24, choices=AccountKind.choices)
    # The owner's primary key in the model the kind names; 0 for the market's own accounts.
    owner_id = models.PositiveBigIntegerField(_("owner"), default=0)
    # Whose books the account is in: for tenant scoping and reports. Null: the platform's.
    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_accounts",
    )
    may_go_negative = models.BooleanField(_("may go negative"), default=True)
    balance = models.BigIntegerField(_("balance"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.UniqueConstraint(fields=["kind", "owner_id"], name="ledger_account_once"),
            models.CheckConstraint(
                condition=models.Q(may_go_negative=True) | models.Q(balance__gte=0),
                name="ledger_account_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.owner_id}"


class Transfer(models.Model):
    # Names the event that caused the transfer, e.g. "spend:payment:42": posting the same
    # event twice finds the first transfer instead of writing a second.
    key = models.CharField(_("idempotency key"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=TransferKind.choices)
    amount = models.BigIntegerField(_("amount"))  # what moved: the sum of the positive legs
    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_transfers",
    )
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="ledger_transfer_amount"),
        ]
        indexes = [models.Index(fields=["kind", "created_at"], name="ledger_transfer_kind_time")]

    def __str__(self) -> str:
        return self.key


class Entry(models.Model):
    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    # The change in the account's balance: positive in, negative out.
    amount = models.BigIntegerField(_("amount"))

    class Meta:
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="ledger_entry_not_zero"),
            models.UniqueConstraint(fields=["transfer", "account"], name="ledger_entry_once"),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.amount:+d}"
