"""Profit sharing: commissions less costs, the community's share to its fund, once."""

import datetime

import pytest
from django.utils import timezone

from ledger.enums import AccountKind, TransferKind
from ledger.models import Account, Entry, Transfer
from ledger.selectors import ledger_problems
from settlement.models import BersamaSplit, BumdesCost, ProfitRule, ProfitShare
from settlement.services import profit
from tests.factories import BumdesFactory, SellerFactory
from tests.settlement.test_clearing import build_world, voucher_sale
from tests.vouchers.factories import ProgrammeFactory
from villages.enums import BumdesKind, SellerKind

pytestmark = pytest.mark.django_db


def fund(village):
    account = Account.objects.filter(kind=AccountKind.COMMUNITY_FUND, owner_id=village.pk).first()
    return account.balance if account else 0


def close_today(bumdes, today):
    return profit.close_profit_period(bumdes_id=bumdes.pk, period_start=today, period_end=today)


def add_cost(admin, bumdes, amount, key, spent_on=None):
    return profit.record_cost(
        acting_user=admin,
        bumdes_id=bumdes.pk,
        amount=amount,
        description="Listrik kios",
        spent_on=spent_on or timezone.localdate(),
        idempotency_key=key,
    )


def test_half_of_commissions_less_costs_goes_to_the_community_fund(two_villages, monkeypatch):
    world = build_world(two_villages)
    home = world["home"]
    today = timezone.localdate()
    add_cost(home["admin"], home["bumdes"], 1_001, "c1")
    later = timezone.now() + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: later)

    share, created = close_today(home["bumdes"], today)

    # Home earned 5% of 120.000 in vouchers; less the 1.001 cost: 4.999, half rounded down.
    assert created
    assert (share.commissions, share.costs, share.profit) == (6_000, 1_001, 4_999)
    assert (share.community_share, share.retained) == (2_499, 2_500)
    assert fund(home["village"]) == 2_499
    assert list(share.lines.values_list("village_id", "amount")) == [(home["village"].pk, 2_499)]
    transfer = Transfer.objects.get(kind=TransferKind.PROFIT_SHARE)
    assert transfer.key == f"profit:{home['bumdes'].pk}:{today.isoformat()}"
    commission_account = Account.objects.get(
        kind=AccountKind.BUMDES_COMMISSION, owner_id=home["bumdes"].pk
    )
    assert commission_account.balance == 6_000 - 1_001 - 2_499
    assert ledger_problems() == []


def test_closing_twice_shares_once(two_villages, monkeypatch):
    world = build_world(two_villages)
    today = timezone.localdate()
    later = timezone.now() + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    first, _created = close_today(world["home"]["bumdes"], today)

    again, created = close_today(world["home"]["bumdes"], today)

    assert (again, created) == (first, False)
    assert Transfer.objects.filter(kind=TransferKind.PROFIT_SHARE).count() == 1
    assert fund(world["home"]["village"]) == 3_000
    assert ledger_problems() == []


def test_the_month_is_closed_for_every_bumdes_once(two_villages, monkeypatch):
    world = build_world(two_villages)
    month_start, month_end = profit.month_of(timezone.localdate())
    later = timezone.now() + datetime.timedelta(days=40)
    monkeypatch.setattr(timezone, "now", lambda: later)

    created = profit.close_month(day_in_month=month_start)
    again = profit.close_month(day_in_month=month_end)

    assert len(created) == 2
    assert again == []
    shares = {s.bumdes_id: s for s in ProfitShare.objects.filter(pk__in=created)}
    assert shares[world["home"]["bumdes"].pk].community_share == 3_000
    assert shares[world["other"]["bumdes"].pk].community_share == 750
    assert (shares[world["home"]["bumdes"].pk].period_start, month_end) == (
        month_start,
        shares[world["home"]["bumdes"].pk].period_end,
    )
    assert Transfer.objects.filter(kind=TransferKind.PROFIT_SHARE).count() == 2


def test_no_share_without_a_profit(two_villages, monkeypatch):
    world = build_world(two_villages)
    other = world["other"]
    add_cost(other["admin"], other["bumdes"], 5_000, "c1")  # earned 1.500 only
    today = timezone.localdate()
    later = timezone.now() + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: later)

    share, _created = close_today(other["bumdes"], today)

    assert (share.profit, share.community_share, share.retained) == (-3_500, 0, -3_500)
    assert share.transfer_key == ""
    assert not Transfer.objects.filter(kind=TransferKind.PROFIT_SHARE).exists()


def test_the_rule_sets_the_community_share(two_villages, monkeypatch):
    world = build_world(two_villages)
    home = world["home"]
    ProfitRule.objects.create(bumdes=home["bumdes"], community_share_bp=3_000)
    today = timezone.localdate()
    later = timezone.now() + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: later)

    share, _created = close_today(home["bumdes"], today)

    assert (share.community_share, share.retained) == (1_800, 4_200)


def test_a_cost_is_recorded_once_per_key_and_posted(two_villages):
    world = build_world(two_villages)
    home = world["home"]

    first, created = add_cost(home["admin"], home["bumdes"], 2_000, "same")
    again, created_again = add_cost(home["admin"], home["bumdes"], 2_000, "same")

    assert (created, created_again, again) == (True, False, first)
    assert BumdesCost.objects.count() == 1
    costs = Account.objects.get(kind=AccountKind.BUMDES_COSTS, owner_id=home["bumdes"].pk)
    assert costs.balance == 2_000
    assert Transfer.objects.get(kind=TransferKind.COST).key == f"cost:{first.pk}"


