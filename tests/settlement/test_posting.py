"""A completed sale reaches the ledger exactly once: by its task, or else by the sweeper."""

import pytest

from ledger import services as ledger
from ledger.enums import AccountKind, TransferKind
from ledger.models import Account, Transfer
from ledger.selectors import ledger_problems
from settlement.enums import PostingStatus
from settlement.models import Posting, SellerCommission, VillageCommission
from settlement.services import posting
from tests.factories import BumdesFactory
from tests.settlement.helpers import cash_sale
from tests.vouchers.factories import BeneficiaryFactory, ProgrammeFactory, credit
from villages.enums import Role
from vouchers import accounts
from vouchers.enums import ChargeChannel
from vouchers.models import CounterSale, VoucherCharge, VoucherChargeLine

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(two_villages):
    village = two_villages["home"]
    return {
        "village": village,
        "bumdes": BumdesFactory(village=village),
        "people": {str(role): person for role, person in two_villages["people"]["home"].items()},
        "seller": two_villages["people"]["home"][Role.SELLER_STAFF].memberships.get().seller,
    }


def balance_of(kind, owner_id):
    account = Account.objects.filter(kind=kind, owner_id=owner_id).first()
    return account.balance if account else 0


def test_completing_a_cash_sale_posts_the_commission_the_seller_owes_once(
    home, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        fulfilment = cash_sale(home["people"], price=20_000, quantity=3, key="k1")

    # Rp60.000 of goods at the default 5%: the seller kept the cash, owes Rp3.000.
    assert Posting.objects.get(fulfilment=fulfilment).status == PostingStatus.POSTED
    assert balance_of(AccountKind.SELLER_PAYABLE, fulfilment.seller_id) == -3_000
    assert balance_of(AccountKind.BUMDES_COMMISSION, home["bumdes"].pk) == 3_000
    assert ledger_problems() == []


def test_a_task_delivered_twice_posts_once(home, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        fulfilment = cash_sale(home["people"], price=20_000, quantity=1, key="k1")
    posting_id = Posting.objects.get(fulfilment=fulfilment).pk

    again = posting.post_sales([posting_id])

    assert again.posted == 0
    assert Transfer.objects.filter(kind=TransferKind.COMMISSION).count() == 1
    assert balance_of(AccountKind.BUMDES_COMMISSION, home["bumdes"].pk) == 1_000


def test_a_sale_whose_task_never_ran_is_posted_by_the_sweeper(home):
    # Without executing on-commit callbacks the task is never sent: a broker that was down.
    fulfilment = cash_sale(home["people"], price=10_000, quantity=2, key="k1")
    assert Posting.objects.get(fulfilment=fulfilment).status == PostingStatus.PENDING

    run = posting.sweep()
    second = posting.sweep()

    assert (run.posted, second.posted) == (1, 0)
    assert balance_of(AccountKind.BUMDES_COMMISSION, home["bumdes"].pk) == 1_000


def test_a_completed_sale_without_a_posting_row_is_found_by_the_sweeper(home):
    fulfilment = cash_sale(home["people"], price=10_000, quantity=1, key="k1")
    Posting.objects.filter(fulfilment=fulfilment).delete()  # completed before postings existed

    assert posting.sweep().posted == 1
    assert Posting.objects.get(fulfilment=fulfilment).status == PostingStatus.POSTED


def test_a_sellers_rate_overrides_its_villages_which_overrides_the_default(home):
    VillageCommission.objects.create(village=home["village"], rate_bp=1_000)  # 10%
    first = cash_sale(home["people"], price=10_000, quantity=1, key="k1")
    posting.sweep()
    SellerCommission.objects.create(seller=home["seller"], rate_bp=250)  # 2.5%
    second = cash_sale(home["people"], price=10_000, quantity=1, key="k2")
    posting.sweep()

    fees = dict(
        Transfer.objects.filter(kind=TransferKind.COMMISSION).values_list(
            "details__fulfilment_id", "amount"
        )
    )
    assert fees == {first.pk: 1_000, second.pk: 250}


def test_a_village_without_a_bumdes_takes_no_commission(two_villages):
    people = {str(role): person for role, person in two_villages["people"]["home"].items()}
    fulfilment = cash_sale(people, price=10_000, quantity=1, key="k1")

    run = posting.sweep()

    assert run.posted == 1
    assert run.transfers == 0
    assert Posting.objects.get(fulfilment=fulfilment).status == PostingStatus.POSTED


def counter_sale_paid_by_voucher(home, *, programme, amount, fund_in_flight=True):
    beneficiary = BeneficiaryFactory(village=programme.village)
    wallet = credit(beneficiary, programme, 300_000)
    sale = CounterSale.objects.create(
        seller=home["seller"],
        beneficiary=beneficiary,
        cashier=home["people"]["seller_staff"],
        idempotency_key=f"sale-{beneficiary.pk}",
        total=amount,
        voucher_amount=amount,
        cash_amount=0,
    )
    charge = VoucherCharge.objects.create(
        wallet=wallet,
        channel=ChargeChannel.COUNTER,
        counter_sale=sale,
        seller=home["seller"],
        seller_village=home["village"],
        amount=amount,
        transfer_key=f"spend:counter:{sale.pk}",
    )
    VoucherChargeLine.objects.create(
        charge=charge, category=programme.allowed_categories.first(), amount=amount
    )
    if fund_in_flight:
        ledger.move(
            key=charge.transfer_key,
            kind=TransferKind.SPEND,
            source=accounts.wallet_account(wallet),
            destination=accounts.voucher_in_flight(programme),
            amount=amount,
        )
    return sale


def test_a_voucher_sale_becomes_the_sellers_claim_on_the_issuing_villages_programme(
    home, two_villages
):
    # A beneficiary of the other village buys at the home seller with the other's voucher.
    programme = ProgrammeFactory(village=two_villages["other"], market=two_villages["market"])
    sale = counter_sale_paid_by_voucher(home, programme=programme, amount=80_000)

    posting.sweep()

    settle = Transfer.objects.get(kind=TransferKind.SETTLE)
    assert settle.details["programme_village_id"] == two_villages["other"].pk
    assert settle.details["seller_village_id"] == home["village"].pk
    assert settle.details["counter_sale_id"] == sale.pk
    assert balance_of(AccountKind.VOUCHER_IN_FLIGHT, programme.pk) == 0
    assert balance_of(AccountKind.SELLER_PAYABLE, home["seller"].pk) == 80_000 - 4_000
    assert balance_of(AccountKind.BUMDES_COMMISSION, home["bumdes"].pk) == 4_000
    assert ledger_problems() == []


def test_a_sale_that_cannot_post_is_marked_failed_and_does_not_hold_up_the_others(
    home, two_villages
):
    programme = ProgrammeFactory(village=home["village"])
    broken = counter_sale_paid_by_voucher(
        home, programme=programme, amount=50_000, fund_in_flight=False
    )
    fulfilment = cash_sale(home["people"], price=10_000, quantity=1, key="k1")

    run = posting.sweep()

    assert (run.posted, run.failed) == (1, 1)
    failed = Posting.objects.get(counter_sale=broken)
    assert failed.status == PostingStatus.FAILED
    assert "InsufficientBalance" in failed.last_error
    assert Posting.objects.get(fulfilment=fulfilment).status == PostingStatus.POSTED
    assert ledger_problems() == []
