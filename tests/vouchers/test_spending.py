"""Spending a voucher online: what it pays in a split tender, and giving it back."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from ledger.enums import AccountKind, TransferKind
from ledger.models import Account, Transfer
from ledger.selectors import ledger_problems
from orders import payments, services
from orders.enums import DeliveryMethod, FulfilmentStatus, PaymentMethod, PaymentStatus
from orders.exceptions import TendersInvalid
from orders.models import Order, Payment
from tests.factories import UserFactory, VillageFactory, category
from tests.orders.factories import (
    buyer_address,
    delivery_options_for,
    fill_cart,
    goods,
    seller_in,
)
from tests.vouchers.factories import BeneficiaryFactory, ProgrammeFactory, credit
from villages.enums import Role
from vouchers import accounts
from vouchers.enums import ChargeStatus, ExpiryRule, ProgrammeStatus
from vouchers.models import VoucherCharge

pytestmark = pytest.mark.django_db

COURIER_FEE = 10_000


def balance_of(kind, owner_id):
    account = Account.objects.filter(kind=kind, owner_id=owner_id).first()
    return account.balance if account else 0


@pytest.fixture
def aid(two_villages):
    """A resident of the home village receiving Rp300.000 in the market's programme; a
    shop of the other village (same market) selling rice and batik by courier."""
    home, other = two_villages["home"], two_villages["other"]
    resident = two_villages["people"]["home"][Role.RESIDENT]
    beneficiary = BeneficiaryFactory(village=home, user=resident)
    programme = ProgrammeFactory(village=home, market=two_villages["market"])
    wallet = credit(beneficiary, programme, 300_000)
    shop = seller_in(other, name="Toko Sriharjo")
    delivery_options_for(shop, courier_enabled=True, fee_same_kabupaten=COURIER_FEE)
    return {
        **two_villages,
        "buyer": resident,
        "beneficiary": beneficiary,
        "programme": programme,
        "wallet": wallet,
        "shop": shop,
        "rice": goods(shop, stock=50, price=14_000, name="Beras Menthik"),
        "batik": goods(
            shop, stock=5, price=150_000, name="Batik Tulis", category=category("fashion-batik")
        ),
    }


def checkout(aid, *items, tenders=None, key="kunci-1", delivery=DeliveryMethod.COURIER):
    buyer = aid["buyer"]
    cart = fill_cart(buyer, *items)
    sellers = {product.seller for product, _quantity in items}
    for seller in sellers:
        if not hasattr(seller, "delivery"):
            delivery_options_for(seller)
    return services.place_order(
        buyer=buyer,
        cart=cart,
        address=buyer_address(aid["home"]),
        delivery_choices={seller.pk: delivery for seller in sellers},
        tenders=tenders or [(PaymentMethod.VOUCHER, aid["wallet"].pk), (PaymentMethod.CASH, None)],
        idempotency_key=key,
    )


def paid(order):
    """{(seller id, method): (amount, status)} of the order's payments."""
    return {
        (p.fulfilment.seller_id, p.method): (p.amount, p.status)
        for p in Payment.objects.filter(fulfilment__order=order).select_related("fulfilment")
    }


def wallet_balance(aid):
    return balance_of(AccountKind.BENEFICIARY_WALLET, aid["wallet"].pk)


def in_flight(aid):
    return balance_of(AccountKind.VOUCHER_IN_FLIGHT, aid["programme"].pk)


def fund(aid):
    return balance_of(AccountKind.PROGRAMME_FUND, aid["programme"].pk)


def test_the_voucher_pays_the_rice_and_cash_pays_the_batik_and_the_delivery(aid):
    order = checkout(aid, (aid["rice"], 5), (aid["batik"], 1))

    shop = aid["shop"].pk
    assert paid(order) == {
        (shop, PaymentMethod.VOUCHER): (70_000, PaymentStatus.PAID),
        (shop, PaymentMethod.CASH): (150_000 + COURIER_FEE, PaymentStatus.PENDING),
    }
    assert (wallet_balance(aid), in_flight(aid)) == (230_000, 70_000)
    charge = VoucherCharge.objects.get()
    assert (charge.amount, charge.status, charge.seller_id, charge.seller_village_id) == (
        70_000,
        ChargeStatus.CHARGED,
        shop,
        aid["other"].pk,
    )
    assert charge.transfer_key == f"spend:payment:{charge.payment_id}"
    assert list(charge.lines.values_list("category__slug", "amount")) == [("beras", 70_000)]
    spend = Transfer.objects.get(key=charge.transfer_key)
    assert (spend.kind, spend.amount, spend.details["order_number"]) == (
        TransferKind.SPEND,
        70_000,
        order.number,
    )
    assert ledger_problems() == []


