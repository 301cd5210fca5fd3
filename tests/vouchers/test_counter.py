"""Counter sales with a voucher card and PIN: what the voucher pays, what is left in cash."""

import pytest
from django.utils import translation

from catalog.exceptions import InsufficientStock
from catalog.models import Product, StockMovement
from ledger.enums import AccountKind
from ledger.models import Account, Transfer
from ledger.selectors import ledger_problems
from tests.factories import member
from tests.vouchers.counter_world import PIN, counter_world, stocked
from tests.vouchers.factories import ProgrammeFactory, credit
from villages.enums import Role
from villages.exceptions import NotAllowedForVillage
from vouchers import accounts
from vouchers.enums import ChargeChannel, ProgrammeStatus
from vouchers.models import PIN_ATTEMPTS_BEFORE_LOCK, Beneficiary, CounterSale, VoucherCharge
from vouchers.selectors import counter as counter_selectors
from vouchers.selectors.counter import CardNotFound, CounterLinesInvalid
from vouchers.services import cards
from vouchers.services.cards import CardLocked, WrongPin
from vouchers.services.counter import BeneficiaryInactive, CounterKeyInvalid, charge_at_counter


@pytest.fixture
def world(two_villages):
    return counter_world(two_villages)


def charge(world, *lines, pin=PIN, key="sale-1", user=None, card=None, seller=None):
    return charge_at_counter(
        acting_user=user or world["cashier"],
        seller_id=(seller or world["seller"]).pk,
        card_number=card or world["beneficiary"].card_number,
        pin=pin,
        lines=[(product.pk, quantity) for product, quantity in lines],
        idempotency_key=key,
    )


def balance(wallet):
    return accounts.wallet_account(wallet).balance if wallet else 0


def stock(product):
    return Product.objects.get(pk=product.pk).stock


def assert_nothing_written(world):
    assert CounterSale.objects.count() == 0
    assert VoucherCharge.objects.count() == 0
    assert not Transfer.objects.filter(kind="spend").exists()
    assert balance(world["wallet"]) == 300_000
    assert [stock(world[p]) for p in ("rice", "eggs", "soap")] == [20, 20, 20]


@pytest.mark.django_db
def test_card_and_pin_pay_the_staples_and_leave_the_rest_for_cash(world):
    sale = charge(world, (world["rice"], 2), (world["eggs"], 1), (world["soap"], 3))

    assert (sale.total, sale.voucher_amount, sale.cash_amount) == (71_000, 56_000, 15_000)
    assert sale.beneficiary == world["beneficiary"]
    assert sale.cashier == world["cashier"]
    assert [
        (line["name"], line["voucher_amount"], line["cash_amount"], line["reason"])
        for line in sale.lines
    ] == [
        ("Beras", 28_000, 0, "paid"),
        ("Telur", 28_000, 0, "paid"),
        ("Sabun", 0, 15_000, "not_staple"),
    ]
    # Stock taken, the wallet charged into the programme's voucher-in-flight account.
    assert [stock(world[p]) for p in ("rice", "eggs", "soap")] == [18, 19, 17]
    assert balance(world["wallet"]) == 300_000 - 56_000
    transfer = Transfer.objects.get(key=f"spend:counter:{sale.pk}")
    assert (transfer.kind, transfer.amount) == ("spend", 56_000)
    assert sorted(transfer.entries.values_list("account", "amount")) == sorted(
        [
            (accounts.wallet_account(world["wallet"]).pk, -56_000),
            (accounts.voucher_in_flight(world["programme"]).pk, 56_000),
        ]
    )
    charge_row = VoucherCharge.objects.get(counter_sale=sale)
    assert (charge_row.channel, charge_row.amount, charge_row.wallet) == (
        ChargeChannel.COUNTER,
        56_000,
        world["wallet"],
    )
    assert (charge_row.seller, charge_row.seller_village) == (world["seller"], world["home"])
    assert sorted(charge_row.lines.values_list("category__slug", "amount")) == [
        ("beras", 28_000),
        ("telur", 28_000),
    ]
    assert ledger_problems() == []


@pytest.mark.django_db
def test_a_short_balance_pays_what_it_holds_and_cash_the_rest(two_villages):
    world = counter_world(two_villages, balance=30_000)
    sale = charge(world, (world["rice"], 2), (world["eggs"], 1))
    assert (sale.total, sale.voucher_amount, sale.cash_amount) == (56_000, 30_000, 26_000)
    assert [
        (line["voucher_amount"], line["cash_amount"], line["reason"]) for line in sale.lines
    ] == [
        (28_000, 0, "paid"),
        (2_000, 26_000, "balance"),
    ]
    assert balance(world["wallet"]) == 0
    assert ledger_problems() == []


