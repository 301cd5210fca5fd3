"""The beneficiary registry: registering one household, card numbers, status, and the
link to a user account through a verified phone number."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from accounts.adapter import AccountAdapter
from tests.factories import MembershipFactory, UserFactory
from tests.threads import run_together
from tests.vouchers.factories import BeneficiaryFactory
from villages.enums import Role
from villages.exceptions import NotAllowedForVillage
from vouchers import nik
from vouchers.models import Beneficiary
from vouchers.selectors.registry import (
    BeneficiaryNotFound,
    beneficiary_identity,
    other_villages_by_nik_hash,
)
from vouchers.services import registry

pytestmark = pytest.mark.django_db

NIK = "3402150101800001"
KK = "3402150101080001"


def official(world, key="home"):
    return world["people"][key][Role.VILLAGE_OFFICIAL]


def register(world, *, key="home", nik_value=NIK, kk=KK, name="Sri Wahyuni", phone="", **kw):
    with translation.override("en"):
        return registry.register_beneficiary(
            acting_user=kw.get("acting_user", official(world, key)),
            village_id=world[key].pk,
            nik=nik_value,
            kk=kk,
            name=name,
            phone=phone,
            address=kw.get("address", "Jl. Mawar 3, Dusun Kauman"),
        )


def field_errors(caught):
    return {key: [str(m) for m in messages] for key, messages in caught.value.message_dict.items()}


# --- registering ----------------------------------------------------------------------------


def test_an_official_registers_a_household_with_its_numbers_encrypted(two_villages):
    beneficiary = register(two_villages, nik_value="3402 1501-0180.0001", phone="0812 3456 7890")

    beneficiary.refresh_from_db()
    assert beneficiary.village == two_villages["home"]
    assert beneficiary.name == "Sri Wahyuni"
    assert beneficiary.phone == "+6281234567890"
    assert beneficiary.address == "Jl. Mawar 3, Dusun Kauman"
    assert beneficiary.nik_masked == "3402••••••••0001"
    assert beneficiary.nik_hash == nik.nik_hash(NIK)
    assert NIK not in beneficiary.nik_encrypted
    assert KK not in beneficiary.kk_encrypted
    identity = beneficiary_identity(beneficiary=beneficiary)
    assert (identity.nik, identity.kk) == (NIK, KK)
    assert beneficiary.is_active is True
    assert beneficiary.pin_hash == ""
    assert beneficiary.user is None


def test_a_card_number_is_sixteen_random_digits_with_a_luhn_check_digit(two_villages):
    first = register(two_villages)
    second = register(two_villages, nik_value="3402150101800002")

    for card in (first.card_number, second.card_number):
        assert len(card) == 16
        assert card.isdigit()
        assert card[0] != "0"
        assert registry.is_valid_card_number(card)
        assert card != NIK
        assert card[4:] not in NIK
    assert first.card_number != second.card_number


def test_the_luhn_check_digit_matches_the_published_examples():
    assert registry.luhn_check_digit("7992739871") == "3"
    assert registry.is_valid_card_number("4539578763621486")  # a valid test card number
    assert not registry.is_valid_card_number("4539578763621487")
    assert not registry.is_valid_card_number("453957876362148")


def test_a_card_number_already_held_is_drawn_again(two_villages, monkeypatch):
    taken = BeneficiaryFactory(village=two_villages["home"], card_number="4539578763621486")
    draws = iter([taken.card_number, "4111111111111111"])
    monkeypatch.setattr(registry, "_random_card_number", lambda: next(draws))

    assert registry.new_card_numbers(1) == ["4111111111111111"]


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"nik_value": "340215010180001"}, {"nik": ["The NIK must be exactly 16 digits."]}),
        ({"nik_value": "34021501018000O1"}, {"nik": ["The NIK must be exactly 16 digits."]}),
        ({"kk": "12345"}, {"kk": ["The KK number must be exactly 16 digits."]}),
        ({"name": "   "}, {"name": ["Enter the name."]}),
        ({"name": "x" * 151}, {"name": ["At most 150 characters."]}),
        (
            {"phone": "0274 123"},
            {"phone": ["That is not a valid Indonesian phone number. Example: 0812 3456 7890."]},
        ),
        ({"address": "x" * 301}, {"address": ["At most 300 characters."]}),
    ],
)
def test_bad_fields_are_refused_each_on_its_field_and_nothing_is_written(
    two_villages, changes, errors
):
    with pytest.raises(ValidationError) as caught:
        register(two_villages, **changes)

    assert field_errors(caught) == errors
    assert Beneficiary.objects.count() == 0


def test_every_bad_field_is_reported_at_once(two_villages):
    with pytest.raises(ValidationError) as caught:
        register(two_villages, nik_value="1", kk="2", name="", phone="123")

    assert set(field_errors(caught)) == {"nik", "kk", "name", "phone"}


def test_a_nik_is_registered_once_per_village_but_another_village_may_register_it(two_villages):
    register(two_villages)

    with pytest.raises(ValidationError) as caught:
        register(two_villages, name="Someone else")
    assert field_errors(caught) == {"nik": ["This NIK is already registered in this village."]}

    elsewhere = register(two_villages, key="other", name="Sri W.")
    assert elsewhere.village == two_villages["other"]
    assert other_villages_by_nik_hash(
        village_id=two_villages["home"].pk, nik_hashes=[elsewhere.nik_hash]
    ) == {elsewhere.nik_hash: ["Sriharjo"]}
    assert other_villages_by_nik_hash(
        village_id=two_villages["other"].pk, nik_hashes=[elsewhere.nik_hash]
    ) == {elsewhere.nik_hash: ["Panggungharjo"]}


@pytest.mark.parametrize(
    ("who", "key"),
    [
        (Role.BUMDES_ADMIN, "home"),
        (Role.RESIDENT, "home"),
        (Role.SELLER_STAFF, "home"),
        (Role.VILLAGE_OFFICIAL, "other"),
    ],
)
def test_only_the_villages_officials_register(two_villages, who, key):
    with pytest.raises(NotAllowedForVillage):
        register(two_villages, acting_user=two_villages["people"][key][who])
    assert Beneficiary.objects.count() == 0


# --- active or not --------------------------------------------------------------------------


def test_an_official_deactivates_and_reactivates_a_beneficiary(two_villages):
    beneficiary = register(two_villages)

    for active in (False, False, True):  # the second is a repeated form: harmless
        changed = registry.set_beneficiary_active(
            acting_user=official(two_villages),
            village_id=two_villages["home"].pk,
            beneficiary_id=beneficiary.pk,
            active=active,
        )
        beneficiary.refresh_from_db()
        assert changed.is_active is active
        assert beneficiary.is_active is active


def test_another_villages_beneficiary_cannot_be_deactivated(two_villages):
    theirs = BeneficiaryFactory(village=two_villages["other"])

    with pytest.raises(BeneficiaryNotFound):  # through the home village: not one of its own
        registry.set_beneficiary_active(
            acting_user=official(two_villages),
            village_id=two_villages["home"].pk,
            beneficiary_id=theirs.pk,
            active=False,
        )
    with pytest.raises(NotAllowedForVillage):  # through their village: not an official there
        registry.set_beneficiary_active(
            acting_user=official(two_villages),
            village_id=two_villages["other"].pk,
            beneficiary_id=theirs.pk,
            active=False,
        )
    theirs.refresh_from_db()
    assert theirs.is_active is True


# --- linked to a user through a verified phone -----------------------------------------------


def test_registering_with_a_phone_a_user_verified_links_that_user(two_villages):
    person = UserFactory(phone="+6281234567890", phone_verified=True)

    beneficiary = register(two_villages, phone="0812-3456-7890")

    assert beneficiary.user == person
    beneficiary.refresh_from_db()
    assert beneficiary.user == person


def test_registering_with_an_unverified_phone_links_nobody(two_villages):
    UserFactory(phone="+6281234567890", phone_verified=False)

    beneficiary = register(two_villages, phone="081234567890")

    beneficiary.refresh_from_db()
    assert beneficiary.user is None


def test_verifying_the_phone_after_registration_links_the_beneficiary(two_villages):
    home = register(two_villages, phone="081234567890")
    other = register(two_villages, key="other", phone="081234567890")
    unrelated = register(two_villages, nik_value="3402150101800009", phone="081299998888")
    person = UserFactory(phone=None, phone_verified=False)
    adapter = AccountAdapter()

    adapter.set_phone(person, "+6281234567890", False)  # signed up, code not entered yet
    home.refresh_from_db()
    assert home.user is None

    adapter.set_phone_verified(person, "+6281234567890")  # the code was right
    for beneficiary in (home, other, unrelated):
        beneficiary.refresh_from_db()
    assert home.user == person
    assert other.user == person
    assert unrelated.user is None


def test_linking_needs_a_verified_phone(two_villages):
    beneficiary = register(two_villages, phone="081234567890")
    unverified = UserFactory(phone="+6281234567890", phone_verified=False)

    assert registry.link_beneficiaries_to_user(user=unverified) == 0
    beneficiary.refresh_from_db()
    assert beneficiary.user is None

    unverified.phone_verified = True
    unverified.save()
    assert registry.link_beneficiaries_to_user(user=unverified) == 1
    assert registry.link_beneficiaries_to_user(user=unverified) == 0  # already linked
    beneficiary.refresh_from_db()
    assert beneficiary.user == unverified


# --- at the same moment -----------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_officials_registering_one_nik_at_once_register_it_once(two_villages):
    first = official(two_villages)
    second = UserFactory()
    MembershipFactory(user=second, village=two_villages["home"], role=Role.VILLAGE_OFFICIAL)

    def work(user):
        return registry.register_beneficiary(
            acting_user=user,
            village_id=two_villages["home"].pk,
            nik=NIK,
            kk=KK,
            name=f"Sri {user.pk}",
            phone="",
            address="",
        )

    results = run_together(work, [first, second])

    created = [r for r in results if isinstance(r, Beneficiary)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(created) == 1, results
    assert len(refused) == 1, results
    assert set(refused[0].message_dict) == {"nik"}
    assert Beneficiary.objects.filter(village=two_villages["home"]).count() == 1
