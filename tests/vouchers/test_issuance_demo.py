"""The demo aid: Panggungharjo's BLT Dana Desa 2026 with month 1 issued, seeded once."""

import pytest
from django.core.management import call_command

from ledger.enums import TransferKind
from ledger.models import Transfer
from ledger.selectors import ledger_problems
from vouchers import accounts
from vouchers.demo import DEMO_PIN, PROGRAMME_NAME, RESIDENT_EMAIL
from vouchers.enums import IssuanceStatus, ProgrammeScope, ProgrammeStatus
from vouchers.models import Beneficiary, Issuance, Programme, Wallet
from vouchers.services.cards import pin_matches
from vouchers.services.registry import is_valid_card_number

pytestmark = pytest.mark.django_db


def test_seed_demo_issues_month_1_of_blt_dana_desa_once(settings):
    settings.DEBUG = True  # with the demo accounts
    call_command("seed_demo")
    call_command("seed_demo")  # a second run changes nothing

    programme = Programme.objects.get(name=PROGRAMME_NAME)
    assert programme.village.slug == "panggungharjo"
    assert (programme.amount_per_month, programme.months, programme.status) == (
        300_000,
        8,
        ProgrammeStatus.ACTIVE,
    )
    assert (programme.scope, programme.market.slug) == (ProgrammeScope.MARKET, "pasar-desa-bantul")
    assert programme.allowed_categories.exists()
    assert not programme.allowed_categories.filter(is_staple=False).exists()
    beneficiaries = Beneficiary.objects.filter(village=programme.village)
    assert beneficiaries.count() == 5
    assert all(is_valid_card_number(b.card_number) for b in beneficiaries)
    linked = beneficiaries.get(user__email=RESIDENT_EMAIL)
    assert pin_matches(linked, DEMO_PIN)

    issuance = Issuance.objects.get(programme=programme)
    assert (issuance.month, issuance.status, issuance.done) == (1, IssuanceStatus.DONE, 5)
    assert Transfer.objects.filter(kind=TransferKind.ISSUE).count() == 5
    wallet = Wallet.objects.get(programme=programme, beneficiary=linked)
    # Month 1, less the 4 Tempe Papan a demo order paid with the voucher.
    assert accounts.wallet_account(wallet).balance == 300_000 - 4 * 5_000
    assert ledger_problems() == []


def test_without_demo_accounts_the_beneficiaries_are_not_linked(settings):
    settings.DEBUG = False
    call_command("seed_demo")

    assert Beneficiary.objects.filter(user__isnull=False).count() == 0
    assert Issuance.objects.get().done == 5