def test_a_seller_outside_the_programme_area_is_not_covered(aid):
    far = VillageFactory(name="Janti", slug="janti", code="33.10.11.2003")
    warung = seller_in(far, name="Warung Janti")
    delivery_options_for(warung)
    rice = goods(warung, stock=5, name="Beras Janti")

    order = checkout(aid, (rice, 2), delivery=DeliveryMethod.PICKUP)

    assert paid(order) == {(warung.pk, PaymentMethod.CASH): (28_000, PaymentStatus.PENDING)}
    assert wallet_balance(aid) == 300_000
    assert not VoucherCharge.objects.exists()


def test_a_short_balance_pays_what_it_can_and_cash_the_rest(aid):
    # The buyer's wallet in a second programme, holding less than the rice costs.
    wallet = credit(
        BeneficiaryFactory(village=aid["home"], user=aid["buyer"]),
        ProgrammeFactory(village=aid["home"], market=aid["market"], name="BLT 2"),
        50_000,
    )
    aid["wallet"] = wallet

    order = checkout(aid, (aid["rice"], 5))

    shop = aid["shop"].pk
    assert paid(order) == {
        (shop, PaymentMethod.VOUCHER): (50_000, PaymentStatus.PAID),
        (shop, PaymentMethod.CASH): (20_000 + COURIER_FEE, PaymentStatus.PENDING),
    }
    assert balance_of(AccountKind.BENEFICIARY_WALLET, wallet.pk) == 0
    assert list(VoucherCharge.objects.get().lines.values_list("amount", flat=True)) == [50_000]
    assert ledger_problems() == []


def test_the_balance_is_shared_across_the_sellers_of_one_checkout(aid):
    second = seller_in(aid["other"], name="Toko Kedua")
    delivery_options_for(second, courier_enabled=True, fee_same_kabupaten=COURIER_FEE)
    eggs = goods(second, stock=100, price=2_000, name="Telur", category=category("telur"))

    order = checkout(aid, (aid["rice"], 15), (eggs, 100))  # 210.000 + 200.000 of staples

    amounts = {key: amount for key, (amount, _status) in paid(order).items()}
    first, later = sorted([aid["shop"].pk, second.pk])
    first_goods = 210_000 if first == aid["shop"].pk else 200_000
    assert amounts[(first, PaymentMethod.VOUCHER)] == first_goods
    assert amounts[(later, PaymentMethod.VOUCHER)] == 300_000 - first_goods
    assert wallet_balance(aid) == 0
    assert sum(amounts.values()) == order.total


def test_cancelling_the_fulfilment_refunds_exactly_the_voucher_part(aid):
    order = checkout(aid, (aid["rice"], 5), (aid["batik"], 1))
    fulfilment = order.fulfilments.get()

    services.transition_fulfilment(
        actor=aid["buyer"], fulfilment_id=fulfilment.pk, to_status=FulfilmentStatus.CANCELLED
    )

    assert (wallet_balance(aid), in_flight(aid)) == (300_000, 0)
    assert {status for _amount, status in paid(order).values()} == {PaymentStatus.REVERSED}
    charge = VoucherCharge.objects.get()
    assert charge.status == ChargeStatus.REFUNDED
    refund = Transfer.objects.get(key=f"refund:payment:{charge.payment_id}")
    assert (refund.kind, refund.amount) == (TransferKind.REFUND, 70_000)
    assert ledger_problems() == []


def test_a_refund_after_the_programme_ended_goes_to_the_programme(aid):
    order = checkout(aid, (aid["rice"], 5))
    aid["programme"].status = ProgrammeStatus.CLOSED
    aid["programme"].save(update_fields=["status"])
    fund_before = fund(aid)

    services.transition_fulfilment(
        actor=aid["buyer"],
        fulfilment_id=order.fulfilments.get().pk,
        to_status=FulfilmentStatus.CANCELLED,
    )

    assert (wallet_balance(aid), in_flight(aid)) == (230_000, 0)
    assert fund(aid) == fund_before + 70_000
    charge = VoucherCharge.objects.get()
    assert charge.status == ChargeStatus.RETURNED_TO_PROGRAMME
    assert Transfer.objects.get(key=f"refund:payment:{charge.payment_id}").kind == (
        TransferKind.EXPIRE
    )
    assert ledger_problems() == []


