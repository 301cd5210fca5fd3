"""A BUMDes admin recording the commission a seller that took cash paid: once, by the
seller's own village, with a receipt or bank reference, and the seller sees it."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from ledger.enums import AccountKind
from ledger.models import Account, Transfer
from ledger.selectors import ledger_problems
from settlement.models import BatchStatus, Payout, PayoutStatus
from settlement.services import clearing, commissions, payouts, posting
from tests.factories import category
from tests.settlement.helpers import cash_sale
from tests.settlement.test_clearing import build_world, side
from tests.threads import run_together
from villages.enums import Role

pytestmark = pytest.mark.django_db


def owing_world(two_villages):
    """The home seller took Rp20.000 in cash: today's batch lists it as owing commission."""
    category("beras")  # seeds the staple categories again after a transactional test
    home = side(two_villages, "home")
    other = side(two_villages, "other")
    cash_sale(home["people"], price=20_000, quantity=1, key="cash-1")
    posting.sweep()
    today = timezone.localdate()
    batch, _created = clearing.close_period(
        market_id=two_villages["market"].pk, period_start=today, period_end=today
    )
    payout = batch.payouts.get(seller=home["seller"])
    return {
        "home": home,
        "other": other,
        "batch": batch,
        "payout": payout,
        "people": two_villages["people"],
    }


@pytest.fixture
def world(two_villages):
    return owing_world(two_villages)


@pytest.fixture(autouse=True)
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def payable(seller):
    return Account.objects.get(kind=AccountKind.SELLER_PAYABLE, owner_id=seller.pk).balance


def bank():
    account = Account.objects.filter(kind=AccountKind.BANK, owner_id=0).first()
    return account.balance if account else 0


def received_transfers():
    return Transfer.objects.filter(key__startswith="commission-received:")


def receive(world, reference="KW-0001", **overrides):
    home = world["home"]
    arguments = {
        "acting_user": home["admin"],
        "village_id": home["village"].pk,
        "payout_id": world["payout"].pk,
        "reference": reference,
        **overrides,
    }
    return commissions.mark_commission_received(**arguments)


def batch_url(village, batch):
    return reverse(
        "settlement:batch_detail", kwargs={"village_slug": village.slug, "batch_id": batch.pk}
    )


def form_of(payout, reference):
    return {"commission": payout.pk, f"c{payout.pk}-reference": reference}


# --- The service ----------------------------------------------------------------------------


def test_recording_the_commission_brings_the_sellers_payable_back_to_zero(world):
    home, payout = world["home"], world["payout"]
    assert payout.status == PayoutStatus.OWING
    assert payable(home["seller"]) == -payout.amount
    bank_before = bank()

    received = receive(world, reference=" KW-0001 ")

    assert (received.status, received.bank_reference, received.paid_by) == (
        PayoutStatus.RECEIVED,
        "KW-0001",
        home["admin"],
    )
    assert received.paid_at is not None
    transfer = received_transfers().get()
    assert (transfer.key, transfer.amount, transfer.memo) == (
        f"commission-received:{payout.pk}",
        payout.amount,
        "KW-0001",
    )
    assert transfer.details["commission_reference"] == "KW-0001"
    assert payable(home["seller"]) == 0
    assert bank() == bank_before - payout.amount
    assert ledger_problems() == []


def test_a_second_record_changes_nothing(world):
    receive(world, reference="KW-0001")

    with pytest.raises(commissions.CommissionAlreadyReceived):
        receive(world, reference="KW-0002")

    assert received_transfers().count() == 1
    world["payout"].refresh_from_db()
    assert world["payout"].bank_reference == "KW-0001"
    assert payable(world["home"]["seller"]) == 0
    assert ledger_problems() == []


def test_a_reference_is_required(world):
    with pytest.raises(commissions.ReceiptReferenceMissing):
        receive(world, reference="   ")

    world["payout"].refresh_from_db()
    assert world["payout"].status == PayoutStatus.OWING
    assert not received_transfers().exists()


def test_another_villages_admin_does_not_find_the_payout(world):
    other = world["other"]
    with pytest.raises(payouts.PayoutNotFound):
        receive(world, acting_user=other["admin"], village_id=other["village"].pk)

    assert not received_transfers().exists()


def test_a_payout_of_another_batch_is_not_found_through_this_one(world):
    with pytest.raises(payouts.PayoutNotFound):
        receive(world, batch_id=world["batch"].pk + 1)

    assert not received_transfers().exists()


def test_a_payout_the_market_owes_is_refused(two_villages):
    pending = build_world(two_villages)
    today = timezone.localdate()
    batch, _created = clearing.close_period(
        market_id=pending["market"].pk, period_start=today, period_end=today
    )
    home = pending["home"]
    payout = Payout.objects.get(batch=batch, seller=home["seller"])
    assert payout.status == PayoutStatus.PENDING

    with pytest.raises(commissions.CommissionNotOwed):
        commissions.mark_commission_received(
            acting_user=home["admin"],
            village_id=home["village"].pk,
            payout_id=payout.pk,
            reference="KW-1",
        )

    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PENDING
    assert not received_transfers().exists()


