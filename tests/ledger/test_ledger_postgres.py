"""PostgreSQL keeps the books itself, and concurrent posts never overdraw or double-post."""

import pytest
from django.db import IntegrityError, connection, transaction

from ledger import services
from ledger.enums import AccountKind, TransferKind
from ledger.exceptions import InsufficientBalance
from ledger.models import Account, Entry, Transfer
from ledger.selectors import ledger_problems
from tests.threads import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def wallet():
    fund = services.account(AccountKind.PROGRAMME_FUND, 7)
    wallet = services.account(AccountKind.BENEFICIARY_WALLET, 7)
    services.move(
        key="issue:7", kind=TransferKind.ISSUE, source=fund, destination=wallet, amount=100_000
    )
    return wallet


def test_twenty_concurrent_spends_never_take_more_than_the_balance(wallet):
    in_flight = services.account(AccountKind.VOUCHER_IN_FLIGHT, 7)

    def spend(n):
        transfer, _ = services.move(
            key=f"spend:{n}",
            kind=TransferKind.SPEND,
            source=wallet,
            destination=in_flight,
            amount=15_000,
        )
        return transfer

    results = run_together(spend, list(range(20)))

    spent = [r for r in results if isinstance(r, Transfer)]
    refused = [r for r in results if isinstance(r, InsufficientBalance)]
    assert (len(spent), len(refused)) == (6, 14), results
    wallet.refresh_from_db()
    assert wallet.balance == 100_000 - 6 * 15_000
    assert ledger_problems() == []


def test_ten_concurrent_posts_of_one_key_move_the_money_once(wallet):
    seller = services.account(AccountKind.SELLER_PAYABLE, 7)

    def post(_n):
        return services.move(
            key="settle:once",
            kind=TransferKind.SETTLE,
            source=wallet,
            destination=seller,
            amount=1_000,
        )

    results = run_together(post, list(range(10)))

    assert [created for _t, created in results].count(True) == 1, results
    assert len({transfer.pk for transfer, _c in results}) == 1
    seller.refresh_from_db()
    assert seller.balance == 1_000


def test_the_database_refuses_to_edit_or_delete_entries_and_transfers(wallet):
    entry = Entry.objects.filter(account=wallet).first()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).update(amount=999_999)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).delete()
    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM ledger_transfer WHERE key = %s", ["issue:7"])
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        Transfer.objects.filter(key="issue:7").update(amount=1)
    assert Entry.objects.get(pk=entry.pk).amount == 100_000


def test_the_database_refuses_an_unbalanced_transfer(wallet):
    # Code that bypasses ledger.services still cannot commit books that do not balance.
    def post_one_sided_entry():
        with transaction.atomic():
            transfer = Transfer.objects.create(key="raw", kind=TransferKind.SETTLE, amount=5)
            Entry.objects.create(transfer=transfer, account=wallet, amount=5)

    with pytest.raises(IntegrityError, match="does not balance"):
        post_one_sided_entry()
    assert not Transfer.objects.filter(key="raw").exists()
    assert Account.objects.get(pk=wallet.pk).balance == 100_000
