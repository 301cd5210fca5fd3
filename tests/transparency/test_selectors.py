"""The transparency sums where the history takes the rarer roads: payments given back to the
wallet or to the programme's fund, and money spent outside the programme's market."""

import datetime
import pickle
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from ledger import services as ledger
from ledger.enums import TransferKind
from ledger.selectors import ledger_problems
from tests.factories import BumdesFactory, SellerFactory, VillageFactory, category
from tests.settlement.test_posting import counter_sale_paid_by_voucher
from tests.transparency import ledger_sums
from tests.transparency.test_pages import amount
from tests.vouchers.factories import BeneficiaryFactory, ProgrammeFactory, credit
from transparency import selectors
from villages.enums import BumdesKind, Role
from vouchers import accounts
from vouchers.enums import ChargeStatus
from vouchers.models import VoucherCharge

pytestmark = pytest.mark.django_db


def side(two_villages, key, seller=None):
    people = two_villages["people"][key]
    return {
        "village": seller.village if seller else two_villages[key],
        "people": {str(role): person for role, person in people.items()},
        "seller": seller or people[Role.SELLER_STAFF].memberships.get().seller,
    }


def give_back(charge, *, to_fund):
    """What cancelling the charge's fulfilment does (vouchers.services.spending)."""
    programme = charge.wallet.programme
    ledger.move(
        key=f"refund:payment:test-{charge.pk}",
        kind=TransferKind.EXPIRE if to_fund else TransferKind.REFUND,
        source=accounts.voucher_in_flight(programme),
        destination=(
            accounts.programme_fund(programme)
            if to_fund
            else accounts.wallet_account(charge.wallet)
        ),
        amount=charge.amount,
        village_id=programme.village_id,
    )
    charge.status = ChargeStatus.RETURNED_TO_PROGRAMME if to_fund else ChargeStatus.REFUNDED
    charge.save(update_fields=["status"])


@pytest.fixture
def home_programme(two_villages):
    category("beras")
    return ProgrammeFactory(village=two_villages["home"], market=two_villages["market"])


def test_payments_given_back_are_not_spent(client, two_villages, home_programme):
    home = side(two_villages, "home")
    sales = [
        counter_sale_paid_by_voucher(home, programme=home_programme, amount=amount)
        for amount in (50_000, 30_000, 20_000)
    ]
    charges = [VoucherCharge.objects.get(counter_sale=sale) for sale in sales]
    give_back(charges[1], to_fund=False)  # cancelled: back to the wallet
    give_back(charges[2], to_fund=True)  # cancelled after the money expired: to the fund

    figures, _months = selectors.aid_by_village([two_villages["home"].pk])
    aid = figures[two_villages["home"].pk]

    expected = ledger_sums.aid([two_villages["home"].pk])
    assert (aid.issued, aid.spent, aid.returned_to_programme) == (900_000, 50_000, 20_000)
    assert aid.spent == expected["spent"] - 20_000 == expected["charged"]
    assert aid.outstanding == expected["outstanding"] == 900_000 - 50_000 - 20_000
    assert aid.expired == 0
    assert aid.reconciled
    html = client.get(
        reverse("transparency:village", kwargs={"village_slug": two_villages["home"].slug})
    ).content.decode()
    assert amount(html, "figure-returned") == 20_000
    assert amount(html, "figure-spent") == 50_000
    assert ledger_problems() == []


