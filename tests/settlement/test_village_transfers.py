"""Recording the bank transfer by which one village pays another what a batch netted: only
the paying village's BUMDes admin, once, with a reference; both villages see it paid."""

import csv
import io

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from ledger.enums import AccountKind, TransferKind
from ledger.models import Account, Transfer
from ledger.selectors import ledger_problems
from settlement.models import VillageTransfer, VillageTransferStatus
from settlement.services import clearing, village_transfers
from settlement.services.payouts import BankReferenceMissing
from tests.factories import member
from tests.settlement.test_clearing import build_world
from tests.threads import run_together
from villages.enums import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def settle_today(two_villages):
    world = build_world(two_villages)
    today = timezone.localdate()
    world["batch"], _created = clearing.close_period(
        market_id=world["market"].pk, period_start=today, period_end=today
    )
    # The other village's programme owes the home seller 100.000, the home programme the
    # other seller 30.000: the other village pays home 70.000.
    world["transfer"] = VillageTransfer.objects.get(batch=world["batch"])
    world["people"] = two_villages["people"]
    return world


@pytest.fixture
def world(two_villages):
    return settle_today(two_villages)


def page(village, batch):
    return reverse(
        "settlement:batch_detail", kwargs={"village_slug": village.slug, "batch_id": batch.pk}
    )


def clearing_balance(village):
    return Account.objects.get(kind=AccountKind.VILLAGE_CLEARING, owner_id=village.pk).balance


def settlements():
    return Transfer.objects.filter(kind=TransferKind.CLEARING, key__startswith="village-transfer:")


def assert_unpaid(transfer):
    transfer.refresh_from_db()
    assert (transfer.status, transfer.bank_reference, transfer.paid_at, transfer.paid_by) == (
        VillageTransferStatus.PENDING,
        "",
        None,
        None,
    )
    assert not settlements().exists()


def test_the_paying_villages_admin_marks_the_transfer_paid(world):
    transfer, other, home = world["transfer"], world["other"], world["home"]
    assert (transfer.from_village, transfer.to_village, transfer.amount) == (
        other["village"],
        home["village"],
        70_000,
    )

    paid = village_transfers.mark_village_transfer_paid(
        actor=other["admin"], transfer_id=transfer.pk, bank_reference="  BPD-DIY-0091 "
    )

    transfer.refresh_from_db()
    assert paid.pk == transfer.pk
    assert (transfer.status, transfer.bank_reference, transfer.paid_by) == (
        VillageTransferStatus.PAID,
        "BPD-DIY-0091",
        other["admin"],
    )
    assert transfer.paid_at is not None
    posted = settlements().get()
    assert (posted.amount, posted.details["village_transfer_id"]) == (70_000, transfer.pk)
    # The claim is settled: neither village owes or is owed it any more.
    assert clearing_balance(other["village"]) == clearing_balance(home["village"]) == 0
    assert ledger_problems() == []


@pytest.mark.parametrize(
    ("village_key", "role"),
    [
        ("home", Role.BUMDES_ADMIN),  # the receiving village
        ("other", Role.VILLAGE_OFFICIAL),
        ("other", Role.SELLER_STAFF),
        ("other", Role.RESIDENT),
    ],
)
def test_only_a_bumdes_admin_of_the_paying_village_may(world, village_key, role):
    person = world["people"][village_key][role]

    with pytest.raises(village_transfers.NotPayingVillage):
        village_transfers.mark_village_transfer_paid(
            actor=person, transfer_id=world["transfer"].pk, bank_reference="BRI-1"
        )

    assert_unpaid(world["transfer"])


def test_a_second_call_keeps_the_first_record(world):
    other = world["other"]
    second_admin = member(other["village"], Role.BUMDES_ADMIN)
    village_transfers.mark_village_transfer_paid(
        actor=other["admin"], transfer_id=world["transfer"].pk, bank_reference="BRI-1"
    )
    world["transfer"].refresh_from_db()
    first = (world["transfer"].bank_reference, world["transfer"].paid_at)

    with pytest.raises(village_transfers.VillageTransferAlreadyPaid) as refused:
        village_transfers.mark_village_transfer_paid(
            actor=second_admin, transfer_id=world["transfer"].pk, bank_reference="BRI-2"
        )

    assert refused.value.extra == {"bank_reference": "BRI-1"}
    world["transfer"].refresh_from_db()
    assert (world["transfer"].bank_reference, world["transfer"].paid_at) == first
    assert world["transfer"].paid_by == other["admin"]
    assert settlements().count() == 1


@pytest.mark.parametrize("reference", ["", "   "])
def test_an_empty_reference_is_refused_with_a_clear_message(world, reference):
    with pytest.raises(BankReferenceMissing) as refused:
        village_transfers.mark_village_transfer_paid(
            actor=world["other"]["admin"],
            transfer_id=world["transfer"].pk,
            bank_reference=reference,
        )

    # Indonesian first: the default language.
    assert str(refused.value.message) == "Tulis nomor referensi transfer bank."
    assert_unpaid(world["transfer"])


def test_an_unknown_transfer_is_not_found(world):
    with pytest.raises(village_transfers.VillageTransferNotFound):
        village_transfers.mark_village_transfer_paid(
            actor=world["other"]["admin"],
            transfer_id=world["transfer"].pk + 1000,
            bank_reference="BRI-1",
        )


# --- On the batch page ------------------------------------------------------------------