def test_costs_in_a_closed_period_or_the_future_are_refused(two_villages, monkeypatch):
    world = build_world(two_villages)
    home = world["home"]
    today = timezone.localdate()
    later = timezone.now() + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    close_today(home["bumdes"], today)

    with pytest.raises(profit.CostInClosedPeriod):
        add_cost(home["admin"], home["bumdes"], 1_000, "late", spent_on=today)
    with pytest.raises(profit.CostInFuture):
        add_cost(
            home["admin"], home["bumdes"], 1_000, "soon", spent_on=today + datetime.timedelta(9)
        )
    with pytest.raises(profit.InvalidCost):
        add_cost(home["admin"], home["bumdes"], 0, "zero")
    assert not BumdesCost.objects.exists()
    assert not Transfer.objects.filter(kind=TransferKind.COST).exists()


def test_a_period_not_over_is_not_closed(two_villages):
    world = build_world(two_villages)
    with pytest.raises(profit.PeriodNotOver):
        close_today(world["home"]["bumdes"], timezone.localdate())
    assert not ProfitShare.objects.exists()


def bersama_world(two_villages, split):
    """A BUM Desa Bersama of both villages, whose unit sells in each village by voucher:
    Rp200.000 at home and Rp100.000 at the other village; Rp15.000 of commission."""
    home, other = two_villages["home"], two_villages["other"]
    bersama = BumdesFactory(
        village=None, kind=BumdesKind.BERSAMA, name="BUMDesma Bantul", legal_name="BUMDesma"
    )
    bersama.member_villages.set([home, other])
    ProfitRule.objects.create(bumdes=bersama, community_share_bp=5_000, bersama_split=split)
    programme = ProgrammeFactory(village=home, market=two_villages["market"])
    for village, amount in ((home, 200_000), (other, 100_000)):
        unit = SellerFactory(village=village, kind=SellerKind.BUMDES_UNIT, bumdes=bersama)
        staff = two_villages["people"]["home"]["seller_staff"]
        seller_side = {"seller": unit, "village": village, "people": {"seller_staff": staff}}
        voucher_sale(seller_side, programme=programme, amount=amount)
    from settlement.services import posting

    posting.sweep()
    return bersama


@pytest.mark.parametrize(
    ("split", "home_part", "other_part"),
    [(BersamaSplit.EQUAL, 3_750, 3_750), (BersamaSplit.BY_TRANSACTIONS, 5_000, 2_500)],
)
def test_a_bersama_splits_the_community_share_among_its_villages(
    two_villages, monkeypatch, split, home_part, other_part
):
    bersama = bersama_world(two_villages, split)
    today = timezone.localdate()
    later = timezone.now() + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: later)

    share, _created = close_today(bersama, today)

    home, other = two_villages["home"], two_villages["other"]
    assert (share.commissions, share.community_share) == (15_000, 7_500)
    lines = dict(share.lines.values_list("village_id", "amount"))
    assert lines == {home.pk: home_part, other.pk: other_part}
    assert sum(lines.values()) == share.community_share
    assert (fund(home), fund(other)) == (home_part, other_part)
    assert ledger_problems() == []


def test_a_split_sums_exactly_and_gives_leftover_rupiah_deterministically():
    assert profit.split(10, {3: 1, 1: 1, 2: 1}) == {1: 4, 2: 3, 3: 3}
    assert profit.split(100, {1: 1, 2: 2}) == {1: 33, 2: 67}
    assert profit.split(7, {5: 0, 6: 0}) == {5: 4, 6: 3}
    assert sum(profit.split(999_999, {1: 7, 2: 11, 3: 13}).values()) == 999_999


def test_profit_figures_reconcile_with_the_ledger(two_villages, monkeypatch):
    world = build_world(two_villages)
    home = world["home"]
    add_cost(home["admin"], home["bumdes"], 700, "c1")
    today = timezone.localdate()
    later = timezone.now() + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: later)

    share, _created = close_today(home["bumdes"], today)

    earned = sum(
        Entry.objects.filter(
            account__kind=AccountKind.BUMDES_COMMISSION,
            account__owner_id=home["bumdes"].pk,
            transfer__kind__in=[TransferKind.SETTLE, TransferKind.COMMISSION],
        ).values_list("amount", flat=True)
    )
    spent = sum(
        Entry.objects.filter(
            account__kind=AccountKind.BUMDES_COSTS, transfer__kind=TransferKind.COST
        ).values_list("amount", flat=True)
    )
    to_fund = sum(
        Entry.objects.filter(account__kind=AccountKind.COMMUNITY_FUND).values_list(
            "amount", flat=True
        )
    )
    assert (share.commissions, share.costs, share.community_share) == (earned, spent, to_fund)


def test_the_monthly_task_closes_last_month_once(two_villages):
    from settlement import tasks

    home = BumdesFactory(village=two_villages["home"])
    first_of_month = timezone.localdate().replace(day=1)
    last_month_end = first_of_month - datetime.timedelta(days=1)

    created = tasks.close_profit_month()
    again = tasks.close_profit_month()

    share = ProfitShare.objects.get(pk=created[0])
    assert (share.bumdes, share.period_end, share.profit) == (home, last_month_end, 0)
    assert share.period_start == last_month_end.replace(day=1)
    assert again == []
