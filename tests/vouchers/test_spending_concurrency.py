"""Real concurrent checkouts of one wallet on PostgreSQL: never more than the balance."""

import pytest
from django.db.models import Sum

from ledger.enums import AccountKind
from ledger.models import Account
from ledger.selectors import ledger_problems
from orders import services
from orders.enums import DeliveryMethod, FulfilmentStatus, PaymentMethod, PaymentStatus
from orders.exceptions import TendersInvalid
from orders.models import Order, Payment
from tests.factories import MarketFactory, VillageFactory, category, member
from tests.orders.factories import buyer_address, delivery_options_for, fill_cart, goods, seller_in
from tests.threads import run_together
from tests.vouchers.factories import BeneficiaryFactory, ProgrammeFactory, credit
from villages.enums import Role
from vouchers import accounts
from vouchers.models import VoucherCharge

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BALANCE = 100_000
PRICE = 20_000  # 20 checkouts of Rp20.000 of rice: Rp400.000 eligible against Rp100.000
CHECKOUTS = 20
ROUNDS = 8  # counter sales and online checkouts of the same rice, each


@pytest.fixture
def counters():
    """20 shops of one village, each taking a phone order for the same beneficiary: 20
    checkouts of one buyer, each from its own cart, all at once."""
    village = VillageFactory(slug="panggungharjo", name="Panggungharjo", code="34.02.15.2001")
    market = MarketFactory(name="Pasar Bantul", slug="bantul", villages=[village])
    buyer = member(village, Role.RESIDENT)
    beneficiary = BeneficiaryFactory(village=village, user=buyer)
    category("beras")  # seeds the categories again after an earlier test emptied the database
    wallet = credit(beneficiary, ProgrammeFactory(village=village, market=market), BALANCE)
    carts = []
    for index in range(CHECKOUTS):
        shop = seller_in(village, name=f"Warung {index}")
        delivery_options_for(shop)
        staff = member(village, Role.SELLER_STAFF, seller=shop)
        rice = goods(shop, stock=5, price=PRICE, name=f"Beras {index}")
        carts.append((staff, fill_cart(staff, (rice, 1)), shop))
    return {"village": village, "buyer": buyer, "wallet": wallet, "carts": carts}


def place(counters, tenders):
    def work(entry):
        staff, cart, shop = entry
        return services.place_order(
            buyer=counters["buyer"],
            placed_by=staff,
            cart=cart,
            address=buyer_address(counters["village"]),
            delivery_choices={shop.pk: DeliveryMethod.PICKUP},
            tenders=tenders,
            idempotency_key=f"telepon-{shop.pk}",
        )

    return run_together(work, counters["carts"])


def wallet_balance(wallet):
    return Account.objects.get(kind=AccountKind.BENEFICIARY_WALLET, owner_id=wallet.pk).balance


def voucher_paid():
    return (
        Payment.objects.filter(method=PaymentMethod.VOUCHER, status=PaymentStatus.PAID).aggregate(
            s=Sum("amount")
        )["s"]
        or 0
    )


def test_with_cash_for_the_rest_every_order_is_placed_and_the_voucher_spends_its_balance(
    counters,
):
    wallet = counters["wallet"]

    results = place(counters, [(PaymentMethod.VOUCHER, wallet.pk), (PaymentMethod.CASH, None)])

    assert all(isinstance(r, Order) for r in results), results
    assert voucher_paid() == BALANCE
    assert wallet_balance(wallet) == 0
    cash = Payment.objects.filter(method=PaymentMethod.CASH).aggregate(s=Sum("amount"))["s"]
    assert cash == CHECKOUTS * PRICE - BALANCE
    assert VoucherCharge.objects.aggregate(s=Sum("amount"))["s"] == BALANCE
    assert ledger_problems() == []


def test_with_the_voucher_alone_the_orders_it_cannot_pay_are_refused_and_leave_nothing(
    counters,
):
    wallet = counters["wallet"]

    results = place(counters, [(PaymentMethod.VOUCHER, wallet.pk)])

    orders = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, TendersInvalid)]
    assert (len(orders), len(refused)) == (BALANCE // PRICE, CHECKOUTS - BALANCE // PRICE), [
        r for r in results if not isinstance(r, Order | TendersInvalid)
    ]
    assert {error.code for error in refused} == {"payment_incomplete"}
    assert Order.objects.count() == len(orders)
    assert Payment.objects.count() == len(orders)
    assert voucher_paid() == BALANCE
    assert wallet_balance(wallet) == 0
    assert ledger_problems() == []


