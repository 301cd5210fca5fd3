"""The official's aid report: every figure adds up, and agrees with the ledger to the rupiah.

The history is written the way the voucher services record it: ISSUE, SPEND, REFUND and
EXPIRE transfers through ``ledger.services``, each payment with its charge and lines.
"""

import datetime
import itertools

import pytest
from django.db.models import Sum
from django.utils import timezone

from ledger import services as ledger
from ledger.enums import AccountKind, TransferKind
from ledger.models import Entry, Transfer
from ledger.selectors import ledger_problems
from orders.enums import DeliveryMethod, PaymentMethod
from orders.models import Fulfilment, Order, Payment
from tests.factories import SellerFactory, UserFactory, VillageFactory, category
from tests.vouchers.factories import BeneficiaryFactory, ProgrammeFactory
from villages.enums import Role
from vouchers import accounts
from vouchers.enums import ChargeChannel, ChargeStatus
from vouchers.models import CounterSale, VoucherCharge, VoucherChargeLine
from vouchers.rules import add_months, month_start
from vouchers.selectors.reports import (
    MonthOutOfRange,
    percent,
    programme_report,
    top_with_others,
)

_keys = itertools.count(1)


# --- Recording money the way the voucher services do -------------------------------------


def issue(programme, beneficiary, month, amount=None):
    """Month ``month`` credited to ``beneficiary``'s wallet; returns the wallet."""
    wallet = accounts.wallet_for(beneficiary, programme)
    ledger.move(
        key=f"issue:{programme.pk}:{month}:{beneficiary.pk}",
        kind=TransferKind.ISSUE,
        source=accounts.programme_fund(programme),
        destination=accounts.wallet_account(wallet),
        amount=amount or programme.amount_per_month,
        village_id=programme.village_id,
        details={"month": month},
    )
    return wallet


def _at(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 30)))


def spend(wallet, seller, lines, *, on, channel=ChargeChannel.COUNTER, cashier=None):
    """A voucher payment of ``lines`` ({category slug: rupiah}) at ``seller`` on day ``on``."""
    programme = wallet.programme
    amount = sum(lines.values())
    n = next(_keys)
    if channel == ChargeChannel.COUNTER:
        sale = CounterSale.objects.create(
            seller=seller,
            beneficiary=wallet.beneficiary,
            cashier=cashier or _cashier(seller),
            idempotency_key=f"sale-{n}",
            total=amount,
            voucher_amount=amount,
            cash_amount=0,
        )
        key, link = f"spend:counter:{sale.pk}", {"counter_sale": sale}
    else:
        payment = _voucher_payment(wallet, seller, amount, n)
        key, link = f"spend:payment:{payment.pk}", {"payment": payment}
    ledger.move(
        key=key,
        kind=TransferKind.SPEND,
        source=accounts.wallet_account(wallet),
        destination=accounts.voucher_in_flight(programme),
        amount=amount,
        village_id=programme.village_id,
    )
    charge = VoucherCharge.objects.create(
        wallet=wallet,
        channel=channel,
        seller=seller,
        seller_village=seller.village,
        amount=amount,
        transfer_key=key,
        **link,
    )
    VoucherChargeLine.objects.bulk_create(
        VoucherChargeLine(charge=charge, category=category(slug), amount=part)
        for slug, part in lines.items()
    )
    VoucherCharge.objects.filter(pk=charge.pk).update(created_at=_at(on))
    return charge


def refund(charge, *, to_programme=False, kind=None):
    """The whole charge back to the wallet, or (when it expired meanwhile) to the fund: the
    spending service books the latter as EXPIRE from in flight to the fund."""
    programme = charge.wallet.programme
    destination = (
        accounts.programme_fund(programme)
        if to_programme
        else accounts.wallet_account(charge.wallet)
    )
    ledger.move(
        key=f"refund:{charge.transfer_key}",
        kind=kind or (TransferKind.EXPIRE if to_programme else TransferKind.REFUND),
        source=accounts.voucher_in_flight(programme),
        destination=destination,
        amount=charge.amount,
        village_id=programme.village_id,
    )
    charge.status = ChargeStatus.RETURNED_TO_PROGRAMME if to_programme else ChargeStatus.REFUNDED
    charge.save(update_fields=["status"])


