"""The report against money moved by the real voucher services, end to end.

Months issued by the batch, spent online in a split tender and at a counter with card and
PIN, one order cancelled back to the wallet, everything left expired, one order cancelled
after the programme closed (its money returns to the programme): the report's figures
are the ledger's, to the rupiah.
"""

import datetime

import pytest
from django.db.models import Sum
from django.utils import timezone

from ledger.enums import AccountKind
from ledger.models import Account, Entry
from ledger.selectors import ledger_problems
from orders import services as orders
from orders.enums import DeliveryMethod, FulfilmentStatus, PaymentMethod
from tests.orders.factories import buyer_address, delivery_options_for, fill_cart, goods, seller_in
from tests.vouchers.counter_world import PIN, stocked
from tests.vouchers.factories import BeneficiaryFactory, ProgrammeFactory
from villages.enums import Role
from vouchers import accounts
from vouchers.enums import ChargeStatus, ProgrammeStatus
from vouchers.models import VoucherCharge, Wallet
from vouchers.rules import add_months
from vouchers.selectors.reports import programme_report
from vouchers.services.counter import charge_at_counter
from vouchers.services.expiry import expire_programme_month
from vouchers.services.issuance import run_issuance, start_issuance

pytestmark = pytest.mark.django_db


def order_with_voucher(buyer, wallet, product, quantity, key):
    cart = fill_cart(buyer, (product, quantity))
    return orders.place_order(
        buyer=buyer,
        cart=cart,
        address=buyer_address(buyer.memberships.get().village),
        delivery_choices={product.seller_id: DeliveryMethod.PICKUP},
        tenders=[(PaymentMethod.VOUCHER, wallet.pk), (PaymentMethod.CASH, None)],
        idempotency_key=key,
    )


def cancel(buyer, order):
    orders.transition_fulfilment(
        actor=buyer,
        fulfilment_id=order.fulfilments.get().pk,
        to_status=FulfilmentStatus.CANCELLED,
    )


def test_the_report_of_money_moved_by_the_services(
    two_villages, django_capture_on_commit_callbacks
):
    home, other = two_villages["home"], two_villages["other"]
    people = two_villages["people"]["home"]
    official, resident, cashier = (
        people[Role.VILLAGE_OFFICIAL],
        people[Role.RESIDENT],
        people[Role.SELLER_STAFF],
    )
    counter_seller = cashier.memberships.get().seller
    home_rice = stocked(counter_seller, name="Beras", slug="beras", price=14_000)
    home_eggs = stocked(counter_seller, name="Telur", slug="telur", price=28_000)
    shop = seller_in(other, name="Toko Sriharjo")
    delivery_options_for(shop)
    shop_rice = goods(shop, stock=50, price=14_000, name="Beras Menthik")

    last_month = add_months(timezone.localdate().replace(day=1), -1)
    programme = ProgrammeFactory(
        village=home, market=two_villages["market"], first_month=last_month
    )
    online = BeneficiaryFactory(village=home, user=resident)
    at_counter = [BeneficiaryFactory(village=home) for _ in range(2)]

    for month in (1, 2):
        with django_capture_on_commit_callbacks(execute=True):
            issuance = start_issuance(acting_user=official, programme_id=programme.pk, month=month)
        run_issuance(issuance_id=issuance.pk)  # once, whether a worker ran it already or not
    wallet = Wallet.objects.get(beneficiary=online, programme=programme)

    kept = order_with_voucher(resident, wallet, shop_rice, 5, "order-kept")  # 70.000
    refunded = order_with_voucher(resident, wallet, shop_rice, 2, "order-refunded")  # 28.000
    late = order_with_voucher(resident, wallet, shop_rice, 3, "order-late")  # 42.000
    cancel(resident, refunded)
    charge_at_counter(
        acting_user=cashier,
        seller_id=counter_seller.pk,
        card_number=at_counter[0].card_number,
        pin=PIN,
        lines=[(home_eggs.pk, 2), (home_rice.pk, 1)],
        idempotency_key="counter-1",
    )
    charge_at_counter(
        acting_user=cashier,
        seller_id=counter_seller.pk,
        card_number=at_counter[1].card_number,
        pin=PIN,
        lines=[(home_rice.pk, 3)],
        idempotency_key="counter-2",
    )
    expire_programme_month(programme=programme, month=2)  # everything unspent goes back
    programme.status = ProgrammeStatus.CLOSED
    programme.save(update_fields=["status"])
    cancel(resident, late)  # after the close: back to the programme, not the wallet

    report = programme_report(programme)
    statuses = sorted(VoucherCharge.objects.values_list("status", flat=True))
    assert statuses == sorted(
        [ChargeStatus.CHARGED] * 3 + [ChargeStatus.REFUNDED, ChargeStatus.RETURNED_TO_PROGRAMME]
    )
    kept_charge = VoucherCharge.objects.get(payment__fulfilment__order=kept)
    assert (kept_charge.status, kept_charge.amount) == (ChargeStatus.CHARGED, 70_000)
    assert report.issued == 3 * 2 * programme.amount_per_month == 1_800_000
    assert report.spent == 70_000 + 70_000 + 42_000
    assert report.refunded == 28_000
    assert report.returned_to_programme == 42_000
    assert report.expired == 1_800_000 - 182_000 - 42_000
    assert report.outstanding == 0
    assert report.balance_check == report.outstanding
    assert report.reconciled is True
    assert (report.spent_in_village, report.spent_elsewhere) == (112_000, 70_000)
    assert report.spent_in_market == report.spent
    assert report.beneficiaries_issued == 3
    assert report.beneficiaries_spending == 3
    assert {s.key: s.amount for s in report.by_category} == {"beras": 126_000, "telur": 56_000}
    assert sum(s.amount for s in report.sellers) == report.spent

    # The same figures straight from the accounts.
    fund = accounts.programme_fund(programme)
    assert fund.balance == -report.issued + report.expired + report.returned_to_programme
    in_flight = accounts.voucher_in_flight(programme)
    assert in_flight.balance == report.spent
    wallets = Account.objects.filter(
        kind=AccountKind.BENEFICIARY_WALLET,
        owner_id__in=Wallet.objects.filter(programme=programme).values("pk"),
    )
    assert sum(w.balance for w in wallets) == report.outstanding
    assert (Entry.objects.filter(account__in=wallets).aggregate(s=Sum("amount"))["s"]) == 0
    assert ledger_problems() == []

    # By month: the issuance and expiry months, the charges' dates (all this month).
    first, second = programme_report(programme, 1), programme_report(programme, 2)
    assert (first.issued, first.spent, first.expired) == (900_000, 0, 0)
    assert (second.issued, second.spent, second.expired) == (900_000, 182_000, report.expired)
    assert second.period_start == timezone.localdate().replace(day=1)
    assert second.period_end - datetime.timedelta(days=1) >= timezone.localdate()
