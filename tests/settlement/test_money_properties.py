"""Whatever happens, in whatever order, the books hold.

Hypothesis draws random sequences of what the market does with aid money — issue a month,
spend it at checkout (voucher plus cash), cancel, complete and settle (each settlement run
twice), expire what is left, close the day and pay the sellers out — through the real
services, and checks after each sequence that every transfer balances, every cached
balance equals its entries, nothing that may not go negative did, and that the money is
where the sales say it is.
"""

import datetime
import itertools

import pytest
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.exceptions import DomainError
from ledger.enums import AccountKind, TransferKind
from ledger.models import Account, Entry, Transfer
from ledger.selectors import ledger_problems
from orders import services
from orders.enums import DeliveryMethod, FulfilmentStatus, PaymentMethod
from orders.models import Fulfilment
from settlement.enums import PostingStatus
from settlement.models import Payout
from settlement.services import clearing, payouts, posting
from tests.factories import BumdesFactory
from tests.orders.factories import buyer_address, fill_cart, goods, seller_in
from tests.settlement.helpers import complete
from tests.vouchers.factories import BeneficiaryFactory, ProgrammeFactory
from villages.enums import Role
from vouchers import accounts
from vouchers.enums import ChargeStatus
from vouchers.models import Issuance, VoucherCharge
from vouchers.services import expiry, issuance

pytestmark = pytest.mark.django_db

_examples = itertools.count()

steps = st.lists(
    st.sampled_from(["spend", "spend", "cancel", "complete", "complete", "expire"]),
    min_size=1,
    max_size=8,
)


def build(two_villages, n):
    """One home-village beneficiary with month 1 issued; a shop in each village."""
    home, other = two_villages["home"], two_villages["other"]
    people = two_villages["people"]
    resident = people["home"][Role.RESIDENT]
    for village in (home, other):
        if not hasattr(village, "bumdes"):
            BumdesFactory(village=village)
    programme = ProgrammeFactory(
        village=home, market=two_villages["market"], amount_per_month=100_000
    )
    # One beneficiary per example: earlier examples' beneficiaries are made inactive.
    from vouchers.models import Beneficiary

    Beneficiary.objects.filter(village=home).update(is_active=False)
    BeneficiaryFactory(village=home, user=resident)
    started = issuance.start_issuance(
        acting_user=people["home"][Role.VILLAGE_OFFICIAL], programme_id=programme.pk, month=1
    )
    issuance.run_issuance(issuance_id=started.pk)
    shops = [seller_in(village, name=f"Toko {n}-{village.slug}") for village in (home, other)]
    rice = [goods(shop, stock=1_000, price=12_000 + 1_000 * (n % 5)) for shop in shops]
    return {"programme": programme, "resident": resident, "rice": rice, "people": people}


def spend(world, key):
    resident = world["resident"]
    wallet = accounts.wallet_for(resident.beneficiaries.get(is_active=True), world["programme"])
    product = world["rice"][len(key) % 2]
    try:
        services.place_order(
            buyer=resident,
            cart=fill_cart(resident, (product, 1 + len(key) % 3)),
            address=buyer_address(product.seller.village),
            delivery_choices={product.seller_id: DeliveryMethod.PICKUP},
            tenders=[(PaymentMethod.VOUCHER, wallet.pk), (PaymentMethod.CASH, None)],
            idempotency_key=key,
        )
    except DomainError:  # a voucher that cannot pay now is refused; nothing is kept
        return False
    return True


def placed(world):
    return Fulfilment.objects.filter(
        order__buyer=world["resident"], status=FulfilmentStatus.PLACED
    ).order_by("pk")


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(history=steps)
def test_any_history_of_aid_money_keeps_the_books(two_villages, history):
    n = next(_examples)
    world = build(two_villages, n)
    for index, step in enumerate(history):
        if step == "spend":
            spend(world, key=f"e{n}-s{index}")
        elif step == "cancel" and (fulfilment := placed(world).first()):
            services.transition_fulfilment(
                actor=world["resident"],
                fulfilment_id=fulfilment.pk,
                to_status=FulfilmentStatus.CANCELLED,
            )
        elif step == "complete" and (fulfilment := placed(world).last()):
            staff = world["people"][
                "home" if fulfilment.village_id == two_villages["home"].pk else "other"
            ][Role.BUMDES_ADMIN]
            complete(fulfilment, seller_staff=staff, buyer=world["resident"])
            posting.sweep()
            assert posting.sweep().transfers == 0  # a second run posts nothing
        elif step == "expire":
            expiry.expire_programme_month(programme=world["programme"], month=1)

    # Close the day and pay every seller who is owed.
    batch, _created = clearing.close_period(
        market_id=two_villages["market"].pk,
        period_start=timezone.localdate() - datetime.timedelta(days=1),
        period_end=timezone.localdate() + datetime.timedelta(days=n),
    )
    admins = {
        two_villages[key].pk: world["people"][key][Role.BUMDES_ADMIN] for key in ("home", "other")
    }
    for payout in Payout.objects.filter(batch=batch, status="pending").select_related("seller"):
        payouts.mark_payout_paid(
            acting_user=admins[payout.seller.village_id],
            village_id=payout.seller.village_id,
            payout_id=payout.pk,
            bank_reference=f"TRF-{payout.pk}",
        )

    assert ledger_problems() == []
    programme = world["programme"]
    charges = VoucherCharge.objects.filter(wallet__programme=programme)
    completed = charges.filter(
        status=ChargeStatus.CHARGED, payment__fulfilment__status=FulfilmentStatus.COMPLETED
    )
    open_charges = charges.filter(status=ChargeStatus.CHARGED).exclude(
        payment__fulfilment__status=FulfilmentStatus.COMPLETED
    )
    in_flight = accounts.voucher_in_flight(programme)
    in_flight.refresh_from_db()
    # Voucher money is in flight exactly for the standing charges of open fulfilments.
    assert in_flight.balance == (open_charges.aggregate(s=Sum("amount"))["s"] or 0)
    # Every completed voucher charge was settled once, for its amount.
    settled = (
        Transfer.objects.filter(
            kind=TransferKind.SETTLE, details__programme_id=programme.pk
        ).aggregate(s=Sum("amount"))["s"]
        or 0
    )
    assert settled == (completed.aggregate(s=Sum("amount"))["s"] or 0)
    # Issued money is in the wallet, in flight, settled, or back in the fund.
    issued = Issuance.objects.get(programme=programme, month=1)
    wallet_money = (
        Account.objects.filter(
            kind=AccountKind.BENEFICIARY_WALLET, owner_id__in=programme.wallets.values("pk")
        ).aggregate(s=Sum("balance"))["s"]
        or 0
    )
    fund = accounts.programme_fund(programme)
    fund.refresh_from_db()
    assert -fund.balance == wallet_money + in_flight.balance + settled
    assert issued.done * issued.amount_each == 100_000
    assert not Entry.objects.filter(account__may_go_negative=False, account__balance__lt=0).exists()
    assert posting.Posting.objects.exclude(status=PostingStatus.POSTED).count() == 0