def expire(wallet, month, amount):
    programme = wallet.programme
    ledger.move(
        key=f"expire:{programme.pk}:{month}:{wallet.pk}",
        kind=TransferKind.EXPIRE,
        source=accounts.wallet_account(wallet),
        destination=accounts.programme_fund(programme),
        amount=amount,
        village_id=programme.village_id,
        details={"month": month},
    )


def _cashier(seller):
    from tests.factories import member

    return member(seller.village, Role.SELLER_STAFF, seller=seller)


def _voucher_payment(wallet, seller, amount, n):
    order = Order.objects.create(
        number=f"T{n:08d}",
        buyer=UserFactory(),
        idempotency_key=f"order-{n}",
        recipient_name="Bu Sumarni",
        contact_phone="+6281234567890",
        delivery_village=wallet.beneficiary.village,
        goods_total=amount,
        delivery_total=0,
        total=amount,
    )
    fulfilment = Fulfilment.objects.create(
        order=order,
        seller=seller,
        village=seller.village,
        delivery_method=DeliveryMethod.PICKUP,
        status_changed_at=timezone.now(),
        goods_total=amount,
        total=amount,
    )
    return Payment.objects.create(
        fulfilment=fulfilment, method=PaymentMethod.VOUCHER, amount=amount
    )


def mixed_history(home, other, market):
    """Two months issued to three beneficiaries of ``home``; spent online and at the counter
    at sellers of ``home``, ``other`` (same market) and a village outside the market; one
    charge refunded to its wallet, one returned to the programme; part of a wallet expired.

    Returns a dict with the programme, its sellers and wallets.
    """
    first = add_months(timezone.localdate().replace(day=1), -2)  # months 1 and 2 are past
    programme = ProgrammeFactory(village=home, market=market, first_month=first)
    far = VillageFactory(name="Desa Jauh", slug="desa-jauh")
    home_seller = SellerFactory(village=home, name="Warung Bu Tini")
    other_seller = SellerFactory(village=other, name="Toko Sriharjo")
    far_seller = SellerFactory(village=far, name="Toko Jauh")
    b1, b2, b3 = (BeneficiaryFactory(village=home) for _ in range(3))
    w1, w2, w3 = (issue(programme, b, 1) for b in (b1, b2, b3))
    issue(programme, b1, 2)
    issue(programme, b2, 2)
    day1 = month_start(programme, 1) + datetime.timedelta(days=3)
    day2 = month_start(programme, 2) + datetime.timedelta(days=27)
    spend(w1, home_seller, {"beras": 50_000, "telur": 20_000}, on=day1)
    spend(w1, other_seller, {"beras": 40_000}, on=day2, channel=ChargeChannel.ONLINE)
    spend(w2, other_seller, {"minyak-goreng": 30_000, "gula": 15_000}, on=day1)
    cancelled = spend(w2, home_seller, {"telur": 25_000}, on=day2, channel=ChargeChannel.ONLINE)
    refund(cancelled)
    late = spend(w3, far_seller, {"beras": 60_000}, on=day1)
    refund(late, to_programme=True)
    spend(w3, home_seller, {"sayur": 10_000}, on=day2)
    spend(w1, far_seller, {"buah": 5_000}, on=day2)
    expire(w3, 1, 200_000)
    return {
        "programme": programme,
        "sellers": (home_seller, other_seller, far_seller),
        "wallets": (w1, w2, w3),
    }


@pytest.fixture
def history(two_villages):
    return {
        **two_villages,
        **mixed_history(two_villages["home"], two_villages["other"], two_villages["market"]),
    }


