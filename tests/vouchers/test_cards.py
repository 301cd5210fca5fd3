"""Voucher card PINs: checked, counted, locked at the 5th wrong one, unlocked, issued, changed."""

import pytest
from django.contrib.auth.hashers import check_password
from django.utils import translation

from tests.vouchers.factories import BeneficiaryFactory
from villages.enums import Role
from villages.exceptions import NotAllowedForVillage
from vouchers.models import PIN_ATTEMPTS_BEFORE_LOCK, Beneficiary
from vouchers.services import cards
from vouchers.services.cards import CardLocked, PinNotSet, WeakPin, WrongPin

RIGHT = "246810"  # the factory's PIN


def fresh(beneficiary):
    return Beneficiary.objects.get(pk=beneficiary.pk)


@pytest.fixture
def beneficiary(two_villages):
    return BeneficiaryFactory(village=two_villages["home"])


@pytest.mark.django_db
def test_right_pin_passes_and_resets_the_count(beneficiary):
    Beneficiary.objects.filter(pk=beneficiary.pk).update(pin_failures=3)
    cards.verify_pin(beneficiary=beneficiary, pin=RIGHT)
    assert fresh(beneficiary).pin_failures == 0


@pytest.mark.django_db
def test_wrong_pin_is_counted_with_the_tries_left(beneficiary):
    with translation.override("en"), pytest.raises(WrongPin) as error:
        cards.verify_pin(beneficiary=beneficiary, pin="135790")
    assert str(error.value.message) == "wrong PIN (4 tries left)"
    assert error.value.extra == {"tries_left": 4}
    assert fresh(beneficiary).pin_failures == 1
    assert fresh(beneficiary).card_locked_at is None


@pytest.mark.django_db
def test_fifth_wrong_pin_locks_the_card_and_then_even_the_right_pin_is_refused(beneficiary):
    for tries_left in (4, 3, 2, 1):
        with pytest.raises(WrongPin) as error:
            cards.verify_pin(beneficiary=beneficiary, pin="000001")
        assert error.value.extra["tries_left"] == tries_left
    with pytest.raises(CardLocked):
        cards.verify_pin(beneficiary=beneficiary, pin="000001")
    row = fresh(beneficiary)
    assert row.pin_failures == PIN_ATTEMPTS_BEFORE_LOCK
    assert row.card_locked_at is not None
    with pytest.raises(CardLocked):
        cards.verify_pin(beneficiary=beneficiary, pin=RIGHT)
    assert fresh(beneficiary).pin_failures == PIN_ATTEMPTS_BEFORE_LOCK  # not past the cap


@pytest.mark.django_db
def test_card_without_pin_is_refused(two_villages):
    beneficiary = BeneficiaryFactory(village=two_villages["home"], pin="")
    with pytest.raises(PinNotSet):
        cards.verify_pin(beneficiary=beneficiary, pin="")
    assert fresh(beneficiary).pin_failures == 0


def lock(beneficiary):
    for _ in range(PIN_ATTEMPTS_BEFORE_LOCK):
        with pytest.raises((WrongPin, CardLocked)):
            cards.verify_pin(beneficiary=beneficiary, pin="999990")
    assert fresh(beneficiary).card_locked_at is not None


@pytest.mark.django_db
def test_official_of_the_village_unlocks_the_card(two_villages, beneficiary):
    lock(beneficiary)
    official = two_villages["people"]["home"][Role.VILLAGE_OFFICIAL]
    cards.unlock_card(acting_user=official, beneficiary_id=beneficiary.pk)
    row = fresh(beneficiary)
    assert (row.pin_failures, row.card_locked_at) == (0, None)
    cards.verify_pin(beneficiary=beneficiary, pin=RIGHT)  # the PIN did not change


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("village", "role"),
    [
        ("other", Role.VILLAGE_OFFICIAL),
        ("home", Role.SELLER_STAFF),
        ("home", Role.RESIDENT),
        ("home", Role.BUMDES_ADMIN),
    ],
)
def test_others_cannot_unlock_or_issue_pins(two_villages, beneficiary, village, role):
    lock(beneficiary)
    before = fresh(beneficiary)
    person = two_villages["people"][village][role]
    with pytest.raises(NotAllowedForVillage):
        cards.unlock_card(acting_user=person, beneficiary_id=beneficiary.pk)
    with pytest.raises(NotAllowedForVillage):
        cards.issue_sealed_pin(acting_user=person, beneficiary_id=beneficiary.pk)
    after = fresh(beneficiary)
    assert (after.pin_hash, after.card_locked_at, after.pin_failures) == (
        before.pin_hash,
        before.card_locked_at,
        PIN_ATTEMPTS_BEFORE_LOCK,
    )


