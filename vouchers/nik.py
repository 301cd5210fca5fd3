"""NIK and KK numbers at rest: encrypted, found by a keyed hash, shown masked.

Two keys are derived from ``PASARDESA_PERSONAL_DATA_KEY`` (or SECRET_KEY in development):
one for Fernet encryption (AES-128-CBC + HMAC), one for the HMAC-SHA256 look-up hash, so
the hash reveals nothing without the key and a NIK is found without decrypting the table.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError

NIK_LENGTH = 16
MASK = "•"


class InvalidNik(DomainError):
    code = "invalid_nik"


def _master_key() -> bytes:
    key = getattr(settings, "PASARDESA_PERSONAL_DATA_KEY", "") or settings.SECRET_KEY
    return key.encode()


@cache
def _derived(purpose: bytes, master: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(master)


def _fernet() -> Fernet:

    return Fernet(base64.urlsafe_b64encode(_derived(b"pasardesa nik encryption", _master_key())))


def clean_nik(value: object) -> str:
    """The NIK as 16 digits (spaces, dots and dashes people type are dropped), or raise."""
    digits = "".join(ch for ch in str(value or "") if ch not in " .-\u00a0\t")
    if len(digits) != NIK_LENGTH or not digits.isascii() or not digits.isdigit():
        raise InvalidNik(_("The NIK must be exactly 16 digits."))
    return digits


def nik_hash(nik: str) -> str:
    """The keyed look-up hash of a cleaned NIK (or KK number)."""
    key = _derived(b"pasardesa nik lookup", _master_key())
    return hmac.new(key, nik.encode(), hashlib.sha256).hexdigest()


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode() if token else ""


def mask(nik: str) -> str:
    """``3402••••••••0001``: the region code and the last four digits, no birth date."""
    return nik[:4] + MASK * (len(nik) - 8) + nik[-4:] if len(nik) > 8 else MASK * len(nik)