# --- Ledger sums the report is held to ------------------------------------------------------


def ledger_sum(programme, account_kind, transfer_kind, owners=None):
    owners = owners or [programme.pk]
    return (
        Entry.objects.filter(
            account__kind=account_kind,
            account__owner_id__in=owners,
            transfer__kind=transfer_kind,
        ).aggregate(s=Sum("amount"))["s"]
        or 0
    )


# --- The whole programme ---------------------------------------------------------------------


@pytest.mark.django_db
def test_whole_programme_figures_are_exact(history):
    report = programme_report(history["programme"])

    assert report.issued == 1_500_000
    assert report.spent == 170_000
    assert report.refunded == 25_000
    assert report.returned_to_programme == 60_000
    assert report.expired == 200_000
    assert report.outstanding == 1_070_000
    assert report.beneficiaries_issued == 3
    assert report.beneficiaries_spending == 3
    assert report.charges == 5
    assert report.spent_in_village == 80_000
    assert report.spent_elsewhere == 90_000
    assert report.spent_in_market == 165_000
    assert report.spent_outside_market == 5_000
    assert report.in_village_percent == 47  # 80/170 = 47.06%
    assert report.in_market_percent == 97
    assert report.reconciled is True
    assert ledger_problems() == []


@pytest.mark.django_db
def test_whole_programme_reconciles_with_the_ledger(history):
    programme = history["programme"]
    report = programme_report(programme)
    wallet_ids = [w.pk for w in history["wallets"]]

    # Issued less spent, expired and returned is what the wallets hold.
    assert report.issued - report.spent - report.expired - report.returned_to_programme == (
        report.outstanding
    )
    assert report.balance_check == report.outstanding
    # Each figure is the sum of its ledger entries.
    fund, flight, wallet = (
        AccountKind.PROGRAMME_FUND,
        AccountKind.VOUCHER_IN_FLIGHT,
        AccountKind.BENEFICIARY_WALLET,
    )
    assert report.issued == -ledger_sum(programme, fund, TransferKind.ISSUE)
    assert report.issued == ledger_sum(programme, wallet, TransferKind.ISSUE, wallet_ids)
    assert report.expired == -ledger_sum(programme, wallet, TransferKind.EXPIRE, wallet_ids)
    # Into the fund came what expired in wallets and what was given back from in flight.
    assert report.expired + report.returned_to_programme == ledger_sum(
        programme, fund, TransferKind.EXPIRE
    ) + ledger_sum(programme, fund, TransferKind.REFUND)
    assert report.returned_to_programme + report.refunded == -ledger_sum(
        programme, flight, TransferKind.EXPIRE
    ) - ledger_sum(programme, flight, TransferKind.REFUND)
    assert report.refunded == ledger_sum(programme, wallet, TransferKind.REFUND, wallet_ids)
    gross = ledger_sum(programme, flight, TransferKind.SPEND)
    assert gross == -ledger_sum(programme, wallet, TransferKind.SPEND, wallet_ids)
    assert report.spent == gross - report.refunded - report.returned_to_programme
    assert report.outstanding == sum(accounts.wallet_account(w).balance for w in history["wallets"])
    # The in-flight account holds exactly what was spent and not refunded.
    assert accounts.voucher_in_flight(programme).balance == report.spent
    # The breakdowns each add up to what was spent.
    assert sum(s.amount for s in report.by_category) == report.spent
    assert sum(s.amount for s in report.by_seller) == report.spent
    assert sum(s.amount for s in report.sellers) == report.spent
    assert sum(s.amount for s in report.by_village) == report.spent
    assert ledger_problems() == []


