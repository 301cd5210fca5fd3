"""The seller's counter (kasir): sell to a voucher card holder, card + PIN, the rest in cash.

Under ``/kelola/<village>/<seller>/kasir/`` beside the seller's other pages, for the
seller's staff and the village's BUMDes admins (``SellerDashboardMixin``). Works without
JavaScript, in two steps on one URL:

1. the card number (typed, or typed by a phone camera app from the card's QR code) and
   quantities of the seller's goods → the split: what the voucher pays per line, what is
   left in cash, and why;
2. the beneficiary types the PIN, the cashier confirms → one sale, then its receipt.

A hidden token made on the first page is the sale's idempotency key: sending the form
twice shows the same receipt, and a refused PIN may be typed again on the same form.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import Product
from catalog.views.dashboard import DashboardPage
from core.exceptions import DomainError, NotFound
from core.money import format_rupiah
from vouchers.card_pdf import group_in_fours
from vouchers.models import Beneficiary, CounterSale
from vouchers.selectors import counter as selectors
from vouchers.services import cards
from vouchers.services.counter import BeneficiaryInactive, charge_at_counter

PREVIEW = "preview"
CHARGE = "charge"
EDIT = "edit"


class CounterSaleForm(forms.Form):
    """The card, the goods (``qty_<product id>``), the hidden token and, to confirm, the PIN."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=16)
    card_number = forms.CharField(
        label=gettext_lazy("Card number"),
        max_length=40,
        help_text=gettext_lazy("The 16 digits on the card, or scan its QR code."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    pin = forms.CharField(
        label=gettext_lazy("PIN (typed by the card holder)"),
        required=False,
        max_length=6,
        widget=forms.PasswordInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]*"}
        ),
    )

    def __init__(self, *args: Any, products: Sequence[Product], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.products = list(products)
        for product in self.products:
            self.fields[f"qty_{product.pk}"] = forms.IntegerField(
                label=product.name,
                required=False,
                min_value=0,
                max_value=selectors.MAX_QUANTITY,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "0"}),
            )

    def quantity_fields(self) -> list[tuple[Product, forms.BoundField]]:
        return [(product, self[f"qty_{product.pk}"]) for product in self.products]

    def lines(self) -> list[tuple[int, int]]:
        return [
            (product.pk, quantity)
            for product in self.products
            if (quantity := self.cleaned_data.get(f"qty_{product.pk}") or 0) > 0
        ]

    def clean_card_number(self) -> str:
        return selectors.clean_card_number(self.cleaned_data["card_number"])

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if not self.errors and not self.lines():
            raise forms.ValidationError(_("Enter a quantity for at least one product."))
        return cleaned


def masked_card(number: str) -> str:
    """``•••• •••• •••• 0001``: enough for a receipt."""
    return group_in_fours("•" * (len(number) - 4) + number[-4:]) if len(number) > 4 else number


class CounterMixin:
    seller: Any
    request: HttpRequest

    def counter_url(self, name: str = "counter", **extra: Any) -> str:
        return reverse(
            f"vouchers:{name}",
            kwargs={"village_slug": self.seller.village.slug, "seller_slug": self.seller.slug}
            | extra,
        )


class CounterView(CounterMixin, DashboardPage):
    """Step 1 (the card and the goods) and step 2 (the split, the PIN, confirm)."""

    template_name = "vouchers/counter/counter.html"

    def products(self) -> list[Product]:
        return list(selectors.counter_products(seller=self.seller))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        if "form" not in kwargs:
            kwargs["form"] = CounterSaleForm(
                initial={"token": secrets.token_urlsafe(24)}, products=self.products()
            )
        kwargs.setdefault("recent_sales", selectors.recent_counter_sales(seller=self.seller))
        return super().get_context_data(section="counter", **kwargs)

    def render_step(
        self,
        form: CounterSaleForm,
        *,
        plan: selectors.SalePlan | None = None,
        beneficiary: Beneficiary | None = None,
        status: int = 200,
    ) -> HttpResponse:
        context = self.get_context_data(form=form, plan=plan, holder=beneficiary)
        if plan is not None:
            context["template_step"] = CHARGE
            context["hidden_lines"] = [(line.product_id, line.quantity) for line in plan.lines]
        response = self.render_to_response(context, status=status)
        add_never_cache_headers(response)
        return response

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = CounterSaleForm(request.POST, products=self.products())
        action = request.POST.get("action", PREVIEW)
        if action == EDIT or not form.is_valid():
            return self.render_step(form, status=200 if action == EDIT else 400)
        data = form.cleaned_data
        try:
            beneficiary = selectors.find_card(card_number=data["card_number"])
            if not beneficiary.is_active:
                raise BeneficiaryInactive()
            cards.ensure_card_usable(beneficiary)
            plan = selectors.preview_sale(
                seller=self.seller, beneficiary=beneficiary, lines=form.lines()
            )
        except DomainError as error:
            form.add_error("card_number" if _is_card_error(error) else None, str(error.message))
            return self.render_step(form, status=400)
        if action != CHARGE:
            return self.render_step(form, plan=plan, beneficiary=beneficiary)
        pin = data["pin"]
        if len(pin) != cards.PIN_LENGTH or not pin.isascii() or not pin.isdigit():
            # Not a PIN at all: asked again, not counted as a wrong one.
            form.add_error("pin", _("The card holder types the 6-digit PIN."))
            return self.render_step(form, plan=plan, beneficiary=beneficiary, status=400)
        try:
            sale = charge_at_counter(
                acting_user=request.user,
                seller_id=self.seller.pk,
                card_number=data["card_number"],
                pin=pin,
                lines=form.lines(),
                idempotency_key=data["token"],
            )
        except (cards.WrongPin, cards.PinNotSet) as error:
            form.add_error("pin", str(error.message))
            return self.render_step(form, plan=plan, beneficiary=beneficiary, status=400)
        except DomainError as error:
            form.add_error(
                "card_number" if _is_card_error(error) else None,
                str(error.message),
            )
            return self.render_step(form, status=400)
        messages.success(
            request,
            _("Sale recorded. Collect %(cash)s in cash.")
            % {"cash": format_rupiah(sale.cash_amount)},
        )
        return redirect(self.counter_url("counter_receipt", sale_id=sale.pk))


def _is_card_error(error: DomainError) -> bool:
    return isinstance(
        error, selectors.CardNotFound | cards.CardLocked | BeneficiaryInactive | cards.PinNotSet
    )


class CounterReceiptView(CounterMixin, DashboardPage):
    """One sale of this counter: the lines, what the voucher paid, the cash collected."""

    template_name = "vouchers/counter/receipt.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        try:
            sale: CounterSale = selectors.get_counter_sale_for_seller(
                seller=self.seller, sale_id=self.kwargs["sale_id"]
            )
        except NotFound as error:
            raise Http404(str(error.message)) from error
        lines = [
            {
                **line,
                "total": line["unit_price"] * line["quantity"],
                "reason_text": selectors.REASONS.get(line.get("reason", ""), ""),
            }
            for line in sale.lines
        ]
        return super().get_context_data(
            section="counter",
            sale=sale,
            lines=lines,
            card=masked_card(sale.beneficiary.card_number),
            **kwargs,
        )