def test_a_received_commission_is_not_paid_out_and_leaves_the_batch_as_it_was(world):
    status_before = world["batch"].status
    receive(world)

    with pytest.raises(payouts.PayoutNotPayable):
        payouts.mark_payout_paid(
            acting_user=world["home"]["admin"],
            village_id=world["home"]["village"].pk,
            payout_id=world["payout"].pk,
            bank_reference="BRI-1",
        )
    world["batch"].refresh_from_db()
    assert world["batch"].status == status_before == BatchStatus.PAID


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_admins_recording_one_commission_at_once_record_it_once(two_villages):
    world = owing_world(two_villages)

    def record(reference):
        try:
            receive(world, reference=reference)
        except commissions.CommissionAlreadyReceived:
            return "already"
        return "received"

    results = run_together(record, ["KW-7", "KW-8"])

    assert sorted(results) == ["already", "received"]
    assert received_transfers().count() == 1
    assert payable(world["home"]["seller"]) == 0
    assert ledger_problems() == []


# --- The pages ------------------------------------------------------------------------------


def test_the_admin_marks_the_commission_received_on_the_batch_page_once(
    client, world, django_assert_num_queries
):
    home, payout = world["home"], world["payout"]
    page = batch_url(home["village"], world["batch"])
    client.force_login(home["admin"])
    client.get(page)  # warms the session and the scope
    with django_assert_num_queries(7):
        shown = client.get(page)
    assert f'id="receive-{payout.pk}"' in shown.content.decode()
    assert f'id="pay-{payout.pk}"' not in shown.content.decode()

    first = client.post(page, form_of(payout, "KW-0042"))
    second = client.post(page, form_of(payout, "KW-0042"))  # the same form again

    assert (first.status_code, second.status_code) == (302, 302)
    payout.refresh_from_db()
    assert (payout.status, payout.bank_reference) == (PayoutStatus.RECEIVED, "KW-0042")
    assert received_transfers().count() == 1
    after = client.get(page).content.decode()
    assert f'id="receive-{payout.pk}"' not in after
    assert "Commission received" in after
    assert "KW-0042" in after
    assert ledger_problems() == []


def test_an_empty_reference_is_refused_with_a_message(client, world):
    home, payout = world["home"], world["payout"]
    client.force_login(home["admin"])

    response = client.post(batch_url(home["village"], world["batch"]), form_of(payout, " "))

    assert response.status_code == 400
    assert "Write the receipt number or the bank transfer&#x27;s reference." in (
        response.content.decode()
    )
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.OWING
    assert not received_transfers().exists()


def test_the_sellers_staff_and_the_official_cannot_record_it(client, world):
    home, payout = world["home"], world["payout"]
    page = batch_url(home["village"], world["batch"])
    people = world["people"]["home"]
    for person in (people[Role.SELLER_STAFF], people[Role.VILLAGE_OFFICIAL]):
        client.force_login(person)
        assert client.post(page, form_of(payout, "KW-1")).status_code == 403
    client.force_login(people[Role.VILLAGE_OFFICIAL])
    assert f'id="receive-{payout.pk}"' not in client.get(page).content.decode()

    payout.refresh_from_db()
    assert payout.status == PayoutStatus.OWING
    assert not received_transfers().exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    page = batch_url(world["home"]["village"], world["batch"])

    response = client.post(page, form_of(world["payout"], "KW-1"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))
    assert not received_transfers().exists()


def test_another_village_cannot_record_it_through_its_own_page_or_the_sellers(client, world):
    other, payout = world["other"], world["payout"]
    client.force_login(other["admin"])

    through_own = client.post(batch_url(other["village"], world["batch"]), form_of(payout, "KW"))
    through_home = client.post(
        batch_url(world["home"]["village"], world["batch"]), form_of(payout, "KW")
    )

    assert (through_own.status_code, through_home.status_code) == (404, 403)
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.OWING
    assert not received_transfers().exists()


def test_the_seller_sees_the_commission_received_with_its_reference_and_date(client, world):
    receive(world, reference="KW-0099")
    seller = world["home"]["seller"]
    client.force_login(world["people"]["home"][Role.SELLER_STAFF])

    response = client.get(
        reverse(
            "settlement:seller_payouts",
            kwargs={"village_slug": seller.village.slug, "seller_slug": seller.slug},
        )
    )

    assert response.status_code == 200
    page = response.content.decode()
    world["payout"].refresh_from_db()
    assert "Commission received" in page
    assert "KW-0099" in page
    paid_on = timezone.localtime(world["payout"].paid_at)
    assert f"{paid_on.day} {paid_on:%b} {paid_on.year}" in page