@pytest.mark.django_db
def test_spent_by_category_and_seller_and_village(history):
    home_seller, other_seller, far_seller = history["sellers"]
    report = programme_report(history["programme"])

    assert [(s.key, s.amount) for s in report.by_category] == [
        ("beras", 90_000),
        ("minyak-goreng", 30_000),
        ("telur", 20_000),
        ("gula", 15_000),
        ("sayur", 10_000),
        ("buah", 5_000),
    ]
    assert [(s.label, s.amount, s.charges, s.own_village, s.in_market) for s in report.sellers] == [
        (other_seller.name, 85_000, 2, False, True),
        (home_seller.name, 80_000, 2, True, True),
        (far_seller.name, 5_000, 1, False, False),
    ]
    assert [(s.label, s.amount, s.own_village) for s in report.by_village] == [
        ("Sriharjo", 85_000, False),
        ("Panggungharjo", 80_000, True),
        ("Desa Jauh", 5_000, False),
    ]


@pytest.mark.django_db
def test_a_charge_returned_to_the_fund_as_a_refund_reconciles_too(two_villages):
    """Whichever kind the return to the fund is booked as, it is not expiry."""
    home = two_villages["home"]
    programme = ProgrammeFactory(village=home, market=two_villages["market"])
    wallet = issue(programme, BeneficiaryFactory(village=home), 1)
    charge = spend(wallet, SellerFactory(village=home), {"beras": 40_000}, on=timezone.localdate())
    refund(charge, to_programme=True, kind=TransferKind.REFUND)
    report = programme_report(programme)
    assert (report.spent, report.returned_to_programme, report.expired) == (0, 40_000, 0)
    assert report.outstanding == report.balance_check == 260_000
    assert report.reconciled is True
    assert ledger_problems() == []


@pytest.mark.django_db
def test_a_failed_charge_row_shows_as_not_reconciled(history):
    """A SPEND transfer with no charge (a service that failed half-way) is caught."""
    programme = history["programme"]
    w1 = history["wallets"][0]
    ledger.move(
        key="spend:payment:orphan",
        kind=TransferKind.SPEND,
        source=accounts.wallet_account(w1),
        destination=accounts.voucher_in_flight(programme),
        amount=1_000,
        village_id=programme.village_id,
    )
    report = programme_report(programme)
    assert report.reconciled is False
    assert report.ledger.spent == report.spent + 1_000


@pytest.mark.django_db
def test_a_correction_the_report_cannot_place_shows_as_not_reconciled(history):
    """A reversed issue is no ISSUE, SPEND, REFUND or EXPIRE: the books still balance, but
    the report's figures would not add up to the wallets, and it says so."""
    programme = history["programme"]
    w1 = history["wallets"][0]
    issued = Transfer.objects.get(key=f"issue:{programme.pk}:2:{w1.beneficiary_id}")
    ledger.reverse(issued, key=f"correct:{issued.key}")
    report = programme_report(programme)
    assert report.balance_check - report.outstanding == programme.amount_per_month
    assert report.reconciled is False
    assert ledger_problems() == []


# --- One month ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_month_reports_split_by_transfer_month_and_charge_date(history):
    programme = history["programme"]
    first = programme_report(programme, 1)
    second = programme_report(programme, 2)
    third = programme_report(programme, 3)

    assert (first.issued, first.spent, first.refunded, first.returned_to_programme) == (
        900_000,
        115_000,
        0,
        60_000,
    )
    assert first.expired == 200_000
    assert first.beneficiaries_issued == 3
    assert first.beneficiaries_spending == 2
    assert (second.issued, second.spent, second.refunded, second.returned_to_programme) == (
        600_000,
        55_000,
        25_000,
        0,
    )
    assert second.expired == 0
    assert second.beneficiaries_issued == 2
    assert (third.issued, third.spent, third.expired) == (0, 0, 0)
    # The months add up to the whole programme.
    whole = programme_report(programme)
    for name in ("issued", "spent", "refunded", "returned_to_programme", "expired", "charges"):
        assert getattr(first, name) + getattr(second, name) + getattr(third, name) == getattr(
            whole, name
        ), name
    assert sum(s.amount for s in first.by_category) == first.spent
    assert sum(s.amount for s in second.by_seller) == second.spent
    assert first.reconciled is None  # the ledger check is for the whole programme
    assert first.outstanding == whole.outstanding  # the wallets now
    assert (first.period_start, first.period_end) == (
        month_start(programme, 1),
        month_start(programme, 2),
    )


