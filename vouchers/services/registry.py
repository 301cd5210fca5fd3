"""Writes of the beneficiary registry (KPM): one by one, by CSV, on and off, linked to users.

Only a village's officials (``Role.VILLAGE_OFFICIAL``) and platform admins register
beneficiaries. The NIK and KK numbers are stored encrypted with a keyed look-up hash and a
masked copy (``vouchers.nik``); a NIK is registered at most once per village (a database
constraint), and the same NIK registered by two villages is flagged to both
(``vouchers.selectors.registry``), never refused: each village keeps its own list.

A beneficiary is linked to the user account holding its phone number once that number is
verified (never before): here when the beneficiary is registered, and from
``accounts.adapter`` when a user verifies a number (``link_beneficiaries_to_user``).
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.phone import normalize_phone
from core.exceptions import DomainError
from villages.exceptions import NotAllowedForVillage
from villages.tenancy import scope_for
from vouchers import csv_io
from vouchers import nik as nik_codec
from vouchers.enums import AidEventKind
from vouchers.models import Beneficiary
from vouchers.selectors.registry import AID_OFFICIALS, BeneficiaryNotFound
from vouchers.services import audit

CARD_NUMBER_LENGTH = 16
BATCH_SIZE = 500


class RegistryChanged(DomainError):
    """The registry changed while a file was being imported; nothing was written."""

    code = "registry_changed"

    def __init__(self) -> None:
        super().__init__(
            gettext_lazy(
                "The beneficiary list changed while the file was being imported. Nothing was "
                "imported; please upload the file again."
            )
        )


@dataclass(frozen=True)
class ImportResult:
    created: int
    linked_to_users: int  # rows whose phone a user has verified
    registered_elsewhere: int  # rows whose NIK another village has registered too


def ensure_official(acting_user: Any, village_id: int) -> None:
    """Raise ``NotAllowedForVillage`` unless ``acting_user`` is an official of the village."""
    if not scope_for(acting_user).has_role(village_id, AID_OFFICIALS):
        raise NotAllowedForVillage()


# --- card numbers -------------------------------------------------------------------------


def luhn_check_digit(payload: str) -> str:
    """The digit that makes ``payload`` + digit pass the Luhn check (as bank cards do)."""
    total = 0
    for position, char in enumerate(reversed(payload)):
        digit = int(char)
        if position % 2 == 0:  # doubled: these sit at odd places once the check digit is added
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return str((10 - total % 10) % 10)


def is_valid_card_number(number: str) -> bool:
    return (
        len(number) == CARD_NUMBER_LENGTH
        and number.isascii()
        and number.isdigit()
        and luhn_check_digit(number[:-1]) == number[-1]
    )


def _random_card_number() -> str:
    # Random, not derived from the NIK: the card is printed and shown at counters.
    first = str(1 + secrets.randbelow(9))  # no leading zero, so spreadsheets keep it whole
    payload = first + "".join(str(secrets.randbelow(10)) for _ in range(CARD_NUMBER_LENGTH - 2))
    return payload + luhn_check_digit(payload)


def new_card_numbers(count: int) -> list[str]:
    """``count`` distinct card numbers no beneficiary holds yet (one query per round; a
    second round is needed only on a collision, about once in 10^14 numbers)."""
    numbers: set[str] = set()
    while len(numbers) < count:
        wanted = {_random_card_number() for _ in range(count - len(numbers))}
        taken = set(
            Beneficiary.objects.filter(card_number__in=wanted).values_list("card_number", flat=True)
        )
        numbers |= wanted - taken
    return sorted(numbers)[:count]


# --- one at a time ------------------------------------------------------------------------


@dataclass(frozen=True)
class CleanBeneficiary:
    nik: str
    kk: str
    name: str
    phone: str
    address: str


def validate_beneficiary_fields(
    *, village_id: int, nik: str, kk: str, name: str, phone: str, address: str
) -> CleanBeneficiary:
    """The cleaned fields of a new beneficiary of ``village_id``.

    Raises ``ValidationError`` keyed by field: NIK or KK number not 16 digits, no name,
    a phone that is not an Indonesian mobile number, too long a name or address, or a NIK
    this village has registered already.
    """
    errors: dict[str, list[str]] = {}
    clean_nik = clean_kk = clean_phone = ""
    try:
        clean_nik = nik_codec.clean_nik(nik)
    except nik_codec.InvalidNik as error:
        errors["nik"] = [str(error.message)]
    try:
        clean_kk = nik_codec.clean_nik(kk)
    except nik_codec.InvalidNik:
        errors["kk"] = [_("The KK number must be exactly 16 digits.")]
    clean_name = " ".join((name or "").split())
    if not clean_name:
        errors["name"] = [_("Enter the name.")]
    elif len(clean_name) > csv_io.NAME_MAX_LENGTH:
        errors["name"] = [_("At most %(max)s characters.") % {"max": csv_io.NAME_MAX_LENGTH}]
    if (phone or "").strip():
        try:
            clean_phone = normalize_phone(phone)
        except ValidationError as error:
            errors["phone"] = error.messages
    clean_address = (address or "").strip()
    if len(clean_address) > csv_io.ADDRESS_MAX_LENGTH:
        errors["address"] = [_("At most %(max)s characters.") % {"max": csv_io.ADDRESS_MAX_LENGTH}]
    if clean_nik and _registered_here(village_id, [nik_codec.nik_hash(clean_nik)]):
        errors["nik"] = [_("This NIK is already registered in this village.")]
    if errors:
        raise ValidationError(errors)
    return CleanBeneficiary(clean_nik, clean_kk, clean_name, clean_phone, clean_address)


def _registered_here(village_id: int, hashes: Iterable[str]) -> set[str]:
    return set(
        Beneficiary.objects.filter(village_id=village_id, nik_hash__in=list(hashes)).values_list(
            "nik_hash", flat=True
        )
    )


def _verified_users(phones: Iterable[str]) -> dict[str, User]:
    wanted = {phone for phone in phones if phone}
    if not wanted:
        return {}
    return {
        user.phone: user
        for user in User.objects.filter(phone__in=wanted, phone_verified=True, is_active=True)
        if user.phone
    }


def _new_beneficiary(
    *, village_id: int, fields: CleanBeneficiary, card_number: str, user: User | None
) -> Beneficiary:
    return Beneficiary(
        village_id=village_id,
        nik_encrypted=nik_codec.encrypt(fields.nik),
        nik_hash=nik_codec.nik_hash(fields.nik),
        nik_masked=nik_codec.mask(fields.nik),
        kk_encrypted=nik_codec.encrypt(fields.kk),
        name=fields.name,
        phone=fields.phone,
        address=fields.address,
        card_number=card_number,
        user=user,
    )


def register_beneficiary(
    *,
    acting_user: Any,
    village_id: int,
    nik: str,
    kk: str,
    name: str,
    phone: str,
    address: str,
) -> Beneficiary:
    """Register one household in the village's registry, with a new card number.

    Preconditions: ``acting_user`` is an official of the village (else
    ``NotAllowedForVillage``). Raises ``ValidationError`` keyed by field (see
    ``validate_beneficiary_fields``); nothing is written then. Two registrations of one NIK
    at once: the database constraint lets one through and the other gets the NIK error.
    Postconditions: the beneficiary is active, without a PIN, and linked to the user whose
    verified phone number it gives (if any); a ``BENEFICIARY_REGISTERED`` event names the
    official.
    """
    ensure_official(acting_user, village_id)
    fields = validate_beneficiary_fields(
        village_id=village_id, nik=nik, kk=kk, name=name, phone=phone, address=address
    )
    user = _verified_users([fields.phone]).get(fields.phone)
    for _attempt in range(3):
        beneficiary = _new_beneficiary(
            village_id=village_id, fields=fields, card_number=new_card_numbers(1)[0], user=user
        )
        try:
            with transaction.atomic(durable=True):
                beneficiary.save()
                audit.record_event(
                    village_id=village_id,
                    kind=AidEventKind.BENEFICIARY_REGISTERED,
                    acting_user=acting_user,
                    beneficiary_id=beneficiary.pk,
                    details={"linked": user is not None},
                )
        except IntegrityError as error:
            if _registered_here(village_id, [beneficiary.nik_hash]):
                raise ValidationError(
                    {"nik": [_("This NIK is already registered in this village.")]}
                ) from error
            continue  # the card number was taken meanwhile: draw another
        return beneficiary
    raise RegistryChanged()


# --- many at once -------------------------------------------------------------------------


def _read(file: IO[bytes] | bytes) -> bytes:
    if isinstance(file, bytes):
        return file
    return file.read(csv_io.MAX_BYTES + 1)


def import_beneficiaries(
    *, acting_user: Any, village_id: int, file: IO[bytes] | bytes
) -> ImportResult:
    """Register every household of a CSV file (``docs/csv-beneficiaries.md``): all, or none.

    Preconditions: ``acting_user`` is an official of the village (else
    ``NotAllowedForVillage``). Every row is checked before anything is written
    (``csv_io.read_beneficiaries``, then: no NIK this village has registered already); any
    problem raises ``BeneficiaryImportInvalid`` listing each one with its row number.
    Postconditions: in one transaction, a beneficiary per row with a new card number, linked
    to the user who verified its phone number (if any), and a ``BENEFICIARY_IMPORTED``
    event each (its row, the file's row count and a reference shared by the import), so
    each beneficiary's history starts with who registered them and how. If the registry
    gained one of the file's NIKs meanwhile, nothing is written and ``RegistryChanged`` is
    raised.
    """
    ensure_official(acting_user, village_id)
    parsed = csv_io.read_beneficiaries(_read(file))
    hashes = {row.number: nik_codec.nik_hash(row.nik) for row in parsed.rows}
    taken = _registered_here(village_id, hashes.values())
    if taken:
        raise csv_io.BeneficiaryImportInvalid(
            [
                csv_io.RowError(
                    row.number,
                    parsed.columns["nik"],
                    _("This NIK is already registered in this village."),
                )
                for row in parsed.rows
                if hashes[row.number] in taken
            ]
        )
    users = _verified_users(row.phone for row in parsed.rows)
    cards = new_card_numbers(len(parsed.rows))
    beneficiaries = [
        _new_beneficiary(
            village_id=village_id,
            fields=CleanBeneficiary(row.nik, row.kk, row.name, row.phone, row.address),
            card_number=card,
            user=users.get(row.phone),
        )
        for row, card in zip(parsed.rows, cards, strict=True)
    ]
    reference = "".join(secrets.choice(string.ascii_lowercase) for _ in range(10))
    try:
        with transaction.atomic(durable=True):
            Beneficiary.objects.bulk_create(beneficiaries, batch_size=BATCH_SIZE)
            audit.record_beneficiary_events(
                village_id=village_id,
                kind=AidEventKind.BENEFICIARY_IMPORTED,
                acting_user=acting_user,
                details_by_beneficiary=[
                    (
                        beneficiary.pk,
                        {
                            "row": row.number,
                            "rows": len(beneficiaries),
                            "import": reference,
                            "linked": beneficiary.user is not None,
                        },
                    )
                    for row, beneficiary in zip(
                        parsed.rows, _with_ids(village_id, beneficiaries), strict=True
                    )
                ],
                batch_size=BATCH_SIZE,
            )
    except IntegrityError as error:  # a NIK (or a card number) was registered meanwhile
        raise RegistryChanged() from error
    elsewhere = (
        Beneficiary.objects.filter(nik_hash__in=set(hashes.values()))
        .exclude(village_id=village_id)
        .values("nik_hash")
        .distinct()
        .count()
    )
    return ImportResult(
        created=len(beneficiaries),
        linked_to_users=sum(1 for b in beneficiaries if b.user is not None),
        registered_elsewhere=elsewhere,
    )


def _with_ids(village_id: int, beneficiaries: list[Beneficiary]) -> list[Beneficiary]:
    """``beneficiaries`` with their primary keys, read back by card number where the
    database does not return them from a bulk insert."""
    if all(b.pk for b in beneficiaries):
        return beneficiaries
    ids = dict(
        Beneficiary.objects.filter(
            village_id=village_id, card_number__in=[b.card_number for b in beneficiaries]
        ).values_list("card_number", "pk")
    )
    for beneficiary in beneficiaries:
        beneficiary.pk = ids[beneficiary.card_number]
    return beneficiaries


# --- status and accounts ------------------------------------------------------------------


def set_beneficiary_active(
    *, acting_user: Any, village_id: int, beneficiary_id: int, active: bool
) -> Beneficiary:
    """Deactivate (no more monthly issuances) or reactivate a beneficiary of the village.

    Raises ``NotAllowedForVillage`` or ``BeneficiaryNotFound`` (another village's id).
    A change writes a ``BENEFICIARY_DEACTIVATED`` or ``_REACTIVATED`` event; setting the
    status it already has changes and records nothing (a repeated form is harmless: the
    row is locked, so two copies of the form queue and the second finds it done).
    """
    ensure_official(acting_user, village_id)
    with transaction.atomic(durable=True):
        beneficiary = (
            Beneficiary.objects.select_for_update()
            .filter(village_id=village_id, pk=beneficiary_id)
            .first()
        )
        if beneficiary is None:
            raise BeneficiaryNotFound()
        if beneficiary.is_active != active:
            beneficiary.is_active = active
            beneficiary.save(update_fields=["is_active", "updated_at"])
            audit.record_event(
                village_id=village_id,
                kind=(
                    AidEventKind.BENEFICIARY_REACTIVATED
                    if active
                    else AidEventKind.BENEFICIARY_DEACTIVATED
                ),
                acting_user=acting_user,
                beneficiary_id=beneficiary.pk,
            )
    return beneficiary


def link_beneficiaries_to_user(*, user: User) -> int:
    """Link every beneficiary registered with ``user``'s phone number to ``user``, if that
    number is verified; the number of beneficiaries newly linked.

    Called when a user verifies a phone number. An unverified number links nothing: anyone
    can type any number, only the code sent to it proves it is theirs. Phone numbers are
    unique among users, so a beneficiary linked to a previous holder of the number follows
    the number to the person who verified it now.
    """
    if not user.pk or not user.phone or not user.phone_verified or not user.is_active:
        return 0
    return (
        Beneficiary.objects.filter(phone=user.phone)
        .exclude(user=user)
        .update(user=user, updated_at=timezone.now())
    )