@pytest.mark.django_db
def test_a_card_without_a_voucher_pays_all_in_cash(two_villages):
    world = counter_world(two_villages, balance=0)
    sale = charge(world, (world["rice"], 1))
    assert (sale.voucher_amount, sale.cash_amount) == (0, 14_000)
    assert sale.lines[0]["reason"] == "no_programme"
    assert not VoucherCharge.objects.exists()
    assert stock(world["rice"]) == 19


@pytest.mark.django_db
def test_a_seller_outside_the_programmes_area_is_paid_in_cash(two_villages):
    world = counter_world(two_villages, balance=0)
    village_only = ProgrammeFactory(village=two_villages["home"], market=None)
    wallet = credit(world["beneficiary"], village_only, 100_000)
    other_cashier = two_villages["people"]["other"][Role.SELLER_STAFF]
    other_seller = other_cashier.memberships.get().seller
    rice = stocked(other_seller, name="Beras Sriharjo", slug="beras", price=12_000)
    sale = charge(world, (rice, 1), user=other_cashier, seller=other_seller)
    assert (sale.voucher_amount, sale.cash_amount) == (0, 12_000)
    assert sale.lines[0]["reason"] == "outside_area"
    assert balance(wallet) == 100_000


@pytest.mark.django_db
def test_the_market_programme_pays_at_another_village_of_its_market(world):
    other_cashier = world["people"]["other"][Role.SELLER_STAFF]
    other_seller = other_cashier.memberships.get().seller
    rice = stocked(other_seller, name="Beras Sriharjo", slug="beras", price=12_000)
    sale = charge(world, (rice, 2), user=other_cashier, seller=other_seller)
    assert (sale.voucher_amount, sale.cash_amount) == (24_000, 0)
    assert VoucherCharge.objects.get().seller_village == world["other"]


@pytest.mark.django_db
def test_a_closed_programme_does_not_pay(world):
    world["programme"].status = ProgrammeStatus.CLOSED
    world["programme"].save()
    sale = charge(world, (world["rice"], 1))
    assert (sale.voucher_amount, sale.cash_amount) == (0, 14_000)
    assert balance(world["wallet"]) == 300_000


@pytest.mark.django_db
def test_a_wrong_pin_is_refused_and_counted_and_nothing_is_sold(world):
    with translation.override("en"), pytest.raises(WrongPin) as error:
        charge(world, (world["rice"], 2), pin="135790")
    assert str(error.value.message) == "wrong PIN (4 tries left)"
    assert Beneficiary.objects.get(pk=world["beneficiary"].pk).pin_failures == 1
    assert_nothing_written(world)


@pytest.mark.django_db
def test_five_wrong_pins_at_the_counter_lock_the_card(world):
    for n in range(1, PIN_ATTEMPTS_BEFORE_LOCK):
        with pytest.raises(WrongPin):
            charge(world, (world["rice"], 1), pin="000001", key=f"try-{n}")
    with pytest.raises(CardLocked):
        charge(world, (world["rice"], 1), pin="000001", key="try-5")
    with pytest.raises(CardLocked):  # now even the right PIN
        charge(world, (world["rice"], 1), key="try-6")
    assert Beneficiary.objects.get(pk=world["beneficiary"].pk).pin_failures == 5
    assert_nothing_written(world)
    official = world["people"]["home"][Role.VILLAGE_OFFICIAL]
    cards.unlock_card(acting_user=official, beneficiary_id=world["beneficiary"].pk)
    assert charge(world, (world["rice"], 1), key="try-7").voucher_amount == 14_000


@pytest.mark.django_db
def test_a_right_pin_resets_the_count(world):
    Beneficiary.objects.filter(pk=world["beneficiary"].pk).update(pin_failures=4)
    charge(world, (world["rice"], 1))
    assert Beneficiary.objects.get(pk=world["beneficiary"].pk).pin_failures == 0


@pytest.mark.django_db
def test_the_same_form_twice_makes_one_sale(world):
    first = charge(world, (world["rice"], 2))
    second = charge(world, (world["rice"], 2))
    assert second.pk == first.pk
    assert CounterSale.objects.count() == 1
    assert Transfer.objects.filter(kind="spend").count() == 1
    assert stock(world["rice"]) == 18
    assert balance(world["wallet"]) == 272_000


@pytest.mark.django_db
def test_a_key_of_another_counter_is_refused(world):
    charge(world, (world["rice"], 1))
    other_cashier = world["people"]["other"][Role.SELLER_STAFF]
    other_seller = other_cashier.memberships.get().seller
    rice = stocked(other_seller, name="Beras Sriharjo", slug="beras", price=12_000)
    with pytest.raises(CounterKeyInvalid):
        charge(world, (rice, 1), user=other_cashier, seller=other_seller)


