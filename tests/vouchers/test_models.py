"""The database refuses what the aid rules forbid, whatever code runs."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from ledger import services as ledger
from ledger.enums import TransferKind
from ledger.exceptions import InsufficientBalance
from tests.vouchers.factories import BeneficiaryFactory, ProgrammeFactory, credit
from vouchers import accounts, nik
from vouchers.models import Issuance

pytestmark = pytest.mark.django_db


def test_a_month_of_a_programme_can_be_issued_only_once(two_villages):
    programme = ProgrammeFactory(village=two_villages["home"])
    Issuance.objects.create(programme=programme, month=1, amount_each=300_000)

    with pytest.raises(IntegrityError), transaction.atomic():
        Issuance.objects.create(programme=programme, month=1, amount_each=300_000)


def test_the_same_nik_cannot_be_registered_twice_in_one_village(two_villages):
    first = BeneficiaryFactory(village=two_villages["home"])

    with pytest.raises(IntegrityError), transaction.atomic():
        BeneficiaryFactory(village=two_villages["home"], nik_hash=first.nik_hash)
    # Another village may register it; officials are told (vouchers registry).
    BeneficiaryFactory(village=two_villages["other"], nik_hash=first.nik_hash)


def test_a_programme_must_start_on_the_first_of_a_month(two_villages):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgrammeFactory(village=two_villages["home"], first_month=datetime.date(2026, 1, 2))


def test_a_wallet_can_never_pay_more_than_it_holds(two_villages):
    programme = ProgrammeFactory(village=two_villages["home"])
    beneficiary = BeneficiaryFactory(village=two_villages["home"])
    wallet = credit(beneficiary, programme, 300_000)

    with pytest.raises(InsufficientBalance):
        ledger.move(
            key="overdraw",
            kind=TransferKind.SPEND,
            source=accounts.wallet_account(wallet),
            destination=accounts.voucher_in_flight(programme),
            amount=300_001,
        )
    assert accounts.wallet_account(wallet).balance == 300_000


def test_nik_is_stored_encrypted_found_by_hash_and_shown_masked():
    clean = nik.clean_nik("3402.1234.5678.0001")

    token = nik.encrypt(clean)

    assert clean not in token
    assert nik.decrypt(token) == clean
    assert nik.nik_hash(clean) == nik.nik_hash("3402123456780001")
    assert clean not in nik.nik_hash(clean)
    assert nik.mask(clean) == "3402••••••••0001"


@pytest.mark.parametrize(
    "value", ["", "123", "34021234567800011", "3402-1234-5678-000X", "٣٤٠٢١٢٣٤٥٦٧٨٠٠٠١"]
)
def test_a_nik_that_is_not_16_digits_is_refused(value):
    with pytest.raises(nik.InvalidNik):
        nik.clean_nik(value)
