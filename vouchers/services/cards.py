"""Voucher cards and their PINs: checking a PIN, locking after wrong ones, issuing new ones.

A beneficiary without a smartphone pays at a seller's counter with the printed card (its
number is public, printed with a QR code) and a six-digit PIN known only to them. The PIN
is stored hashed (``make_password``) and shown in clear once, on a sealed slip printed by an
official. ``PIN_ATTEMPTS_BEFORE_LOCK`` wrong PINs in a row lock the card until an official
of the beneficiary's village unlocks it (or issues a new PIN).

Counting is race-safe: a wrong PIN is one conditional ``UPDATE ... WHERE pin_failures < 5
AND card_locked_at IS NULL`` committed on its own, so concurrent wrong PINs can never count
past the cap (the database also refuses it: ``beneficiary_pin_failures_capped``), and a
counter sale that fails on a wrong PIN still leaves the failure counted.
"""

from __future__ import annotations

import itertools
import secrets
from typing import Any

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from core.exceptions import DomainError, NotFound
from villages.enums import Role
from villages.exceptions import NotAllowedForVillage
from villages.models import Seller
from villages.tenancy import scope_for
from vouchers.enums import AidEventKind
from vouchers.models import PIN_ATTEMPTS_BEFORE_LOCK, Beneficiary
from vouchers.services import audit

PIN_LENGTH = 6
# Who looks after a village's voucher cards: its officials (perangkat desa).
CARD_OFFICIALS = frozenset({Role.VILLAGE_OFFICIAL})


class BeneficiaryNotFound(NotFound):
    code = "beneficiary_not_found"

    def __init__(self) -> None:
        super().__init__(_("That beneficiary is not registered in this village."))


class CardLocked(DomainError):
    code = "card_locked"
    status_code = 409

    def __init__(self) -> None:
        super().__init__(
            _("card locked: too many wrong PINs. An official of the village can unlock it.")
        )


class WrongPin(DomainError):
    code = "wrong_pin"

    def __init__(self, *, tries_left: int) -> None:
        super().__init__(
            ngettext_lazy(
                "wrong PIN (%(tries)d try left)", "wrong PIN (%(tries)d tries left)", "tries"
            )
            % {"tries": tries_left},
            extra={"tries_left": tries_left},
        )


class PinNotSet(DomainError):
    code = "pin_not_set"

    def __init__(self) -> None:
        super().__init__(_("This card has no PIN yet. An official of the village can issue one."))


class WeakPin(DomainError):
    code = "weak_pin"


def validate_new_pin(pin: str) -> None:
    """Raise ``WeakPin`` unless ``pin`` is six digits that are not easy to guess.

    Refused: all one digit (``111111``) and runs up or down (``123456``, ``987654``).
    """
    if len(pin) != PIN_LENGTH or not pin.isascii() or not pin.isdigit():
        raise WeakPin(_("The PIN must be exactly 6 digits."))
    if len(set(pin)) == 1:
        raise WeakPin(_("The PIN may not be one digit repeated."))
    steps = {int(b) - int(a) for a, b in itertools.pairwise(pin)}
    if steps in ({1}, {-1}):
        raise WeakPin(_("The PIN may not be a run of digits such as 123456."))


def pin_matches(beneficiary: Beneficiary, pin: str) -> bool:
    return bool(pin) and check_password(str(pin), beneficiary.pin_hash)


def ensure_card_usable(beneficiary: Beneficiary) -> None:
    """Raise ``CardLocked`` or ``PinNotSet`` if the card cannot take a PIN now."""
    if beneficiary.card_locked_at is not None:
        raise CardLocked()
    if not beneficiary.pin_hash:
        raise PinNotSet()


def count_wrong_pin(*, beneficiary_id: int, seller: Seller | None = None) -> WrongPin | CardLocked:
    """Count one wrong PIN, committed on its own; returns the error to raise.

    Must not run inside another transaction (``durable``): a refused sale rolls back, and
    the failure has to outlive it. One conditional UPDATE: it counts only while the card is
    unlocked and under the cap, and locks the card on the last allowed failure, so
    concurrent wrong PINs queue on the row and can never count past the cap. The failure
    that locks the card writes one ``CARD_LOCKED`` event, by the system, naming the
    ``seller`` whose counter the PIN was typed at (none: the beneficiary's own PIN page).
    """
    with transaction.atomic(durable=True):
        counted = Beneficiary.objects.filter(
            pk=beneficiary_id,
            card_locked_at__isnull=True,
            pin_failures__lt=PIN_ATTEMPTS_BEFORE_LOCK,
        ).update(
            pin_failures=F("pin_failures") + 1,
            # The right-hand side sees the row before the update: the 5th failure locks.
            card_locked_at=Case(
                When(pin_failures__gte=PIN_ATTEMPTS_BEFORE_LOCK - 1, then=Value(timezone.now())),
                default=None,
            ),
        )
        # Our UPDATE holds the row lock until commit: this read is exactly our result.
        failures, locked_at, village_id = Beneficiary.objects.values_list(
            "pin_failures", "card_locked_at", "village_id"
        ).get(pk=beneficiary_id)
        if counted and locked_at is not None:  # this very failure locked it
            audit.record_event(
                village_id=village_id,
                kind=AidEventKind.CARD_LOCKED,
                acting_user=None,
                beneficiary_id=beneficiary_id,
                details=(
                    {"wrong_pins": failures, "seller_id": seller.pk, "seller": seller.name}
                    if seller is not None
                    else {"wrong_pins": failures, "where": "own_pin_page"}
                ),
            )
    if not counted or locked_at is not None:
        return CardLocked()
    return WrongPin(tries_left=PIN_ATTEMPTS_BEFORE_LOCK - failures)


