"""Indonesian phone numbers: one normal form (E.164, ``+62…``) for storage and look-ups."""

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_SEPARATORS = re.compile(r"[\s\-().]")
_TEXTABLE = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def normalize_phone(raw: str) -> str:
    """``0812-3456-7890``, ``+62 812 3456 7890`` and ``6281234567890`` → ``+6281234567890``.

    Raises ``ValidationError`` with a message for the person typing, for anything that is
    not an Indonesian mobile number able to receive a text message.
    """
    text = _SEPARATORS.sub("", raw or "")
    if not text:
        raise ValidationError(_("Enter a phone number."), code="phone_required")
    if text.startswith("62"):
        text = "+" + text
    invalid = ValidationError(
        _("That is not a valid Indonesian phone number. Example: 0812 3456 7890."),
        code="phone_invalid",
    )
    try:
        number = phonenumbers.parse(text, "ID")
    except phonenumbers.NumberParseException as error:
        raise invalid from error
    if number.country_code != 62 or not phonenumbers.is_valid_number(number):
        raise invalid
    if phonenumbers.number_type(number) not in _TEXTABLE:
        raise ValidationError(
            _("Use a mobile number that can receive text messages."), code="phone_not_mobile"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(phone: str) -> str:
    """``+6281234567890`` → ``+62812••••7890``: enough to recognise, not enough to call."""
    if len(phone) <= 8:
        return "•" * len(phone)
    return phone[:6] + "•" * (len(phone) - 10) + phone[-4:]


def whatsapp_url(phone: str, text: str = "") -> str:
    """A click-to-chat link; WhatsApp wants the number without the plus sign."""
    from urllib.parse import quote

    url = f"https://wa.me/{phone.lstrip('+')}"
    return f"{url}?text={quote(text)}" if text else url
