"""Real concurrent transactions on PostgreSQL: the PIN cap holds and a wallet never overspends."""

import pytest
from django.db.models import Sum

from catalog.models import Product
from ledger.models import Entry
from ledger.selectors import ledger_problems
from orders import services
from orders.enums import DeliveryMethod, PaymentMethod
from orders.models import Order, Payment
from tests.orders.factories import buyer_address, delivery_options_for, fill_cart
from tests.threads import run_together
from tests.vouchers.counter_world import PIN, counter_world
from villages.enums import Role
from vouchers import accounts
from vouchers.models import PIN_ATTEMPTS_BEFORE_LOCK, Beneficiary, CounterSale, VoucherCharge
from vouchers.services import cards
from vouchers.services.cards import CardLocked, WrongPin
from vouchers.services.counter import charge_at_counter

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_ten_concurrent_wrong_pins_count_exactly_five_and_lock_the_card(two_villages):
    world = counter_world(two_villages)
    beneficiary = world["beneficiary"]

    def wrong(_n):
        cards.verify_pin(beneficiary=beneficiary, pin="000001")

    results = run_together(wrong, range(10))

    assert all(isinstance(r, WrongPin | CardLocked) for r in results), results
    assert sum(isinstance(r, WrongPin) for r in results) == PIN_ATTEMPTS_BEFORE_LOCK - 1
    row = Beneficiary.objects.get(pk=beneficiary.pk)
    assert row.pin_failures == PIN_ATTEMPTS_BEFORE_LOCK
    assert row.card_locked_at is not None


def test_ten_concurrent_wrong_pins_at_counters_are_all_counted_and_nothing_sold(two_villages):
    world = counter_world(two_villages)

    def wrong(n):
        return charge_at_counter(
            acting_user=world["cashier"],
            seller_id=world["seller"].pk,
            card_number=world["beneficiary"].card_number,
            pin="000001",
            lines=[(world["rice"].pk, 1)],
            idempotency_key=f"wrong-{n}",
        )

    results = run_together(wrong, range(10))

    assert all(isinstance(r, WrongPin | CardLocked) for r in results), results
    row = Beneficiary.objects.get(pk=world["beneficiary"].pk)
    assert (row.pin_failures, row.card_locked_at is not None) == (PIN_ATTEMPTS_BEFORE_LOCK, True)
    assert CounterSale.objects.count() == 0


def test_concurrent_counter_sales_on_one_wallet_never_overspend(two_villages):
    # Rp100.000 in the wallet; six sales of Rp28.000 of eggs each at once.
    world = counter_world(two_villages, balance=100_000)

    def sell(n):
        return charge_at_counter(
            acting_user=world["cashier"],
            seller_id=world["seller"].pk,
            card_number=world["beneficiary"].card_number,
            pin=PIN,
            lines=[(world["eggs"].pk, 1)],
            idempotency_key=f"sale-{n}",
        )

    results = run_together(sell, range(6))

    sales = [r for r in results if isinstance(r, CounterSale)]
    assert len(sales) == 6, results
    assert sum(s.voucher_amount for s in sales) == 100_000
    assert sum(s.cash_amount for s in sales) == 6 * 28_000 - 100_000
    assert accounts.wallet_account(world["wallet"]).balance == 0
    # Into the programme's voucher-in-flight account (settlement may pass it on after commit).
    in_flight = accounts.voucher_in_flight(world["programme"])
    spent = Entry.objects.filter(transfer__kind="spend", account=in_flight)
    assert sum(spent.values_list("amount", flat=True)) == 100_000
    assert sum(VoucherCharge.objects.values_list("amount", flat=True)) == 100_000
    assert ledger_problems() == []


def test_one_form_sent_five_times_at_once_makes_one_sale(two_villages):
    world = counter_world(two_villages)

    def sell(_n):
        return charge_at_counter(
            acting_user=world["cashier"],
            seller_id=world["seller"].pk,
            card_number=world["beneficiary"].card_number,
            pin=PIN,
            lines=[(world["rice"].pk, 2)],
            idempotency_key="one-form",
        )

    results = run_together(sell, range(5))

    assert all(isinstance(r, CounterSale) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert CounterSale.objects.count() == 1
    assert accounts.wallet_account(world["wallet"]).balance == 300_000 - 28_000
    assert ledger_problems() == []


def test_counter_sales_and_an_online_checkout_of_one_card_at_once_neither_deadlock_nor_overspend(
    two_villages,
):
    # Rp100.000 in the wallet. The card holder checks out rice and eggs online while five
    # counter sales of the same goods run on their card: the same products and the same
    # wallet, locked by both paths at once.
    world = counter_world(two_villages, balance=100_000)
    buyer = world["people"]["home"][Role.RESIDENT]
    Beneficiary.objects.filter(pk=world["beneficiary"].pk).update(user=buyer)
    delivery_options_for(world["seller"])
    cart = fill_cart(buyer, (world["eggs"], 1), (world["rice"], 1))

    def work(n):
        if n == 0:
            return services.place_order(
                buyer=buyer,
                cart=cart,
                address=buyer_address(world["home"]),
                delivery_choices={world["seller"].pk: DeliveryMethod.PICKUP},
                tenders=[(PaymentMethod.VOUCHER, world["wallet"].pk), (PaymentMethod.CASH, None)],
                idempotency_key="online",
            )
        return charge_at_counter(
            acting_user=world["cashier"],
            seller_id=world["seller"].pk,
            card_number=world["beneficiary"].card_number,
            pin=PIN,
            lines=[(world["rice"].pk, 1), (world["eggs"].pk, 1)],
            idempotency_key=f"counter-{n}",
        )

    results = run_together(work, range(6))

    assert isinstance(results[0], Order), results[0]
    assert all(isinstance(r, CounterSale) for r in results[1:]), results
    counter_voucher = sum(r.voucher_amount for r in results[1:])
    online_voucher = (
        Payment.objects.filter(method=PaymentMethod.VOUCHER).aggregate(s=Sum("amount"))["s"] or 0
    )
    # Each buys Rp42.000 of staples: six of them want Rp252.000 of a Rp100.000 balance.
    assert counter_voucher + online_voucher == 100_000
    assert accounts.wallet_account(world["wallet"]).balance == 0
    assert sum(VoucherCharge.objects.values_list("amount", flat=True)) == 100_000
    assert Product.objects.get(pk=world["rice"].pk).stock == 20 - 6
    assert Product.objects.get(pk=world["eggs"].pk).stock == 20 - 6
    assert ledger_problems() == []
