"""Forms of the seller's order pages: the queue's filters and the one-tap actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from orders.enums import FulfilmentStatus
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
        label=_("Order"),
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
