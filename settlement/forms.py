"""Forms of the settlement pages: marking a payout or a transfer between villages paid,
recording a seller's commission received, recording a cost, closing a month."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.csv_io import parse_rupiah


class MarkPaidForm(forms.Form):
    payout = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    bank_reference = forms.CharField(
        label=_("Bank reference"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "BRI-20261122-0001"}),
        help_text=_("The reference of the bank transfer to the seller."),
    )


class CommissionReceivedForm(forms.Form):
    commission = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reference = forms.CharField(
        label=_("Receipt or bank reference"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "KW-0001"}),
        help_text=_("The receipt number, or the reference of the seller's bank transfer."),
        error_messages={
            "required": _("Write the receipt number or the bank transfer's reference.")
        },
    )


class VillageTransferPaidForm(forms.Form):
    transfer = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    bank_reference = forms.CharField(
        label=_("Bank reference"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "BRI-20261122-0001"}),
        help_text=_("The reference of the bank transfer to the other village."),
        error_messages={"required": _("Write the bank transfer's reference.")},
    )


class RupiahField(forms.CharField):
    """Rupiah as people type them: ``12.500``, ``Rp12.500`` or ``12500``."""

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]  # rupiah, not text
        text = super().to_python(value)
        if not text:
            return None
        try:
            amount = parse_rupiah(text)
        except (ValueError, ValidationError) as error:
            raise ValidationError(_("Write an amount of rupiah, for example 25.000.")) from error
        if amount is None or amount <= 0:
            raise ValidationError(_("The amount must be more than zero."))
        return int(amount)


class CostForm(forms.Form):
    bumdes = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    description = forms.CharField(label=_("What for"), max_length=200)
    amount = RupiahField(label=_("Amount"), widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    spent_on = forms.DateField(label=_("Spent on"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)
            self.initial.setdefault("spent_on", timezone.localdate())


class CloseMonthForm(forms.Form):
    bumdes = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    month = forms.DateField(
        label=_("Month"),
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        input_formats=["%Y-%m"],
        help_text=_("A month is closed once it is over; costs can no longer be dated in it."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            last_month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
            self.initial.setdefault("month", last_month.replace(day=1))

    def clean_month(self) -> datetime.date:
        month: datetime.date = self.cleaned_data["month"]
        return month.replace(day=1)
