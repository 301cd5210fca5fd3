"""Teaches django-allauth our phone numbers: where they are stored and how codes are sent."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.phone import normalize_phone
from accounts.tasks import send_text_message
from core.tasks import enqueue_on_commit
from orders.services import merge_carts
from vouchers.services.registry import link_beneficiaries_to_user


class IndonesianPhoneField(forms.CharField):
    """Accepts 08…, +62… or 62…, with spaces or dashes; cleans to +62…."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", gettext_lazy("Phone number"))
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "type": "tel",
                    "autocomplete": "tel",
                    "inputmode": "tel",
                    "placeholder": "0812 3456 7890",
                }
            ),
        )
        kwargs.setdefault("max_length", 24)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        return normalize_phone(value) if value else value


class AccountAdapter(DefaultAccountAdapter):
    def phone_form_field(self, **kwargs: Any) -> IndonesianPhoneField:
        return IndonesianPhoneField(**kwargs)

    def clean_phone(self, phone: str) -> str:
        return normalize_phone(phone)

    def get_phone(self, user: AbstractBaseUser) -> tuple[str, bool] | None:
        assert isinstance(user, User)  # noqa: S101 -- AUTH_USER_MODEL is accounts.User
        return (user.phone, user.phone_verified) if user.phone else None

    def set_phone(self, user: AbstractBaseUser, phone: str, verified: bool) -> None:
        assert isinstance(user, User)  # noqa: S101 -- AUTH_USER_MODEL is accounts.User
        user.phone = phone
        user.phone_verified = verified
        user.save(update_fields=["phone", "phone_verified"])
        if verified:  # a verified number links the aid registered with it (never before)
            link_beneficiaries_to_user(user=user)

    def set_phone_verified(self, user: AbstractBaseUser, phone: str) -> None:
        self.set_phone(user, phone, True)

    def get_user_by_phone(self, phone: str) -> User | None:
        try:
            normalized = normalize_phone(phone)
        except ValidationError:
            return None
        return User.objects.filter(phone=normalized).first()

    def login(self, request: HttpRequest, user: AbstractBaseUser) -> None:
        """Sign in, then move the anonymous session's cart into the person's cart."""
        # Signing in gives the session a new key: remember the cart's before it changes.
        session_key = request.session.session_key
        super().login(request, user)
        merge_carts(session_key=session_key, user=user)

    def save_user(
        self, request: HttpRequest, user: AbstractBaseUser, form: BaseForm, commit: bool = True
    ) -> AbstractBaseUser:
        assert isinstance(user, User)  # noqa: S101 -- AUTH_USER_MODEL is accounts.User
        user.name = form.cleaned_data.get("name", "")
        return super().save_user(request, user, form, commit=commit)

    def send_verification_code_sms(
        self, user: AbstractBaseUser, phone: str, code: str, **kwargs: Any
    ) -> None:
        text = _(
            "Your pasardesa code is %(code)s. It expires in 10 minutes. "
            "Never share this code with anyone."
        ) % {"code": code}
        enqueue_on_commit(send_text_message, phone=phone, text=text)

    def send_unknown_account_sms(self, phone: str, **kwargs: Any) -> None:
        text = _("Someone asked for a pasardesa code for this number, but it has no account.")
        enqueue_on_commit(send_text_message, phone=phone, text=text)

    def send_account_already_exists_sms(self, phone: str) -> None:
        text = _(
            "Someone tried to sign up at pasardesa with this number, which already has an "
            "account. If it was you, sign in or reset your password."
        )
        enqueue_on_commit(send_text_message, phone=phone, text=text)