def verify_pin(*, beneficiary: Beneficiary, pin: str) -> None:
    """Return if ``pin`` is the card's PIN; otherwise raise, with the failure counted.

    Raises ``CardLocked`` (a locked card refuses even the right PIN), ``PinNotSet``, or
    ``WrongPin`` with the tries left; the 5th wrong PIN in a row locks the card and raises
    ``CardLocked``. A right PIN resets the count. Reads the row afresh, so a stale
    ``beneficiary`` cannot pass a card locked meanwhile. Runs outside any transaction.
    """
    current = Beneficiary.objects.only("pk", "pin_hash", "pin_failures", "card_locked_at").get(
        pk=beneficiary.pk
    )
    ensure_card_usable(current)
    if not pin_matches(current, pin):
        raise count_wrong_pin(beneficiary_id=current.pk)
    # Reset only while still unlocked: concurrent wrong PINs may have locked it meanwhile.
    if current.pin_failures and not Beneficiary.objects.filter(
        pk=current.pk, card_locked_at__isnull=True
    ).update(pin_failures=0):
        raise CardLocked()
    beneficiary.pin_failures = 0


def _beneficiary_for_official(acting_user: Any, beneficiary_id: int) -> Beneficiary:
    beneficiary = Beneficiary.objects.select_for_update().filter(pk=beneficiary_id).first()
    if beneficiary is None:
        raise BeneficiaryNotFound()
    if not scope_for(acting_user).has_role(beneficiary.village_id, CARD_OFFICIALS):
        raise NotAllowedForVillage()
    return beneficiary


@transaction.atomic
def unlock_card(*, acting_user: Any, beneficiary_id: int) -> Beneficiary:
    """An official of the beneficiary's village unlocks the card: failures back to 0.

    Raises ``BeneficiaryNotFound`` or ``NotAllowedForVillage`` (and changes nothing).
    The PIN stays what it was. Unlocking a locked card writes one ``CARD_UNLOCKED`` event;
    a card that was not locked (a repeated form) is only given back its tries.
    """
    beneficiary = _beneficiary_for_official(acting_user, beneficiary_id)
    Beneficiary.objects.filter(pk=beneficiary.pk).update(pin_failures=0, card_locked_at=None)
    if beneficiary.card_locked_at is not None:
        audit.record_event(
            village_id=beneficiary.village_id,
            kind=AidEventKind.CARD_UNLOCKED,
            acting_user=acting_user,
            beneficiary_id=beneficiary.pk,
        )
    beneficiary.pin_failures = 0
    beneficiary.card_locked_at = None
    return beneficiary


def generate_pin() -> str:
    """A random six-digit PIN that ``validate_new_pin`` accepts."""
    while True:
        pin = f"{secrets.randbelow(10**PIN_LENGTH):0{PIN_LENGTH}d}"
        try:
            validate_new_pin(pin)
        except WeakPin:
            continue
        return pin


@transaction.atomic
def issue_sealed_pin(*, acting_user: Any, beneficiary_id: int) -> str:
    """An official issues a new random PIN for the card; returns it, in clear, this once.

    Only the hash is stored; the caller prints the PIN on a sealed slip and forgets it.
    The old PIN stops working, and the card is unlocked (a forgotten PIN is the usual
    reason to lock it). Raises ``BeneficiaryNotFound`` or ``NotAllowedForVillage``.
    Writes one ``PIN_ISSUED`` event (whether it replaced a PIN, whether it unlocked the
    card), never the PIN itself.
    """
    beneficiary = _beneficiary_for_official(acting_user, beneficiary_id)
    pin = generate_pin()
    Beneficiary.objects.filter(pk=beneficiary.pk).update(
        pin_hash=make_password(pin), pin_failures=0, card_locked_at=None
    )
    audit.record_event(
        village_id=beneficiary.village_id,
        kind=AidEventKind.PIN_ISSUED,
        acting_user=acting_user,
        beneficiary_id=beneficiary.pk,
        details={
            "replaced": bool(beneficiary.pin_hash),
            "unlocked": beneficiary.card_locked_at is not None,
        },
    )
    return pin


def change_pin(*, beneficiary: Beneficiary, current_pin: str, new_pin: str) -> None:
    """The beneficiary changes their own PIN, knowing the current one.

    Raises ``WeakPin`` (nothing counted) if the new PIN is not six digits or easy to guess,
    or the same as the current one; then as ``verify_pin`` (a wrong current PIN counts
    towards the lock). On return the new PIN works and the count is 0. The caller has
    checked that ``beneficiary`` is the signed-in person's own; the ``PIN_CHANGED`` event
    names the beneficiary's linked account.
    """
    new_pin = str(new_pin or "")
    validate_new_pin(new_pin)
    if new_pin == str(current_pin or ""):
        raise WeakPin(_("The new PIN must differ from the current one."))
    verify_pin(beneficiary=beneficiary, pin=current_pin)
    with transaction.atomic():
        updated = Beneficiary.objects.filter(pk=beneficiary.pk, card_locked_at__isnull=True).update(
            pin_hash=make_password(new_pin), pin_failures=0
        )
        if updated:
            audit.record_event(
                village_id=beneficiary.village_id,
                kind=AidEventKind.PIN_CHANGED,
                acting_user=beneficiary.user,
                beneficiary_id=beneficiary.pk,
            )
    if not updated:
        raise CardLocked()
    beneficiary.pin_failures = 0
