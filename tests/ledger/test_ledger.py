"""The ledger keeps the books: balanced transfers, posted once, never below zero."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import services
from ledger.enums import AccountKind, TransferKind
from ledger.exceptions import InsufficientBalance, TransferUnbalanced
from ledger.models import Account, Entry, Transfer
from ledger.selectors import balance, ledger_problems

pytestmark = pytest.mark.django_db


@pytest.fixture
def books():
    return {
        "fund": services.account(AccountKind.PROGRAMME_FUND, 1),
        "wallet": services.account(AccountKind.BENEFICIARY_WALLET, 1),
        "in_flight": services.account(AccountKind.VOUCHER_IN_FLIGHT, 1),
    }


def issue(books, amount, key="issue:1"):
    return services.move(
        key=key,
        kind=TransferKind.ISSUE,
        source=books["fund"],
        destination=books["wallet"],
        amount=amount,
    )


def cached(account):
    return Account.objects.values_list("balance", flat=True).get(pk=account.pk)


def test_a_transfer_moves_money_and_balances_follow_the_entries(books):
    transfer, created = issue(books, 300_000)

    assert created
    assert transfer.amount == 300_000
    assert (cached(books["wallet"]), balance(books["wallet"])) == (300_000, 300_000)
    assert (cached(books["fund"]), balance(books["fund"])) == (-300_000, -300_000)
    assert ledger_problems() == []


def test_posting_the_same_key_twice_moves_money_once(books):
    first, _ = issue(books, 300_000)
    again, created = issue(books, 300_000)

    assert not created
    assert again.pk == first.pk
    assert cached(books["wallet"]) == 300_000
    assert Entry.objects.count() == 2


def test_a_wallet_never_goes_below_zero_and_a_refused_spend_writes_nothing(books):
    issue(books, 50_000)

    with pytest.raises(InsufficientBalance):
        services.move(
            key="spend:1",
            kind=TransferKind.SPEND,
            source=books["wallet"],
            destination=books["in_flight"],
            amount=50_001,
        )

    assert cached(books["wallet"]) == 50_000
    assert not Transfer.objects.filter(key="spend:1").exists()
    assert Entry.objects.count() == 2


@pytest.mark.parametrize(
    "legs",
    [((1, -5), (2, 4)), ((1, 5),), ((1, -5), (1, 5)), ((1, 0), (2, 0))],
    ids=["sum not zero", "one leg", "same account twice", "zero legs"],
)
def test_unbalanced_transfers_are_refused_before_anything_is_written(books, legs):
    ids = {1: books["fund"].pk, 2: books["wallet"].pk}
    draft = services.TransferDraft(
        key="bad", kind=TransferKind.ISSUE, legs=tuple((ids[a], n) for a, n in legs)
    )
    with pytest.raises(TransferUnbalanced):
        services.post(draft)
    with pytest.raises(TransferUnbalanced):
        services.post_many([draft])
    assert not Transfer.objects.exists()


def test_a_reversal_undoes_a_transfer_once_and_links_to_it(books):
    transfer, _ = issue(books, 120_000)

    reversal, created = services.reverse(transfer, key="reverse:issue:1")
    again, created_again = services.reverse(transfer, key="reverse:issue:1")

    assert created
    assert not created_again
    assert again.pk == reversal.pk
    assert reversal.reverses_id == transfer.pk
    assert cached(books["wallet"]) == 0 == balance(books["wallet"])
    assert ledger_problems() == []


def test_a_batch_posts_only_what_was_not_posted_before(books):
    wallets = services.open_accounts(
        AccountKind.BENEFICIARY_WALLET, [(owner, None) for owner in range(10, 15)]
    )
    issue(books, 1, key="batch:10")

    drafts = [
        services.TransferDraft(
            key=f"batch:{owner}",
            kind=TransferKind.ISSUE,
            legs=((books["fund"].pk, -100), (wallet.pk, 100)),
        )
        for owner, wallet in wallets.items()
    ]

    assert services.post_many(drafts) == 4  # batch:10 was taken by the single post above
    assert services.post_many(drafts) == 0
    assert cached(books["fund"]) == -1 - 400
    assert ledger_problems() == []


def test_a_batch_that_would_overdraw_any_wallet_writes_nothing(books):
    issue(books, 100)
    drafts = [
        services.TransferDraft(
            key=f"spend:{n}",
            kind=TransferKind.SPEND,
            legs=((books["wallet"].pk, -60), (books["in_flight"].pk, 60)),
        )
        for n in range(2)
    ]

    with pytest.raises(InsufficientBalance):
        services.post_many(drafts)

    assert cached(books["wallet"]) == 100
    assert not Transfer.objects.filter(kind=TransferKind.SPEND).exists()


def test_check_ledger_reports_a_cached_balance_that_drifted_from_its_entries(books, capsys):
    issue(books, 10_000)
    call_command("check_ledger")
    assert "The ledger holds" in capsys.readouterr().out

    Account.objects.filter(pk=books["wallet"].pk).update(balance=9_000)

    with pytest.raises(CommandError):
        call_command("check_ledger")
    assert "balance_drift" in capsys.readouterr().err


KINDS = [AccountKind.PROGRAMME_FUND, AccountKind.BENEFICIARY_WALLET, AccountKind.SELLER_PAYABLE]
moves = st.lists(
    st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(1, 500_000), st.integers(0, 3)),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=moves)
def test_any_history_keeps_every_balance_equal_to_its_entries_and_the_books_at_zero(history):
    accounts = [services.account(KINDS[n % 3], 1000 + n) for n in range(6)]
    for step, (source, destination, amount, replay) in enumerate(history):
        if source == destination:
            continue
        for _ in range(1 + replay % 2):  # some steps are delivered twice
            try:
                services.move(
                    key=f"p:{id(history)}:{step}",
                    kind=TransferKind.SETTLE,
                    source=accounts[source],
                    destination=accounts[destination],
                    amount=amount,
                )
            except InsufficientBalance:
                break
    for account in accounts:
        account.refresh_from_db()
        assert account.balance == balance(account)
        assert account.may_go_negative or account.balance >= 0
    assert ledger_problems() == []
