"""Forms of the aid pages: the beneficiary registry and programme set-up.

Forms parse what people type (rupiah with dots, a month, a phone); the rules themselves
are the services' (``vouchers.services``), which report errors keyed by these field names.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.adapter import IndonesianPhoneField
from catalog.csv_io import parse_rupiah
from catalog.models import Category
from villages.models import Market
from vouchers import csv_io
from vouchers.enums import AidEventKind, ExpiryRule, ProgrammeScope

# --- the registry -------------------------------------------------------------------------


def _digits_input(placeholder: str) -> forms.TextInput:
    return forms.TextInput(
        attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": placeholder}
    )


class BeneficiaryForm(forms.Form):
    nik = forms.CharField(
        label=_("NIK"),
        max_length=24,
        widget=_digits_input("3402xxxxxxxxxxxx"),
        help_text=_("16 digits, as on the identity card (KTP)."),
    )
    kk = forms.CharField(
        label=_("Family card number (KK)"),
        max_length=24,
        widget=_digits_input("3402xxxxxxxxxxxx"),
        help_text=_("16 digits, as on the family card (Kartu Keluarga)."),
    )
    name = forms.CharField(label=_("Name"), max_length=150)
    phone = IndonesianPhoneField(
        label=_("Phone number"),
        required=False,
        help_text=_(
            "Optional. When its holder verifies this number in their account, they can "
            "spend the voucher online."
        ),
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Street, dusun, RT/RW."),
    )


class BeneficiarySearchForm(forms.Form):
    STATUS_CHOICES = [
        ("", _("All")),
        ("active", _("Active")),
        ("inactive", _("Inactive")),
    ]
    q = forms.CharField(label=_("Name"), required=False, max_length=150)
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {"search": "", "active": None}
        status = self.cleaned_data.get("status")
        return {
            "search": self.cleaned_data.get("q") or "",
            "active": {"active": True, "inactive": False}.get(status or ""),
        }


class BeneficiaryImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if upload.size is not None and upload.size > csv_io.MAX_BYTES:
            raise ValidationError(
                _("The file is larger than %(megabytes)s MB; split it into smaller files.")
                % {"megabytes": csv_io.MAX_BYTES // (1024 * 1024)},
                code="too_large",
            )
        return upload


# --- programmes ---------------------------------------------------------------------------


class RupiahField(forms.CharField):
    """Whole rupiah as people write them: ``300000``, ``300.000``, ``Rp300.000``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "300.000"})
        )
        kwargs.setdefault("max_length", 24)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value:,}".replace(",", ".")
        return value

    def clean(self, value: Any) -> int | None:  # type: ignore[override]  # an int, not text
        text = super().clean(value)
        if not text:
            return None
        amount = parse_rupiah(text)
        if amount is None:
            raise ValidationError(
                _("Enter a whole number of rupiah, e.g. 300.000."), code="invalid_rupiah"
            )
        return amount


_MONTH_PATTERNS = (
    re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})(?:-\d{1,2})?$"),  # 2026-07 (the picker)
    re.compile(r"^(?P<month>\d{1,2})[/\-.](?P<year>\d{4})$"),  # 07/2026
)


class MonthInput(forms.TextInput):
    """The browser's month picker; where there is none, a text box that takes 2026-07."""

    input_type = "month"

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, datetime.date):
            return f"{value.year:04d}-{value.month:02d}"
        return super().format_value(value)


class MonthField(forms.CharField):
    """A month, as the 1st of it."""

    widget = MonthInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _("Year and month, e.g. 2026-07."))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> datetime.date | None:  # type: ignore[override]  # a date
        text = super().clean(value)
        if not text:
            return None
        for pattern in _MONTH_PATTERNS:
            match = pattern.match(text.strip())
            if match:
                year, month = int(match["year"]), int(match["month"])
                if 1 <= month <= 12 and 2000 <= year <= 2100:
                    return datetime.date(year, month, 1)
        raise ValidationError(_("Enter a month as year-month, e.g. 2026-07."), code="invalid_month")


class CategoryCheckboxes(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        # A child under its group: "Karbohidrat", then "— Beras".
        return f"— {obj.name}" if obj.parent_id else str(obj.name)


class ProgrammeForm(forms.Form):
    name = forms.CharField(label=_("Programme name"), max_length=150, initial="BLT Dana Desa")
    amount_per_month = RupiahField(label=_("Amount per household per month"))
    first_month = MonthField(label=_("First month"))
    months = forms.IntegerField(label=_("Number of months"), min_value=1, max_value=24, initial=8)
    allowed_categories = CategoryCheckboxes(
        label=_("What the voucher may pay for"),
        queryset=Category.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Staple food categories only."),
    )
    scope = forms.ChoiceField(
        label=_("Where it may be spent"),
        choices=ProgrammeScope.choices,
        widget=forms.RadioSelect,
        initial=ProgrammeScope.MARKET,
    )
    market = forms.ModelChoiceField(
        label=_("Market"),
        queryset=Market.objects.none(),
        required=False,
        empty_label="—",
        help_text=_("For sellers of a market of villages: which market."),
    )
    expiry_rule = forms.ChoiceField(
        label=_("Unspent money"),
        choices=ExpiryRule.choices,
        widget=forms.RadioSelect,
        initial=ExpiryRule.PROGRAMME_END,
    )

    def __init__(
        self,
        *args: Any,
        categories: QuerySet[Category],
        markets: QuerySet[Market],
        fixed_terms: bool = False,
        closed: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        category_field = self.fields["allowed_categories"]
        market_field = self.fields["market"]
        assert isinstance(category_field, forms.ModelMultipleChoiceField)  # noqa: S101 -- declared above
        assert isinstance(market_field, forms.ModelChoiceField)  # noqa: S101 -- declared above
        category_field.queryset = categories
        market_field.queryset = markets
        if not self.is_bound and "allowed_categories" not in self.initial:
            self.initial["allowed_categories"] = [category.pk for category in categories]
        if not self.is_bound and "market" not in self.initial:
            first = next(iter(markets), None)
            if first is not None:
                self.initial["market"] = first.pk
        if not self.is_bound and "first_month" not in self.initial:
            self.initial["first_month"] = timezone.localdate().replace(day=1)
        if closed:
            for field in self.fields.values():  # shown for the record, no longer changed
                field.disabled = True
        elif fixed_terms:
            # Shown, not editable: a month has been issued (the service refuses changes too).
            for name in ("amount_per_month", "first_month", "months"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Fixed: a month of this programme has been issued.")

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        market = data.get("market")
        return {
            "name": data["name"],
            "amount_per_month": data["amount_per_month"],
            "first_month": data["first_month"],
            "months": data["months"],
            "allowed_category_ids": [category.pk for category in data["allowed_categories"]],
            "scope": data["scope"],
            "market_id": market.pk if market is not None else None,
            "expiry_rule": data["expiry_rule"],
        }


class ProgrammeStatusForm(forms.Form):
    status = forms.CharField(max_length=10)


# --- audit trail --------------------------------------------------------------------------


class AidEventFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What happened"),
        choices=[("", _("Everything")), *AidEventKind.choices],
        required=False,
    )
    # Set by the links from a beneficiary's or a programme's page: its whole history.
    beneficiary = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    programme = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        return {
            "kind": self.cleaned_data.get("kind") or "",
            "beneficiary_id": self.cleaned_data.get("beneficiary"),
            "programme_id": self.cleaned_data.get("programme"),
        }