def test_cancels_and_checkouts_of_one_wallet_at_once_keep_the_books_exact(counters):
    wallet = counters["wallet"]
    tenders = [(PaymentMethod.VOUCHER, wallet.pk), (PaymentMethod.CASH, None)]
    earlier, later = counters["carts"][:5], counters["carts"][5:15]
    placed = []
    for staff, cart, shop in earlier:  # these five spend the whole balance
        placed.append(
            services.place_order(
                buyer=counters["buyer"],
                placed_by=staff,
                cart=cart,
                address=buyer_address(counters["village"]),
                delivery_choices={shop.pk: DeliveryMethod.PICKUP},
                tenders=tenders,
                idempotency_key=f"awal-{shop.pk}",
            )
        )
    assert wallet_balance(wallet) == 0

    def work(job):
        if isinstance(job, Order):
            return services.transition_fulfilment(
                actor=counters["buyer"],
                fulfilment_id=job.fulfilments.get().pk,
                to_status=FulfilmentStatus.CANCELLED,
            )
        staff, cart, shop = job
        return services.place_order(
            buyer=counters["buyer"],
            placed_by=staff,
            cart=cart,
            address=buyer_address(counters["village"]),
            delivery_choices={shop.pk: DeliveryMethod.PICKUP},
            tenders=tenders,
            idempotency_key=f"nanti-{shop.pk}",
        )

    results = run_together(work, [*placed, *later])  # 5 cancels and 10 checkouts at once

    assert not [r for r in results if isinstance(r, Exception)], results
    standing = voucher_paid()
    charged = VoucherCharge.objects.filter(status="charged").aggregate(s=Sum("amount"))["s"]
    assert (charged or 0) == standing  # nothing may be left charged: the sum is then None
    assert wallet_balance(wallet) == BALANCE - standing
    assert Payment.objects.filter(method=PaymentMethod.VOUCHER, status="reversed").count() == 5
    assert ledger_problems() == []


def test_counter_sales_and_online_checkouts_of_one_product_and_programme_never_deadlock(
    two_villages,
):
    """A card at the counter and a beneficiary online, buying the same rice at once from
    one programme: both take the product's row and the programme's in-flight account."""
    from tests.vouchers.counter_world import PIN as CARD_PIN
    from tests.vouchers.counter_world import counter_world
    from vouchers.services.counter import charge_at_counter

    world = counter_world(two_villages, balance=0)
    home, seller, rice = world["home"], world["seller"], world["rice"]
    delivery_options_for(seller)
    buyer = two_villages["people"]["home"][Role.RESIDENT]
    online = credit(BeneficiaryFactory(village=home, user=buyer), world["programme"], 1_000_000)
    accounts.voucher_in_flight(world["programme"])  # the programme has been spent before
    cards = [BeneficiaryFactory(village=home, name=f"Kartu {index}") for index in range(ROUNDS)]
    for card in cards:
        credit(card, world["programme"], 100_000)
    carts = []
    for _index in range(ROUNDS):
        staff = member(home, Role.SELLER_STAFF, seller=seller)
        carts.append((staff, fill_cart(staff, (rice, 1))))

    def work(job):
        kind, index = job
        if kind == "counter":
            return charge_at_counter(
                acting_user=world["cashier"],
                seller_id=seller.pk,
                card_number=cards[index].card_number,
                pin=CARD_PIN,
                lines=[(rice.pk, 1)],
                idempotency_key=f"loket-{index}",
            )
        staff, cart = carts[index]
        return services.place_order(
            buyer=buyer,
            placed_by=staff,
            cart=cart,
            address=buyer_address(home),
            delivery_choices={seller.pk: DeliveryMethod.PICKUP},
            tenders=[(PaymentMethod.VOUCHER, online.pk), (PaymentMethod.CASH, None)],
            idempotency_key=f"daring-{index}",
        )

    jobs = [(kind, index) for index in range(ROUNDS) for kind in ("counter", "online")]
    results = run_together(work, jobs)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert wallet_balance(online) == 1_000_000 - ROUNDS * 14_000
    assert all(wallet_balance(card.wallets.get()) == 100_000 - 14_000 for card in cards)
    assert ledger_problems() == []
