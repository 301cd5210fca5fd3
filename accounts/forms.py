from typing import Any

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.utils.translation import gettext_lazy as _


class SignupForm(AllauthSignupForm):
    """Sign up with a name and a phone number, an email address, or both."""

    name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    field_order = ["name", "phone", "email", "password1", "password2"]

    def clean(self) -> dict[str, Any]:
        cleaned_data: dict[str, Any] = super().clean()
        has_field_errors = "phone" in self.errors or "email" in self.errors
        if not has_field_errors and not (cleaned_data.get("phone") or cleaned_data.get("email")):
            self.add_error("phone", _("Enter a phone number or an email address."))
        return cleaned_data
