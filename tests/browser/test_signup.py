"""A resident signs up with a phone number and verifies it with the code sent by text."""

from __future__ import annotations

import re

import pytest
from allauth.account import app_settings as account_settings
from playwright.sync_api import expect

from accounts.models import User

pytestmark = pytest.mark.browser

NAME = "Siti Aminah"
TYPED_PHONE = "0812 3456 7890"
STORED_PHONE = "+6281234567890"
PASSWORD = "Gudeg-Manggar-2026!"


def verification_code_in(text: str) -> str:
    """The code allauth generated, as formatted by ``PHONE_VERIFICATION_CODE_FORMAT``.

    Codes are letters (BCDFGHJKLMNPQRSTVWXZ) or digits, optionally split by dashes; the
    message around them is translated, so the code is recognised by its shape alone.
    """
    code_format = account_settings.PHONE_VERIFICATION_CODE_FORMAT
    numeric = code_format.get("numeric", False)
    length = code_format.get("length") or (9 if numeric else 8)
    symbol = "[0-9]" if numeric else "[BCDFGHJKLMNPQRSTVWXZ]"
    candidates = re.findall(rf"(?<![\w-]){symbol}(?:-?{symbol})*(?![\w-])", text)
    codes = [c for c in candidates if len(c.replace("-", "")) == length]
    assert len(codes) == 1, f"expected one {length}-symbol code in {text!r}"
    return codes[0]


def form_with(page, field_name: str):
    return page.locator("form", has=page.locator(f"input[name={field_name}]"))


def submit(form) -> None:
    # Buttons with a ``form`` attribute submit another form (resend, cancel).
    form.locator("button[type=submit]:not([form])").click()


def test_resident_signs_up_with_a_phone_number_and_verifies_it(page, text_outbox):
    page.goto("/akun/signup/")
    signup = form_with(page, "password2")
    signup.locator("input[name=name]").fill(NAME)
    signup.locator("input[name=phone]").fill(TYPED_PHONE)
    signup.locator("input[name=password1]").fill(PASSWORD)
    signup.locator("input[name=password2]").fill(PASSWORD)
    submit(signup)

    verify = form_with(page, "code")
    expect(verify).to_be_visible()
    assert len(text_outbox) == 1
    phone, text = text_outbox[0]
    assert phone == STORED_PHONE
    verify.locator("input[name=code]").fill(verification_code_in(text))
    submit(verify)

    expect(page).to_have_url(re.compile(r"/akun/$"))
    expect(page.locator("body")).to_contain_text(NAME)
    user = User.objects.get(phone=STORED_PHONE)
    assert (user.name, user.phone_verified) == (NAME, True)