@pytest.mark.django_db
def test_unknown_beneficiary_is_not_found(two_villages):
    official = two_villages["people"]["home"][Role.VILLAGE_OFFICIAL]
    with pytest.raises(cards.BeneficiaryNotFound):
        cards.unlock_card(acting_user=official, beneficiary_id=999_999)


@pytest.mark.django_db
def test_sealed_pin_replaces_the_old_one_is_stored_hashed_and_unlocks(two_villages, beneficiary):
    lock(beneficiary)
    official = two_villages["people"]["home"][Role.VILLAGE_OFFICIAL]
    pin = cards.issue_sealed_pin(acting_user=official, beneficiary_id=beneficiary.pk)
    assert len(pin) == 6
    assert pin.isdigit()
    row = fresh(beneficiary)
    assert pin not in row.pin_hash
    assert check_password(pin, row.pin_hash)
    assert (row.pin_failures, row.card_locked_at) == (0, None)
    cards.verify_pin(beneficiary=beneficiary, pin=pin)
    if pin != RIGHT:
        with pytest.raises(WrongPin):
            cards.verify_pin(beneficiary=beneficiary, pin=RIGHT)


def test_generated_pins_are_never_weak():
    for _ in range(200):
        cards.validate_new_pin(cards.generate_pin())


@pytest.mark.parametrize(
    "pin", ["", "12345", "1234567", "12a456", "111111", "123456", "654321", "012345", "٠١٢٣٤٥"]
)
def test_weak_or_malformed_pins_are_refused(pin):
    with pytest.raises(WeakPin):
        cards.validate_new_pin(pin)


@pytest.mark.django_db
def test_beneficiary_changes_the_pin(beneficiary):
    cards.change_pin(beneficiary=beneficiary, current_pin=RIGHT, new_pin="318529")
    cards.verify_pin(beneficiary=beneficiary, pin="318529")
    with pytest.raises(WrongPin):
        cards.verify_pin(beneficiary=beneficiary, pin=RIGHT)


@pytest.mark.django_db
def test_change_pin_with_a_wrong_current_pin_counts_and_changes_nothing(beneficiary):
    old_hash = fresh(beneficiary).pin_hash
    with pytest.raises(WrongPin):
        cards.change_pin(beneficiary=beneficiary, current_pin="135791", new_pin="318529")
    row = fresh(beneficiary)
    assert (row.pin_hash, row.pin_failures) == (old_hash, 1)


@pytest.mark.django_db
@pytest.mark.parametrize("new_pin", ["123456", "000000", "12345", RIGHT])
def test_change_pin_to_a_weak_pin_is_refused_without_counting(beneficiary, new_pin):
    old_hash = fresh(beneficiary).pin_hash
    with pytest.raises(WeakPin):
        cards.change_pin(beneficiary=beneficiary, current_pin=RIGHT, new_pin=new_pin)
    row = fresh(beneficiary)
    assert (row.pin_hash, row.pin_failures) == (old_hash, 0)


@pytest.mark.django_db
def test_change_pin_on_a_locked_card_is_refused(beneficiary):
    lock(beneficiary)
    with pytest.raises(CardLocked):
        cards.change_pin(beneficiary=beneficiary, current_pin=RIGHT, new_pin="318529")