def test_the_paying_village_pays_on_its_page_and_the_receiving_village_sees_it_paid(client, world):
    other, home, transfer = world["other"], world["home"], world["transfer"]
    client.force_login(home["admin"])
    receiving = client.get(page(home["village"], world["batch"])).content.decode()
    assert f'id="pay-transfer-{transfer.pk}"' not in receiving  # not theirs to pay
    client.force_login(other["admin"])
    paying_page = page(other["village"], world["batch"])
    assert f'id="pay-transfer-{transfer.pk}"' in client.get(paying_page).content.decode()

    response = client.post(
        paying_page, {"transfer": transfer.pk, f"t{transfer.pk}-bank_reference": "BPD-7"}
    )

    assert response.status_code == 302
    client.force_login(home["admin"])
    row = (
        client.get(page(home["village"], world["batch"]))
        .content.decode()
        .split(f'id="transfer-{transfer.pk}"')[1]
        .split("</tr>")[0]
    )
    assert "Paid" in row
    assert "BPD-7" in row
    assert "to receive" in row


def test_a_double_submit_on_the_page_records_the_transfer_once(client, world):
    other, transfer = world["other"], world["transfer"]
    client.force_login(other["admin"])
    paying_page = page(other["village"], world["batch"])
    form = {"transfer": transfer.pk, f"t{transfer.pk}-bank_reference": "BPD-7"}

    first = client.post(paying_page, form)
    second = client.post(paying_page, {**form, f"t{transfer.pk}-bank_reference": "BPD-8"})

    assert (first.status_code, second.status_code) == (302, 302)
    transfer.refresh_from_db()
    assert transfer.bank_reference == "BPD-7"
    assert settlements().count() == 1
    assert ledger_problems() == []


def test_an_empty_reference_on_the_page_shows_the_message(client, world):
    other, transfer = world["other"], world["transfer"]
    client.force_login(other["admin"])

    response = client.post(
        page(other["village"], world["batch"]),
        {"transfer": transfer.pk, f"t{transfer.pk}-bank_reference": ""},
    )

    assert response.status_code == 400
    assert "Write the bank transfer&#x27;s reference." in response.content.decode()
    assert_unpaid(transfer)


def test_the_receiving_village_cannot_mark_it_through_its_own_page(client, world):
    home, transfer = world["home"], world["transfer"]
    client.force_login(home["admin"])

    response = client.post(
        page(home["village"], world["batch"]),
        {"transfer": transfer.pk, f"t{transfer.pk}-bank_reference": "BRI-1"},
    )

    assert response.status_code == 404
    assert_unpaid(transfer)


@pytest.mark.parametrize(
    ("village_key", "role"),
    [("other", Role.VILLAGE_OFFICIAL), ("other", Role.SELLER_STAFF), ("home", Role.BUMDES_ADMIN)],
)
def test_others_cannot_post_on_the_paying_villages_page(client, world, village_key, role):
    transfer = world["transfer"]
    client.force_login(world["people"][village_key][role])

    response = client.post(
        page(world["other"]["village"], world["batch"]),
        {"transfer": transfer.pk, f"t{transfer.pk}-bank_reference": "BRI-1"},
    )

    assert response.status_code == 403
    assert_unpaid(transfer)


def test_the_batch_page_still_reads_a_fixed_number_of_queries(
    client, world, django_assert_num_queries
):
    other = world["other"]
    village_transfers.mark_village_transfer_paid(
        actor=other["admin"], transfer_id=world["transfer"].pk, bank_reference="BRI-1"
    )
    client.force_login(other["admin"])
    url = page(other["village"], world["batch"])
    client.get(url)

    with django_assert_num_queries(7):
        response = client.get(url)

    assert [t.status for t, _form in response.context["transfer_rows"]] == ["paid"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_admins_marking_one_transfer_at_once_record_it_once(two_villages):
    world = settle_today(two_villages)
    other = world["other"]
    admins = {"BRI-7": other["admin"], "BRI-8": member(other["village"], Role.BUMDES_ADMIN)}

    def pay(reference):
        try:
            village_transfers.mark_village_transfer_paid(
                actor=admins[reference],
                transfer_id=world["transfer"].pk,
                bank_reference=reference,
            )
        except village_transfers.VillageTransferAlreadyPaid:
            return "already"
        return "paid"

    results = run_together(pay, ["BRI-7", "BRI-8"])

    assert sorted(results) == ["already", "paid"]
    assert settlements().count() == 1
    world["transfer"].refresh_from_db()
    assert world["transfer"].paid_by == admins[world["transfer"].bank_reference]
    assert ledger_problems() == []


def test_the_village_statement_shows_the_transfer_paid_with_its_reference(client, world):
    other, home = world["other"], world["home"]
    village_transfers.mark_village_transfer_paid(
        actor=other["admin"], transfer_id=world["transfer"].pk, bank_reference="BPD-7"
    )
    client.force_login(home["admin"])
    kwargs = {"village_slug": home["village"].slug, "batch_id": world["batch"].pk}

    response = client.get(reverse("settlement:village_statement_csv", kwargs=kwargs))
    pdf = client.get(reverse("settlement:village_statement_pdf", kwargs=kwargs))

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    row = next(row for row in rows if row and row[0] == other["village"].name)
    assert row[1:6] == [
        home["village"].name,
        "70000",
        world["transfer"].transfer_key,
        "Paid",
        "BPD-7",
    ]
    assert pdf.content.startswith(b"%PDF")
