"""Forms of the buyer pages: add to cart, change a cart line, check out, send a proof."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.money import format_rupiah
from orders.enums import PaymentMethod
from orders.services.delivery import DeliveryOption
from villages.models import Village

# What a buyer may choose to pay with on the checkout page; a BLT voucher is offered
# besides, first, when the buyer has one (``CheckoutForm(wallets=...)``), and this method
# pays the rest.
PAGE_PAYMENT_METHODS = (PaymentMethod.CASH, PaymentMethod.BANK_TRANSFER)
NO_VOUCHER = ""
MAX_QUANTITY = 999


class AddToCartForm(forms.Form):
    product_id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    quantity = forms.IntegerField(
        label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY, initial=1
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class CartLineForm(forms.Form):
    """A new quantity for a line; 0 (or the remove button) takes it out."""

    product_id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    quantity = forms.IntegerField(
        label=_("Quantity"), min_value=0, max_value=MAX_QUANTITY, required=False
    )


def delivery_field_name(seller_id: int) -> str:
    return f"delivery_{seller_id}"


def delivery_label(option: DeliveryOption) -> str:
    label = str(option.method.label)
    if option.zone is not None:
        label = f"{label} ({option.zone.label})"
    fee = format_rupiah(option.fee) if option.fee else str(_("free"))
    return f"{label} · {fee}"


class CheckoutForm(forms.Form):
    """The address, one delivery choice per seller and the payment method.

    ``options`` maps each seller id of the cart to what it offers for the chosen village;
    prices and fees are never read from the form.
    """

    delivery_village = forms.ModelChoiceField(
        label=_("Village to deliver to"), queryset=Village.objects.none(), empty_label=None
    )
    dusun = forms.CharField(label=_("Hamlet (dusun)"), max_length=100, required=False)
    rt = forms.CharField(label=_("RT"), max_length=3, required=False)
    rw = forms.CharField(label=_("RW"), max_length=3, required=False)
    notes = forms.CharField(
        label=_("Address notes"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    recipient_name = forms.CharField(label=_("Recipient"), max_length=150)
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    payment_method = forms.ChoiceField(
        label=_("Payment"),
        choices=[(method.value, method.label) for method in PAGE_PAYMENT_METHODS],
        initial=PaymentMethod.CASH,
        widget=forms.RadioSelect,
    )
    idempotency_key = forms.CharField(max_length=64, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        villages: Sequence[Village],
        options: dict[int, list[DeliveryOption]],
        wallets: Sequence[tuple[int, str]] = (),
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4().hex)
        if wallets:
            kwargs["initial"].setdefault("voucher_wallet", str(wallets[0][0]))
        super().__init__(*args, **kwargs)
        if wallets:
            self.fields["voucher_wallet"] = forms.ChoiceField(
                label=_("Pay with BLT voucher"),
                choices=[(str(pk), label) for pk, label in wallets]
                + [(NO_VOUCHER, _("Do not use a voucher"))],
                required=False,
                widget=forms.RadioSelect,
                help_text=_(
                    "The voucher pays for staple food from sellers inside its area, never the "
                    "delivery fee. The method below pays the rest."
                ),
            )
            self.fields["payment_method"].label = _("Pay the rest with")
        village_field = self.fields["delivery_village"]
        assert isinstance(village_field, forms.ModelChoiceField)  # noqa: S101 -- declared above
        village_field.queryset = Village.objects.filter(pk__in=[v.pk for v in villages]).order_by(
            "name", "pk"
        )
        for seller_id, seller_options in options.items():
            self.fields[delivery_field_name(seller_id)] = forms.ChoiceField(
                label=_("Delivery"),
                choices=[(o.method.value, delivery_label(o)) for o in seller_options],
                initial=seller_options[0].method.value if seller_options else None,
                widget=forms.RadioSelect,
                error_messages={"required": _("This seller cannot deliver to that village.")},
            )

    def voucher_wallet_id(self) -> int | None:
        """The wallet chosen to pay first (validated), or None."""
        value = self.cleaned_data.get("voucher_wallet") or NO_VOUCHER
        return int(value) if value != NO_VOUCHER else None

    def delivery_choices(self) -> dict[int, str]:
        return {
            int(name.removeprefix("delivery_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("delivery_") and name != "delivery_village"
        }


class TransferProofForm(forms.Form):
    proof = forms.ImageField(label=_("Photo of the transfer receipt"))
