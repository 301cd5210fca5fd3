import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from accounts.phone import mask_phone, normalize_phone, whatsapp_url


@pytest.mark.parametrize(
    "raw",
    [
        "081234567890",
        "0812-3456-7890",
        "0812 3456 7890",
        "+6281234567890",
        "6281234567890",
        "+62 812-3456-7890",
        "(0812) 3456 7890",
    ],
)
def test_every_common_way_of_writing_a_number_becomes_e164(raw):
    assert normalize_phone(raw) == "+6281234567890"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "phone_required"),
        ("0812", "phone_invalid"),
        ("abcdefghijk", "phone_invalid"),
        ("+14155552671", "phone_invalid"),  # a US number: not Indonesian
        ("08123456789012345", "phone_invalid"),
        ("0274 123456", "phone_not_mobile"),  # a Yogyakarta landline cannot receive codes
    ],
)
def test_bad_numbers_are_refused_with_a_code(raw, code):
    with pytest.raises(ValidationError) as caught:
        normalize_phone(raw)
    assert caught.value.code == code


def test_the_message_for_a_bad_number_is_indonesian_by_default():
    with translation.override("id"), pytest.raises(ValidationError) as caught:
        normalize_phone("0812")
    assert caught.value.messages == [
        "Nomor HP tidak valid. Gunakan nomor Indonesia, misalnya 0812 3456 7890."
    ]


def test_masking_keeps_only_what_recognises_the_number():
    assert mask_phone("+6281234567890") == "+62812••••7890"


def test_whatsapp_link_drops_the_plus_and_encodes_text():
    assert whatsapp_url("+6281234567890", "Halo, stok?") == (
        "https://wa.me/6281234567890?text=Halo%2C%20stok%3F"
    )