def test_under_the_monthly_rule_a_refund_in_a_later_month_goes_to_the_programme(aid):
    programme = aid["programme"]
    last_month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    programme.first_month = last_month
    programme.expiry_rule = ExpiryRule.MONTHLY
    programme.save(update_fields=["first_month", "expiry_rule"])
    order = checkout(aid, (aid["rice"], 1))
    VoucherCharge.objects.update(created_at=timezone.now() - datetime.timedelta(days=32))

    services.transition_fulfilment(
        actor=aid["buyer"],
        fulfilment_id=order.fulfilments.get().pk,
        to_status=FulfilmentStatus.CANCELLED,
    )

    assert wallet_balance(aid) == 300_000 - 14_000
    assert VoucherCharge.objects.get().status == ChargeStatus.RETURNED_TO_PROGRAMME


def test_a_reversal_called_twice_gives_back_once(aid):
    order = checkout(aid, (aid["rice"], 5))
    payment = Payment.objects.get(fulfilment__order=order, method=PaymentMethod.VOUCHER)
    handler = payments.handler_for(PaymentMethod.VOUCHER)

    first = handler.reverse(payment)
    again = handler.reverse(Payment.objects.get(pk=payment.pk))

    assert (first, again) == (True, False)
    assert wallet_balance(aid) == 300_000
    assert Transfer.objects.filter(kind=TransferKind.REFUND).count() == 1
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.REVERSED
    assert ledger_problems() == []


def test_someone_elses_wallet_is_refused_and_nothing_is_written(aid):
    stranger = BeneficiaryFactory(village=aid["home"], user=UserFactory())
    theirs = credit(stranger, aid["programme"], 300_000)

    with pytest.raises(TendersInvalid) as refused:
        checkout(
            aid,
            (aid["rice"], 1),
            tenders=[(PaymentMethod.VOUCHER, theirs.pk), (PaymentMethod.CASH, None)],
        )

    assert refused.value.code == "voucher_not_found"
    assert not Order.objects.exists()
    assert balance_of(AccountKind.BENEFICIARY_WALLET, theirs.pk) == 300_000


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"card_locked_at": timezone.now()}, "voucher_unusable"),
        ({"is_active": False}, "voucher_unusable"),
        ({"programme_status": ProgrammeStatus.DRAFT}, "voucher_unusable"),
        ({"wallet_id": "abc"}, "voucher_invalid"),
    ],
)
def test_a_voucher_that_cannot_pay_now_is_refused(aid, change, code):
    change = dict(change)
    if "programme_status" in change:
        aid["programme"].status = change.pop("programme_status")
        aid["programme"].save(update_fields=["status"])
    wallet_id = change.pop("wallet_id", aid["wallet"].pk)
    for name, value in change.items():
        setattr(aid["beneficiary"], name, value)
    aid["beneficiary"].save()

    with pytest.raises(TendersInvalid) as refused:
        checkout(
            aid, (aid["rice"], 1), tenders=[(PaymentMethod.VOUCHER, wallet_id), ("cash", None)]
        )

    assert refused.value.code == code
    assert not Order.objects.exists()
    assert wallet_balance(aid) == 300_000


def test_the_voucher_alone_cannot_pay_the_delivery_fee(aid):
    with pytest.raises(TendersInvalid) as refused:
        checkout(aid, (aid["rice"], 1), tenders=[(PaymentMethod.VOUCHER, aid["wallet"].pk)])

    assert refused.value.code == "payment_incomplete"
    assert wallet_balance(aid) == 300_000
    assert not VoucherCharge.objects.exists()


def test_the_rules_load_and_the_wallet_locks_once_per_checkout(aid, django_assert_num_queries):
    def drafts(count):
        return [
            payments.FulfilmentDraft(
                seller_id=seller,
                village_id=aid["other"].pk,
                goods_total=14_000 * count,
                delivery_fee=COURIER_FEE,
                lines=tuple(
                    payments.LineDraft(
                        product_id=aid["rice"].pk,
                        category_id=aid["rice"].category_id,
                        is_staple=True,
                        line_total=14_000,
                    )
                    for _line in range(count)
                ),
            )
            for seller in range(1, count + 1)
        ]

    tenders = [(PaymentMethod.VOUCHER, aid["wallet"].pk), (PaymentMethod.CASH, None)]
    accounts.voucher_in_flight(aid["programme"])  # opened by the programme's first spend
    for count in (1, 6):
        # the wallet; the programme's categories and market; the two ledger accounts locked
        with transaction.atomic(), django_assert_num_queries(4):
            allocation = payments.allocate_tenders(drafts(count), tenders, buyer=aid["buyer"])
        assert sum(
            part.amount for parts in allocation for part in parts if part.method == "voucher"
        ) == (min(14_000 * count * count, 300_000))