@pytest.mark.django_db
def test_bumdes_admin_of_the_village_may_charge(world):
    admin = world["people"]["home"][Role.BUMDES_ADMIN]
    assert charge(world, (world["rice"], 1), user=admin).cashier == admin


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("village", "role"),
    [
        ("other", Role.SELLER_STAFF),
        ("other", Role.BUMDES_ADMIN),
        ("home", Role.VILLAGE_OFFICIAL),
        ("home", Role.RESIDENT),
    ],
)
def test_people_who_do_not_run_this_counter_cannot_charge_at_it(world, village, role):
    with pytest.raises(NotAllowedForVillage):
        charge(world, (world["rice"], 1), user=world["people"][village][role])
    assert_nothing_written(world)


@pytest.mark.django_db
def test_staff_of_another_seller_of_the_village_cannot_charge_here(world):
    staff_elsewhere = member(world["home"], Role.SELLER_STAFF)
    with pytest.raises(NotAllowedForVillage):
        charge(world, (world["rice"], 1), user=staff_elsewhere)
    assert_nothing_written(world)


@pytest.mark.django_db
def test_a_locked_card_is_refused_before_the_pin(world):
    Beneficiary.objects.filter(pk=world["beneficiary"].pk).update(
        card_locked_at="2026-01-01T00:00Z"
    )
    with pytest.raises(CardLocked):
        charge(world, (world["rice"], 1))
    assert_nothing_written(world)


@pytest.mark.django_db
def test_an_inactive_beneficiarys_card_is_refused(world):
    Beneficiary.objects.filter(pk=world["beneficiary"].pk).update(is_active=False)
    with pytest.raises(BeneficiaryInactive):
        charge(world, (world["rice"], 1))
    assert_nothing_written(world)


@pytest.mark.django_db
@pytest.mark.parametrize("number", ["1234 5678 9012 3456", "", "abcd"])
def test_an_unknown_card_number_gets_a_clear_message(world, number):
    with translation.override("en"):
        with pytest.raises(CardNotFound) as error:
            charge(world, (world["rice"], 1), card=number or " ")
        assert "No voucher card has that number" in str(error.value.message)
    assert_nothing_written(world)


@pytest.mark.django_db
def test_the_card_number_may_be_typed_with_spaces(world):
    number = world["beneficiary"].card_number
    spaced = " ".join(number[i : i + 4] for i in range(0, 16, 4))
    assert charge(world, (world["rice"], 1), card=spaced).beneficiary == world["beneficiary"]


@pytest.mark.django_db
def test_goods_of_another_seller_or_bad_quantities_are_refused(world):
    foreign = stocked(
        world["people"]["other"][Role.SELLER_STAFF].memberships.get().seller,
        name="Beras lain",
        slug="beras",
        price=10_000,
    )
    with pytest.raises(CounterLinesInvalid):
        charge(world, (foreign, 1))
    with pytest.raises(CounterLinesInvalid):
        charge(world, (world["rice"], 0))
    with pytest.raises(CounterLinesInvalid):
        charge(world)
    assert_nothing_written(world)
    assert Beneficiary.objects.get(pk=world["beneficiary"].pk).pin_failures == 0


@pytest.mark.django_db
def test_short_stock_refuses_the_whole_sale(world):
    with pytest.raises(InsufficientStock):
        charge(world, (world["rice"], 1), (world["eggs"], 21))
    assert_nothing_written(world)
    assert not StockMovement.objects.filter(kind="sale").exists()


@pytest.mark.django_db
def test_the_preview_shows_the_split_the_sale_then_charges(world):
    lines = [(world["rice"].pk, 2), (world["soap"].pk, 1)]
    plan = counter_selectors.preview_sale(
        seller=world["seller"], beneficiary=world["beneficiary"], lines=lines
    )
    assert (plan.total, plan.voucher_amount, plan.cash_amount) == (33_000, 28_000, 5_000)
    assert [line.reason for line in plan.lines] == ["paid", "not_staple"]
    sale = charge(world, (world["rice"], 2), (world["soap"], 1))
    assert (sale.voucher_amount, sale.cash_amount) == (plan.voucher_amount, plan.cash_amount)
    assert Account.objects.get(kind=AccountKind.VOUCHER_IN_FLIGHT).balance == 28_000


@pytest.mark.django_db
def test_the_wallet_of_the_programme_ending_first_pays(world):
    later = ProgrammeFactory(village=world["home"], market=world["market"], months=12)
    later_wallet = credit(world["beneficiary"], later, 300_000)
    sale = charge(world, (world["rice"], 1))
    assert sale.voucher_charge.wallet == world["wallet"]
    assert balance(later_wallet) == 300_000
