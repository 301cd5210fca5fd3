"""The ledger accounts of a programme and its wallets (ledger.enums.AccountKind)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from ledger import services as ledger
from ledger.enums import AccountKind
from ledger.models import Account
from vouchers.models import Beneficiary, Programme, Wallet


def programme_fund(programme: Programme) -> Account:
    """Where issued money comes from and expired money returns to."""
    return ledger.account(AccountKind.PROGRAMME_FUND, programme.pk, village_id=programme.village_id)


def voucher_in_flight(programme: Programme) -> Account:
    """Voucher money paid for fulfilments not completed yet (settlement takes it on)."""
    return ledger.account(
        AccountKind.VOUCHER_IN_FLIGHT, programme.pk, village_id=programme.village_id
    )


def wallet_account(wallet: Wallet) -> Account:
    """The ledger account holding ``wallet``'s balance (opened on first use)."""
    return ledger.account(
        AccountKind.BENEFICIARY_WALLET, wallet.pk, village_id=wallet.programme.village_id
    )


def wallet_for(beneficiary: Beneficiary, programme: Programme) -> Wallet:
    """The beneficiary's wallet in ``programme``, opened on first use."""
    wallet = Wallet.objects.filter(beneficiary=beneficiary, programme=programme).first()
    if wallet is None:
        try:
            with transaction.atomic():
                wallet = Wallet.objects.create(beneficiary=beneficiary, programme=programme)
        except IntegrityError:  # opened by a concurrent caller meanwhile
            wallet = Wallet.objects.get(beneficiary=beneficiary, programme=programme)
    return wallet