def test_spending_is_placed_by_the_programmes_market(two_villages, home_programme):
    outside = SellerFactory(village=VillageFactory(name="Wonosari", slug="wonosari"))
    in_village = side(two_villages, "home")
    in_market = side(two_villages, "other")
    elsewhere = side(two_villages, "home", seller=outside)
    counter_sale_paid_by_voucher(in_village, programme=home_programme, amount=40_000)
    counter_sale_paid_by_voucher(in_market, programme=home_programme, amount=25_000)
    counter_sale_paid_by_voucher(elsewhere, programme=home_programme, amount=10_000)
    # A programme for the village only: the other village of the market is not its market.
    own_only = ProgrammeFactory(village=two_villages["home"], market=None)
    counter_sale_paid_by_voucher(in_market, programme=own_only, amount=7_000)

    figures, _months = selectors.aid_by_village([two_villages["home"].pk])
    aid = figures[two_villages["home"].pk]

    assert (aid.spent_in_village, aid.spent_in_market, aid.spent_outside) == (
        40_000,
        25_000,
        10_000 + 7_000,
    )
    assert aid.spent == 82_000
    assert aid.in_village_percent == 49  # 40.000 of 82.000
    assert aid.reconciled


def test_a_village_without_programmes_has_nothing(two_villages):
    figures, months = selectors.aid_by_village([two_villages["other"].pk], by_month=True)

    assert figures == {}
    assert months == {}
    data = selectors.village_transparency(village=two_villages["other"])
    assert data.aid == selectors.AidFigures()
    assert data.aid.reconciled
    assert (data.bumdes, data.batches, data.months) == ([], [], [])


def test_a_village_shows_its_own_bumdes_and_the_shared_ones_it_owns(two_villages):
    home, other = two_villages["home"], two_villages["other"]
    own = BumdesFactory(village=home, name="BUMDes Panggung Lestari")
    shared = BumdesFactory(
        village=None,
        kind=BumdesKind.BERSAMA,
        name="BUM Desa Bersama Bantul Makmur",
        legal_name="BUM Desa Bersama Bantul Makmur",
    )
    shared.member_villages.set([home, other])
    BumdesFactory(village=VillageFactory(), name="BUMDes Elsewhere")

    names = [b.name for b in selectors.village_transparency(village=home).bumdes]
    other_names = [b.name for b in selectors.village_transparency(village=other).bumdes]

    assert names == ["BUM Desa Bersama Bantul Makmur", "BUMDes Panggung Lestari"]
    assert other_names == ["BUM Desa Bersama Bantul Makmur"]
    market = selectors.market_transparency(market=two_villages["market"])
    assert [b.bumdes_id for b in market.bumdes] == [shared.pk, own.pk]


def at(moment, monkeypatch, action):
    with monkeypatch.context() as patch:
        patch.setattr(timezone, "now", lambda: moment)
        return action()


def test_months_follow_the_calendar_of_jakarta(two_villages, home_programme, monkeypatch):
    jakarta = zoneinfo.ZoneInfo("Asia/Jakarta")
    first = timezone.localdate().replace(day=1)
    last_month = (first - datetime.timedelta(days=1)).replace(day=15)
    # Half past midnight on the 1st in Jakarta is still the month before in UTC.
    just_after_midnight = datetime.datetime.combine(first, datetime.time(0, 30), tzinfo=jakarta)
    mid_last_month = datetime.datetime.combine(last_month, datetime.time(12), tzinfo=jakarta)
    beneficiary = BeneficiaryFactory(village=two_villages["home"])
    at(mid_last_month, monkeypatch, lambda: credit(beneficiary, home_programme, 50_000))
    at(just_after_midnight, monkeypatch, lambda: credit(beneficiary, home_programme, 100_000))

    data = selectors.village_transparency(village=two_villages["home"])

    assert [(m.month, m.issued) for m in data.months] == [
        (last_month.replace(day=1), 50_000),
        (first, 100_000),
    ]
    assert data.aid.issued == 150_000


def test_the_figures_survive_the_cache(history):
    """What the cache keeps (pickled, as Redis does) is what was computed."""
    data = selectors.market_transparency(market=history.market)
    overview = selectors.market_summaries()

    assert pickle.loads(pickle.dumps(data)) == data  # noqa: S301  # our own figures
    assert pickle.loads(pickle.dumps(overview)) == overview  # noqa: S301  # our own figures
