"""Closing a day of a market: claims between villages netted into one transfer per pair,
and every seller's payable listed to pay (or as owed), once however often it runs."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from ledger.enums import AccountKind, TransferKind
from ledger.models import Account, Entry, Transfer
from ledger.selectors import ledger_problems
from settlement.models import BatchStatus, Payout, PayoutStatus, SettlementBatch, VillageTransfer
from settlement.services import clearing, posting
from tests.factories import BumdesFactory, MarketFactory, VillageFactory, category
from tests.settlement.helpers import cash_sale
from tests.settlement.test_posting import counter_sale_paid_by_voucher
from tests.threads import run_together
from tests.vouchers.factories import ProgrammeFactory
from villages.enums import Role

pytestmark = pytest.mark.django_db


def side(two_villages, key):
    village = two_villages[key]
    people = two_villages["people"][key]
    return {
        "village": village,
        "bumdes": BumdesFactory(village=village),
        "people": {str(role): person for role, person in people.items()},
        "seller": people[Role.SELLER_STAFF].memberships.get().seller,
        "admin": people[Role.BUMDES_ADMIN],
    }


def voucher_sale(seller_side, *, programme, amount):
    """A counter sale paid by voucher, written in one transaction as the counter does, so
    its posting (sent on commit) finds its charge."""
    with transaction.atomic():
        return counter_sale_paid_by_voucher(seller_side, programme=programme, amount=amount)


def build_world(two_villages):
    """Home and other, each with a BUMDes and a programme in the market; the other
    village's beneficiaries spent Rp100.000 at the home seller and the home village's
    Rp30.000 at the other seller (and Rp20.000 at home, which is no claim between villages)."""
    category("beras")  # seeds the staple categories again after a transactional test
    home, other = side(two_villages, "home"), side(two_villages, "other")
    market = two_villages["market"]
    home["programme"] = ProgrammeFactory(village=home["village"], market=market)
    other["programme"] = ProgrammeFactory(village=other["village"], market=market)
    voucher_sale(home, programme=other["programme"], amount=100_000)
    voucher_sale(other, programme=home["programme"], amount=30_000)
    voucher_sale(home, programme=home["programme"], amount=20_000)
    posting.sweep()
    return {"home": home, "other": other, "market": market}


@pytest.fixture
def world(two_villages):
    return build_world(two_villages)


def close_today(market):
    today = timezone.localdate()
    return clearing.close_period(market_id=market.pk, period_start=today, period_end=today)


def clearing_balance(village):
    account = Account.objects.filter(kind=AccountKind.VILLAGE_CLEARING, owner_id=village.pk).first()
    return account.balance if account else 0


def test_claims_between_two_villages_are_netted_into_one_transfer(world):
    home, other = world["home"]["village"], world["other"]["village"]

    batch, created = close_today(world["market"])

    assert created
    # Other owes home 100.000, home owes other 30.000: one transfer, other → home 70.000.
    transfer = Transfer.objects.get(kind=TransferKind.CLEARING)
    assert transfer.amount == 70_000
    assert transfer.details["from_village_id"] == other.pk
    assert transfer.details["to_village_id"] == home.pk
    row = VillageTransfer.objects.get(batch=batch)
    assert (row.from_village, row.to_village, row.amount) == (other, home, 70_000)
    assert row.transfer_key == transfer.key
    assert clearing_balance(other) == -70_000
    assert clearing_balance(home) == 70_000
    assert ledger_problems() == []


def test_a_rerun_of_the_same_period_posts_nothing(world):
    first, _created = close_today(world["market"])
    transfers = Transfer.objects.count()
    payouts = Payout.objects.count()

    again, created = close_today(world["market"])
    by_day = clearing.close_day(day=timezone.localdate())

    assert (again, created, by_day) == (first, False, [])
    assert Transfer.objects.count() == transfers
    assert Payout.objects.count() == payouts
    assert SettlementBatch.objects.count() == 1


def test_each_seller_with_a_payable_is_listed_to_pay(world):
    batch, _created = close_today(world["market"])

    payouts = {p.seller_id: (p.amount, p.status, p.village_id) for p in batch.payouts.all()}
    home, other = world["home"], world["other"]
    # Voucher sales less the 5% commission: 120.000 - 6.000 at home, 30.000 - 1.500 at other.
    assert payouts == {
        home["seller"].pk: (114_000, PayoutStatus.PENDING, home["village"].pk),
        other["seller"].pk: (28_500, PayoutStatus.PENDING, other["village"].pk),
    }
    payables = dict(
        Account.objects.filter(kind=AccountKind.SELLER_PAYABLE).values_list("owner_id", "balance")
    )
    assert payables == {home["seller"].pk: 114_000, other["seller"].pk: 28_500}
    assert batch.status == BatchStatus.OPEN


def test_a_seller_who_kept_cash_is_listed_as_owing_the_commission(two_villages):
    home = side(two_villages, "home")
    cash_sale(home["people"], price=20_000, quantity=3, key="k1")
    posting.sweep()

    batch, _created = close_today(two_villages["market"])

    owing = batch.payouts.get()
    assert (owing.seller, owing.amount, owing.status) == (home["seller"], 3_000, PayoutStatus.OWING)
    assert batch.status == BatchStatus.PAID  # nothing to pay out


def test_the_next_day_lists_only_what_earlier_batches_do_not(world):
    market = world["market"]
    today = timezone.localdate()
    clearing.close_period(market_id=market.pk, period_start=today, period_end=today)
    voucher_sale(world["home"], programme=world["home"]["programme"], amount=10_000)
    posting.sweep()

    tomorrow = today + datetime.timedelta(days=1)
    batch, created = clearing.close_period(
        market_id=market.pk, period_start=tomorrow, period_end=tomorrow
    )

    assert created
    # Only the new sale: 10.000 less 500; yesterday's 114.000 is still listed to pay there.
    assert list(batch.payouts.values_list("seller_id", "amount")) == [
        (world["home"]["seller"].pk, 9_500)
    ]
    # Today's clearing transfers were all in today's batch.
    assert not batch.village_transfers.exists()


def test_claims_of_another_market_are_left_out(world):
    lonely = MarketFactory(villages=[VillageFactory()])

    batch, _created = close_today(lonely)

    assert not batch.village_transfers.exists()
    assert not batch.payouts.exists()
    assert Transfer.objects.filter(kind=TransferKind.CLEARING).count() == 0


def test_clearing_figures_reconcile_with_settled_voucher_money(world):
    batch, _created = close_today(world["market"])
    other = world["other"]["village"]

    gross = clearing.gross_claims(
        market_id=world["market"].pk,
        period_start=batch.period_start,
        period_end=batch.period_end,
    )
    settled_by_other = sum(
        t.details["amount"]
        for t in Transfer.objects.filter(kind=TransferKind.SETTLE)
        if t.details["programme_village_id"] == other.pk
    )
    assert gross[(other.pk, world["home"]["village"].pk)] == settled_by_other == 100_000
    entries = Entry.objects.filter(account__kind=AccountKind.VILLAGE_CLEARING)
    assert sum(e.amount for e in entries if e.amount > 0) == sum(
        v.amount for v in VillageTransfer.objects.all()
    )
    assert ledger_problems() == []


def test_net_claims_nets_each_pair_once():
    claims = {(1, 2): 100, (2, 1): 30, (3, 1): 50, (2, 3): 40, (3, 2): 40}

    netted = clearing.net_claims(claims)

    assert [(c.debtor_id, c.creditor_id, c.amount) for c in netted] == [(1, 2, 70), (3, 1, 50)]


def test_the_daily_task_settles_yesterday_once(world):
    from settlement import tasks

    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    created = tasks.close_settlement_day()
    today = tasks.close_settlement_day(day=timezone.localdate().isoformat())
    again = tasks.close_settlement_day()

    batch = SettlementBatch.objects.get(pk=created[0])
    assert (batch.period_start, batch.period_end) == (yesterday, yesterday)
    assert not batch.village_transfers.exists()  # today's sales are not yesterday's
    assert again == []
    assert VillageTransfer.objects.get(batch_id=today[0]).amount == 70_000


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_closes_of_one_day_at_once_settle_it_once(two_villages):
    world = build_world(two_villages)
    today = timezone.localdate()

    def close(_):
        batch, created = clearing.close_period(
            market_id=world["market"].pk, period_start=today, period_end=today
        )
        return batch.pk, created

    results = run_together(close, [1, 2])

    assert sorted(created for _pk, created in results) == [False, True]
    assert len({pk for pk, _created in results}) == 1
    assert Transfer.objects.filter(kind=TransferKind.CLEARING).count() == 1
    assert Payout.objects.count() == 2
    assert ledger_problems() == []
