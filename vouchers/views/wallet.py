"""A beneficiary's own aid pages, under their account (``/akun/bantuan/``).

Only the beneficiary records linked to the signed-in person are shown: the balance of each
programme's voucher, the history of its money from the ledger, the card number and the
masked NIK (never the whole one). The card's PIN is changed here, knowing the current one.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from core.exceptions import DomainError
from core.views import SignedInViewMixin, add_domain_error_to_form
from vouchers.selectors import wallet as selectors
from vouchers.services import cards

HISTORY_PAGE_SIZE = 25


class WalletView(SignedInViewMixin, TemplateView):
    """``/akun/bantuan/``: my vouchers, their balances and their history. Five queries at
    most, however long the history."""

    template_name = "vouchers/wallet/overview.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        beneficiaries = list(selectors.own_beneficiaries(user).select_related("village"))
        wallets = selectors.wallets_for_user(user) if beneficiaries else []
        by_id = {summary.wallet.pk: summary.wallet for summary in wallets}
        page = None
        history: list[selectors.HistoryItem] = []
        if wallets:
            paginator = Paginator(selectors.history_transfers(list(by_id)), HISTORY_PAGE_SIZE)
            page = paginator.get_page(self.request.GET.get("page"))
            history = selectors.history_items(page.object_list, wallets=by_id)
        return super().get_context_data(
            beneficiaries=beneficiaries,
            wallets=wallets,
            history=history,
            page=page,
            **kwargs,
        )


class PinDigitsInput(forms.PasswordInput):
    def __init__(self) -> None:
        super().__init__(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "off",
                "maxlength": cards.PIN_LENGTH,
                "pattern": "[0-9]*",
            }
        )


class PinChangeForm(forms.Form):
    """The current PIN, and the new one twice; which card when the person has several."""

    card = forms.TypedChoiceField(label=gettext_lazy("Card"), coerce=int)
    current_pin = forms.CharField(
        label=gettext_lazy("Current PIN"), max_length=cards.PIN_LENGTH, widget=PinDigitsInput()
    )
    new_pin = forms.CharField(
        label=gettext_lazy("New PIN (6 digits)"),
        max_length=cards.PIN_LENGTH,
        widget=PinDigitsInput(),
    )
    new_pin_again = forms.CharField(
        label=gettext_lazy("New PIN again"), max_length=cards.PIN_LENGTH, widget=PinDigitsInput()
    )

    def __init__(self, *args: Any, card_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        card = self.fields["card"]
        assert isinstance(card, forms.TypedChoiceField)  # noqa: S101 -- declared above
        card.choices = card_choices
        if len(card_choices) == 1:
            card.initial = card_choices[0][0]
            card.widget = forms.HiddenInput()

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if data.get("new_pin") and data.get("new_pin") != data.get("new_pin_again"):
            self.add_error("new_pin_again", _("The two new PINs are not the same."))
        return data


# Which field a refusal of ``cards.change_pin`` belongs to.
PIN_ERROR_FIELDS = {"wrong_pin": "current_pin", "weak_pin": "new_pin"}


class PinChangeView(SignedInViewMixin, TemplateView):
    """``/akun/bantuan/pin/``: change my card's PIN (``vouchers.services.cards``)."""

    template_name = "vouchers/wallet/pin.html"

    def _form(self, data: Any = None) -> PinChangeForm:
        choices = [
            (b.pk, f"{b.card_number} · {b.name}")
            for b in selectors.own_beneficiaries(self.request.user)
        ]
        return PinChangeForm(data, card_choices=choices)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=self._form()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self._form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                beneficiary = selectors.get_own_beneficiary(
                    user=request.user, beneficiary_id=data["card"]
                )
                cards.change_pin(
                    beneficiary=beneficiary,
                    current_pin=data["current_pin"],
                    new_pin=data["new_pin"],
                )
            except DomainError as error:
                field = PIN_ERROR_FIELDS.get(error.code)
                if field:
                    form.add_error(field, str(error.message))
                else:
                    add_domain_error_to_form(form, error)
            else:
                messages.success(request, _("Your new PIN is set. Keep it secret."))
                return redirect("vouchers:wallet")
        return self.render_to_response(self.get_context_data(form=form), status=400)