@pytest.mark.django_db
def test_a_month_outside_the_programme_is_refused(history):
    programme = history["programme"]
    for month in (0, -1, programme.months + 1):
        with pytest.raises(MonthOutOfRange):
            programme_report(programme, month)


@pytest.mark.django_db
def test_another_programme_is_not_counted(history):
    """A second programme of the same village, with its own money, changes nothing."""
    programme = history["programme"]
    before = programme_report(programme)
    second = ProgrammeFactory(village=programme.village, market=history["market"])
    beneficiary = BeneficiaryFactory(village=programme.village)
    wallet = issue(second, beneficiary, 1)
    spend(wallet, history["sellers"][0], {"beras": 7_000}, on=timezone.localdate())
    after = programme_report(programme)
    assert after == before
    assert programme_report(second).spent == 7_000


@pytest.mark.django_db
def test_an_empty_programme_reports_zeros(two_villages):
    programme = ProgrammeFactory(village=two_villages["home"], market=two_villages["market"])
    report = programme_report(programme)
    assert (report.issued, report.spent, report.outstanding, report.expired) == (0, 0, 0, 0)
    assert report.by_category == report.by_seller == report.by_village == []
    assert report.in_village_percent == 0
    assert report.reconciled is True


@pytest.mark.django_db
def test_query_count_does_not_grow_with_the_data(two_villages, django_assert_num_queries):
    home, other = two_villages["home"], two_villages["other"]
    programme = ProgrammeFactory(village=home, market=two_villages["market"])
    sellers = [SellerFactory(village=v) for v in (home, other) for _ in range(4)]
    today = timezone.localdate()
    for i in range(30):
        wallet = issue(programme, BeneficiaryFactory(village=home), 1)
        spend(wallet, sellers[i % len(sellers)], {"beras": 10_000, "telur": 5_000}, on=today)
    programme = type(programme).objects.get(pk=programme.pk)
    with django_assert_num_queries(6):
        report = programme_report(programme)
    with django_assert_num_queries(6):
        programme_report(programme, 1)
    assert report.spent == 30 * 15_000
    assert [s.key for s in report.by_seller][-1] == "others"
    assert len(report.by_seller) == 6
    assert sum(s.amount for s in report.by_seller) == report.spent


def test_percent_rounds_half_up_and_survives_nothing():
    assert percent(1, 3) == 33
    assert percent(2, 3) == 67
    assert percent(1, 200) == 1  # 0.5% rounds up
    assert percent(5, 0) == 0


def test_top_with_others_keeps_a_lone_last_seller_by_name():
    from vouchers.selectors.reports import Share

    shares = [Share(key=str(i), label=f"S{i}", amount=10 - i) for i in range(4)]
    assert top_with_others(shares, 3) == shares  # one "other" would hide a name for nothing
    folded = top_with_others(shares, 2)
    assert [s.key for s in folded] == ["0", "1", "others"]
    assert folded[-1].amount == 8 + 7


@pytest.mark.django_db
def test_market_of_another_programme_village_counts_as_outside(two_villages):
    """A programme of the village only: other villages' sellers are outside its market."""
    home = two_villages["home"]
    programme = ProgrammeFactory(village=home, market=None)
    wallet = issue(programme, BeneficiaryFactory(village=home), 1)
    spend(wallet, SellerFactory(village=home), {"beras": 9_000}, on=timezone.localdate())
    spend(
        wallet,
        SellerFactory(village=two_villages["other"]),
        {"beras": 1_000},
        on=timezone.localdate(),
    )
    report = programme_report(programme)
    assert (report.spent_in_village, report.spent_in_market) == (9_000, 9_000)
    assert report.in_market_percent == 90
