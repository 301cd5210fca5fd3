"""Marking a seller's payout paid: once, by the seller's own village, with a reference."""

import pytest
from django.utils import timezone

from ledger.enums import AccountKind, TransferKind
from ledger.models import Account, Transfer
from ledger.selectors import ledger_problems
from settlement.models import BatchStatus, Payout, PayoutStatus
from settlement.services import clearing, payouts
from tests.settlement.test_clearing import build_world
from tests.threads import run_together

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch_world(two_villages):
    world = build_world(two_villages)
    today = timezone.localdate()
    world["batch"], _created = clearing.close_period(
        market_id=world["market"].pk, period_start=today, period_end=today
    )
    return world


def payout_of(world, key):
    return Payout.objects.get(batch=world["batch"], seller=world[key]["seller"])


def payable(seller):
    return Account.objects.get(kind=AccountKind.SELLER_PAYABLE, owner_id=seller.pk).balance


def test_marking_a_payout_paid_posts_it_to_the_bank_once(batch_world):
    home = batch_world["home"]
    payout = payout_of(batch_world, "home")

    paid = payouts.mark_payout_paid(
        acting_user=home["admin"],
        village_id=home["village"].pk,
        payout_id=payout.pk,
        bank_reference=" BRI-0001 ",
    )

    assert (paid.status, paid.bank_reference, paid.paid_by) == (
        PayoutStatus.PAID,
        "BRI-0001",
        home["admin"],
    )
    transfer = Transfer.objects.get(kind=TransferKind.PAYOUT)
    assert (transfer.key, transfer.amount) == (f"payout:{payout.pk}", 114_000)
    assert payable(home["seller"]) == 0
    assert Account.objects.get(kind=AccountKind.BANK, owner_id=0).balance == 114_000
    assert ledger_problems() == []


def test_a_second_submit_posts_nothing(batch_world):
    home = batch_world["home"]
    payout = payout_of(batch_world, "home")
    arguments = {
        "acting_user": home["admin"],
        "village_id": home["village"].pk,
        "payout_id": payout.pk,
        "bank_reference": "BRI-0001",
    }
    payouts.mark_payout_paid(**arguments)

    with pytest.raises(payouts.PayoutAlreadyPaid):
        payouts.mark_payout_paid(**{**arguments, "bank_reference": "BRI-0002"})

    assert Transfer.objects.filter(kind=TransferKind.PAYOUT).count() == 1
    payout.refresh_from_db()
    assert payout.bank_reference == "BRI-0001"
    assert payable(home["seller"]) == 0


def test_another_villages_payout_is_not_found(batch_world):
    other = batch_world["other"]
    payout = payout_of(batch_world, "home")

    with pytest.raises(payouts.PayoutNotFound):
        payouts.mark_payout_paid(
            acting_user=other["admin"],
            village_id=other["village"].pk,
            payout_id=payout.pk,
            bank_reference="BRI-0001",
        )

    assert not Transfer.objects.filter(kind=TransferKind.PAYOUT).exists()
    assert payout_of(batch_world, "home").status == PayoutStatus.PENDING


def test_a_payout_needs_a_bank_reference(batch_world):
    home = batch_world["home"]
    with pytest.raises(payouts.BankReferenceMissing):
        payouts.mark_payout_paid(
            acting_user=home["admin"],
            village_id=home["village"].pk,
            payout_id=payout_of(batch_world, "home").pk,
            bank_reference="   ",
        )
    assert not Transfer.objects.filter(kind=TransferKind.PAYOUT).exists()


def test_the_batch_is_paid_when_its_last_payout_is(batch_world):
    for key in ("home", "other"):
        payouts.mark_payout_paid(
            acting_user=batch_world[key]["admin"],
            village_id=batch_world[key]["village"].pk,
            payout_id=payout_of(batch_world, key).pk,
            bank_reference=f"REF-{key}",
        )
        batch_world["batch"].refresh_from_db()
        expected = BatchStatus.PAID if key == "other" else BatchStatus.OPEN
        assert batch_world["batch"].status == expected


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_admins_marking_one_payout_at_once_post_it_once(two_villages):
    world = build_world(two_villages)
    today = timezone.localdate()
    batch, _created = clearing.close_period(
        market_id=world["market"].pk, period_start=today, period_end=today
    )
    payout = Payout.objects.get(batch=batch, seller=world["home"]["seller"])
    home = world["home"]

    def pay(reference):
        try:
            payouts.mark_payout_paid(
                acting_user=home["admin"],
                village_id=home["village"].pk,
                payout_id=payout.pk,
                bank_reference=reference,
            )
        except payouts.PayoutAlreadyPaid:
            return "already"
        return "paid"

    results = run_together(pay, ["BRI-7", "BRI-8"])

    assert sorted(results) == ["already", "paid"]
    assert Transfer.objects.filter(kind=TransferKind.PAYOUT).count() == 1
    assert ledger_problems() == []


def test_a_payout_of_another_batch_is_not_found_through_this_one(batch_world):
    home = batch_world["home"]
    payout = payout_of(batch_world, "home")

    with pytest.raises(payouts.PayoutNotFound):
        payouts.mark_payout_paid(
            acting_user=home["admin"],
            village_id=home["village"].pk,
            payout_id=payout.pk,
            bank_reference="BRI-1",
            batch_id=payout.batch_id + 1,
        )
    assert not Transfer.objects.filter(kind=TransferKind.PAYOUT).exists()


def test_what_a_seller_owes_is_not_paid_out(two_villages):
    from tests.settlement.helpers import cash_sale
    from tests.settlement.test_clearing import side

    home = side(two_villages, "home")
    cash_sale(home["people"], price=20_000, quantity=1, key="k1")
    from settlement.services import posting

    posting.sweep()
    today = timezone.localdate()
    batch, _created = clearing.close_period(
        market_id=two_villages["market"].pk, period_start=today, period_end=today
    )
    owing = batch.payouts.get()

    with pytest.raises(payouts.PayoutNotPayable):
        payouts.mark_payout_paid(
            acting_user=home["admin"],
            village_id=home["village"].pk,
            payout_id=owing.pk,
            bank_reference="BRI-1",
        )
    assert not Transfer.objects.filter(kind=TransferKind.PAYOUT).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_last_two_payouts_paid_at_once_leave_the_batch_paid(two_villages):
    world = build_world(two_villages)
    today = timezone.localdate()
    batch, _created = clearing.close_period(
        market_id=world["market"].pk, period_start=today, period_end=today
    )

    def pay(key):
        side = world[key]
        payout = Payout.objects.get(batch=batch, seller=side["seller"])
        payouts.mark_payout_paid(
            acting_user=side["admin"],
            village_id=side["village"].pk,
            payout_id=payout.pk,
            bank_reference=f"REF-{key}",
        )
        return key

    assert sorted(run_together(pay, ["home", "other"])) == ["home", "other"]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PAID
    assert Transfer.objects.filter(kind=TransferKind.PAYOUT).count() == 2
    assert ledger_problems() == []
