"""Forms of the seller's order pages: the queue's filters and the one-tap actions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.adapter import IndonesianPhoneField
from catalog.models import Product
from orders.enums import DeliveryMethod, FulfilmentStatus, PaymentMethod
from orders.services.lifecycle import CANCEL_REASON_MAX_LENGTH

# The queue's default view: what the seller still has to act on.
OPEN = "open"
ALL = "all"
NEWEST = "newest"
OLDEST = "oldest"


class QueueFilterForm(forms.Form):
    """Which fulfilments the queue shows and in which order; bad input falls back."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[(OPEN, _("To do")), (ALL, _("All")), *FulfilmentStatus.choices],
    )
    sort = forms.ChoiceField(
        label=_("Sort order"),
        required=False,
        choices=[(OLDEST, _("Oldest first")), (NEWEST, _("Newest first"))],
    )

    def filters(self) -> dict[str, str]:
        data: dict[str, Any] = self.cleaned_data if self.is_valid() else {}
        return {"status": data.get("status") or OPEN, "sort": data.get("sort") or OLDEST}


class TransitionForm(forms.Form):
    """One step of the fulfilment lifecycle, taken from a button on the queue or detail."""

    BACK_TO_QUEUE = "queue"
    BACK_TO_DETAIL = "detail"

    to_status = forms.ChoiceField(choices=FulfilmentStatus.choices)
    # The status the page showed: a step on a fulfilment someone else moved is refused.
    expected_status = forms.ChoiceField(choices=FulfilmentStatus.choices, required=False)
    reason = forms.CharField(
        label=_("Reason for cancelling"), required=False, max_length=CANCEL_REASON_MAX_LENGTH
    )
    back = forms.ChoiceField(
        choices=[(BACK_TO_QUEUE, BACK_TO_QUEUE), (BACK_TO_DETAIL, BACK_TO_DETAIL)],
        required=False,
    )


class PaymentActionForm(forms.Form):
    """The seller received cash, or saw a transfer arrive."""

    CASH_COLLECTED = "cash_collected"
    CONFIRM_TRANSFER = "confirm_transfer"

    payment = forms.IntegerField(min_value=1)
    action = forms.ChoiceField(
        choices=[(CASH_COLLECTED, CASH_COLLECTED), (CONFIRM_TRANSFER, CONFIRM_TRANSFER)]
    )
    reference = forms.CharField(label=_("Bank reference"), required=False, max_length=100)


MAX_ASSISTED_QUANTITY = 999


class AssistedOrderForm(forms.Form):
    """An order taken at the counter or by phone for a resident: who, where, what.

    One quantity field per product offered (``qty_<product id>``); the buyer is found by
    the phone number of their account.
    """

    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    buyer_phone = IndonesianPhoneField(label=_("Resident's phone number"))
    recipient_name = forms.CharField(label=_("Recipient"), max_length=150, required=False)
    dusun = forms.CharField(label=_("Hamlet (dusun)"), max_length=100, required=False)
    rt = forms.CharField(label=_("RT"), max_length=3, required=False)
    rw = forms.CharField(label=_("RW"), max_length=3, required=False)
    notes = forms.CharField(label=_("Address notes"), max_length=300, required=False)
    delivery = forms.ChoiceField(label=_("Delivery"), choices=DeliveryMethod.choices)
    payment = forms.ChoiceField(
        label=_("Payment"),
        choices=[
            (PaymentMethod.CASH, PaymentMethod.CASH.label),
            (PaymentMethod.BANK_TRANSFER, PaymentMethod.BANK_TRANSFER.label),
        ],
    )

    def __init__(self, *args: Any, products: Sequence[Product], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.products = list(products)
        for product in self.products:
            self.fields[f"qty_{product.pk}"] = forms.IntegerField(
                label=product.name,
                required=False,
                min_value=0,
                max_value=MAX_ASSISTED_QUANTITY,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "0"}),
            )

    def quantity_fields(self) -> list[tuple[Product, forms.BoundField]]:
        return [(product, self[f"qty_{product.pk}"]) for product in self.products]

    def items(self) -> list[tuple[int, int]]:
        """``(product id, quantity)`` of the products asked for, in the list's order."""
        return [
            (product.pk, quantity)
            for product in self.products
            if (quantity := self.cleaned_data.get(f"qty_{product.pk}") or 0) > 0
        ]

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if not self.errors and not self.items():
            raise forms.ValidationError(_("Enter a quantity for at least one product."))
        return cleaned
