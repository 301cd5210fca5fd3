"""Sales made through the real checkout and counter reach the ledger when they complete."""

import pytest

from ledger.enums import AccountKind, TransferKind
from ledger.models import Account, Transfer
from ledger.selectors import ledger_problems
from orders import services
from orders.enums import DeliveryMethod, PaymentMethod
from settlement.enums import PostingStatus
from settlement.models import Posting
from tests.factories import BumdesFactory, category
from tests.orders.factories import buyer_address, delivery_options_for, fill_cart, goods, seller_in
from tests.settlement.helpers import complete
from tests.vouchers.counter_world import PIN, counter_world
from tests.vouchers.factories import BeneficiaryFactory, ProgrammeFactory, credit
from villages.enums import Role
from vouchers.services.counter import charge_at_counter

pytestmark = pytest.mark.django_db

COURIER_FEE = 9_000


def balance_of(kind, owner_id):
    account = Account.objects.filter(kind=kind, owner_id=owner_id).first()
    return account.balance if account else 0


def test_rice_by_voucher_and_batik_in_cash_settle_as_a_claim_across_villages(
    two_villages, django_capture_on_commit_callbacks
):
    home, other = two_villages["home"], two_villages["other"]
    resident = two_villages["people"]["home"][Role.RESIDENT]
    programme = ProgrammeFactory(village=home, market=two_villages["market"])
    wallet = credit(BeneficiaryFactory(village=home, user=resident), programme, 300_000)
    bumdes = BumdesFactory(village=other)
    shop = seller_in(other, name="Toko Sriharjo")
    delivery_options_for(shop, courier_enabled=True, fee_same_kabupaten=COURIER_FEE)
    rice = goods(shop, stock=50, price=14_000)
    batik = goods(shop, stock=5, price=150_000, category=category("fashion-batik"))
    order = services.place_order(
        buyer=resident,
        cart=fill_cart(resident, (rice, 2), (batik, 1)),
        address=buyer_address(home),
        delivery_choices={shop.pk: DeliveryMethod.COURIER},
        tenders=[(PaymentMethod.VOUCHER, wallet.pk), (PaymentMethod.CASH, None)],
        idempotency_key="k1",
    )

    with django_capture_on_commit_callbacks(execute=True):
        fulfilment = complete(
            order.fulfilments.get(),
            seller_staff=two_villages["people"]["other"][Role.BUMDES_ADMIN],
            buyer=resident,
        )

    assert Posting.objects.get(fulfilment=fulfilment).status == PostingStatus.POSTED
    settle = Transfer.objects.get(kind=TransferKind.SETTLE)
    assert settle.amount == 28_000
    assert (settle.details["programme_village_id"], settle.details["seller_village_id"]) == (
        home.pk,
        other.pk,
    )
    # 5% of Rp28.000 rice (voucher) and of Rp150.000 batik (cash); none on the courier fee.
    assert balance_of(AccountKind.BUMDES_COMMISSION, bumdes.pk) == 1_400 + 7_500
    assert balance_of(AccountKind.SELLER_PAYABLE, shop.pk) == 28_000 - 1_400 - 7_500
    assert balance_of(AccountKind.VOUCHER_IN_FLIGHT, programme.pk) == 0
    assert ledger_problems() == []


def test_a_counter_sale_is_posted_when_it_is_made(two_villages, django_capture_on_commit_callbacks):
    world = counter_world(two_villages)
    bumdes = BumdesFactory(village=world["home"])

    with django_capture_on_commit_callbacks(execute=True):
        sale = charge_at_counter(
            acting_user=world["cashier"],
            seller_id=world["seller"].pk,
            card_number=world["beneficiary"].card_number,
            pin=PIN,
            lines=[(world["rice"].pk, 2), (world["soap"].pk, 1)],
            idempotency_key="sale-1",
        )

    assert Posting.objects.get(counter_sale=sale).status == PostingStatus.POSTED
    # Rice Rp28.000 by voucher, soap Rp5.000 in cash: 5% of each to the BUMDes.
    assert (sale.voucher_amount, sale.cash_amount) == (28_000, 5_000)
    assert balance_of(AccountKind.BUMDES_COMMISSION, bumdes.pk) == 1_400 + 250
    assert balance_of(AccountKind.VOUCHER_IN_FLIGHT, world["programme"].pk) == 0
    assert ledger_problems() == []
