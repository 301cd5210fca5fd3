"""The settlement pages of a village, as its BUMDes admin uses them."""

import csv
import datetime
import io

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from ledger.enums import AccountKind, TransferKind
from ledger.models import Account, Entry, Transfer
from ledger.selectors import ledger_problems
from settlement.models import BumdesCost, Payout, PayoutStatus, ProfitShare
from settlement.services import clearing, posting, profit
from tests.factories import MarketFactory, SellerFactory, VillageFactory
from tests.settlement.test_clearing import build_world, voucher_sale
from villages.enums import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(two_villages):
    world = build_world(two_villages)
    today = timezone.localdate()
    world["batch"], _created = clearing.close_period(
        market_id=world["market"].pk, period_start=today, period_end=today
    )
    world["people"] = two_villages["people"]
    return world


@pytest.fixture(autouse=True)
def english(client):
    """Statements are checked by their English labels: the pages in English."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def url(name, village, **kwargs):
    return reverse(f"settlement:{name}", kwargs={"village_slug": village.slug, **kwargs})


def rows_of(response):
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    return list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))


def value_after(rows, label):
    return next(row[1] for row in rows if row and row[0] == label)


def test_the_admin_sees_the_markets_batches_with_the_villages_part(
    client, world, django_assert_max_num_queries
):
    home = world["home"]
    client.force_login(home["admin"])

    with django_assert_max_num_queries(8):
        response = client.get(url("batch_list", home["village"]))

    assert response.status_code == 200
    summary = response.context["summaries"][0]
    assert (summary.to_pay, summary.incoming, summary.outgoing) == (114_000, 70_000, 0)
    assert f'id="batch-{world["batch"].pk}"' in response.content.decode()


def test_a_resident_a_seller_and_another_villages_admin_are_refused(client, world):
    home = world["home"]
    people = world["people"]
    for person in (
        people["home"][Role.RESIDENT],
        people["home"][Role.SELLER_STAFF],
        world["other"]["admin"],
        people["other"][Role.VILLAGE_OFFICIAL],
    ):
        client.force_login(person)
        assert client.get(url("batch_list", home["village"])).status_code == 403
        response = client.get(url("batch_detail", home["village"], batch_id=world["batch"].pk))
        assert response.status_code == 403


def test_a_batch_of_another_market_is_not_found(client, world):
    lonely = MarketFactory(villages=[VillageFactory()])
    today = timezone.localdate()
    foreign, _created = clearing.close_period(
        market_id=lonely.pk, period_start=today, period_end=today
    )
    client.force_login(world["home"]["admin"])

    response = client.get(url("batch_detail", world["home"]["village"], batch_id=foreign.pk))

    assert response.status_code == 404


def test_marking_a_payout_paid_on_the_page_posts_it_once(client, world):
    home = world["home"]
    payout = Payout.objects.get(batch=world["batch"], seller=home["seller"])
    page = url("batch_detail", home["village"], batch_id=world["batch"].pk)
    client.force_login(home["admin"])
    assert f'id="pay-{payout.pk}"' in client.get(page).content.decode()
    form = {"payout": payout.pk, f"p{payout.pk}-bank_reference": "BRI-0042"}

    first = client.post(page, form)
    second = client.post(page, form)  # the same form, submitted again

    assert (first.status_code, second.status_code) == (302, 302)
    payout.refresh_from_db()
    assert (payout.status, payout.bank_reference, payout.paid_by) == (
        PayoutStatus.PAID,
        "BRI-0042",
        home["admin"],
    )
    assert Transfer.objects.filter(kind=TransferKind.PAYOUT).count() == 1
    assert ledger_problems() == []


def test_a_payout_without_a_reference_is_refused(client, world):
    home = world["home"]
    payout = Payout.objects.get(batch=world["batch"], seller=home["seller"])
    client.force_login(home["admin"])

    response = client.post(
        url("batch_detail", home["village"], batch_id=world["batch"].pk),
        {"payout": payout.pk, f"p{payout.pk}-bank_reference": ""},
    )

    assert response.status_code == 400
    assert not Transfer.objects.filter(kind=TransferKind.PAYOUT).exists()


def test_another_villages_payout_cannot_be_marked_through_ones_own_village(client, world):
    other = world["other"]
    payout = Payout.objects.get(batch=world["batch"], seller=world["home"]["seller"])
    client.force_login(other["admin"])

    response = client.post(
        url("batch_detail", other["village"], batch_id=world["batch"].pk),
        {"payout": payout.pk, f"p{payout.pk}-bank_reference": "BRI-1"},
    )

    assert response.status_code == 404
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PENDING


def test_the_sellers_statement_totals_are_the_ledgers(client, world):
    home = world["home"]
    client.force_login(home["admin"])
    kwargs = {"batch_id": world["batch"].pk, "seller_slug": home["seller"].slug}

    response = client.get(url("seller_statement_csv", home["village"], **kwargs))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = rows_of(response)
    account = Account.objects.get(kind=AccountKind.SELLER_PAYABLE, owner_id=home["seller"].pk)
    ledger_total = sum(Entry.objects.filter(account=account).values_list("amount", flat=True))
    assert int(value_after(rows, "Total movement")) == ledger_total == 114_000
    assert int(value_after(rows, "Closing balance")) == account.balance
    pdf = client.get(url("seller_statement_pdf", home["village"], **kwargs))
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")


def test_another_villages_seller_has_no_statement_here(client, world):
    home = world["home"]
    client.force_login(home["admin"])
    kwargs = {"batch_id": world["batch"].pk, "seller_slug": world["other"]["seller"].slug}

    assert client.get(url("seller_statement_csv", home["village"], **kwargs)).status_code == 404


def test_the_village_statement_totals_are_the_ledgers(client, world):
    home = world["home"]
    client.force_login(home["admin"])

    response = client.get(url("village_statement_csv", home["village"], batch_id=world["batch"].pk))

    rows = rows_of(response)
    clearing_account = Account.objects.get(
        kind=AccountKind.VILLAGE_CLEARING, owner_id=home["village"].pk
    )
    assert int(value_after(rows, "Net clearing")) == clearing_account.balance == 70_000
    assert int(value_after(rows, "To pay")) == 114_000
    pdf = client.get(url("village_statement_pdf", home["village"], batch_id=world["batch"].pk))
    assert pdf.content.startswith(b"%PDF")


def test_recording_a_cost_twice_from_one_form_records_it_once(client, world):
    home = world["home"]
    client.force_login(home["admin"])
    page = url("profit", home["village"])
    assert client.get(page).status_code == 200
    form = {
        "bumdes": home["bumdes"].pk,
        "idempotency_key": "form-1",
        "description": "Sewa tenda",
        "amount": "25.000",
        "spent_on": timezone.localdate().isoformat(),
    }

    assert client.post(page, form).status_code == 302
    assert client.post(page, form).status_code == 302

    cost = BumdesCost.objects.get()
    assert (cost.amount, cost.recorded_by) == (25_000, home["admin"])
    assert Transfer.objects.filter(kind=TransferKind.COST).count() == 1


def test_a_cost_for_another_bumdes_is_refused(client, world):
    home = world["home"]
    client.force_login(home["admin"])

    response = client.post(
        url("profit", home["village"]),
        {
            "bumdes": world["other"]["bumdes"].pk,
            "idempotency_key": "form-2",
            "description": "Sewa",
            "amount": "1.000",
            "spent_on": timezone.localdate().isoformat(),
        },
    )

    assert response.status_code == 404
    assert not BumdesCost.objects.exists()


def test_a_month_is_closed_from_the_page_and_its_statement_reconciles(client, world, monkeypatch):
    home = world["home"]
    month = timezone.localdate().strftime("%Y-%m")
    later = timezone.now() + datetime.timedelta(days=40)
    monkeypatch.setattr(timezone, "now", lambda: later)
    client.force_login(home["admin"])
    page = url("profit", home["village"])

    response = client.post(page, {"action": "close", "bumdes": home["bumdes"].pk, "month": month})

    assert response.status_code == 302
    share = ProfitShare.objects.get(bumdes=home["bumdes"])
    assert (share.commissions, share.community_share) == (6_000, 3_000)
    rows = rows_of(client.get(url("profit_statement_csv", home["village"], share_id=share.pk)))
    fund = Account.objects.get(kind=AccountKind.COMMUNITY_FUND, owner_id=home["village"].pk)
    assert int(value_after(rows, "Community share")) == fund.balance == 3_000
    pdf = client.get(url("profit_statement_pdf", home["village"], share_id=share.pk))
    assert pdf.content.startswith(b"%PDF")
    other_admin = world["other"]["admin"]
    client.force_login(other_admin)
    other_url = url("profit_statement_csv", world["other"]["village"], share_id=share.pk)
    assert client.get(other_url).status_code == 404


def test_a_month_not_over_is_not_closed_from_the_page(client, world):
    home = world["home"]
    client.force_login(home["admin"])

    response = client.post(
        url("profit", home["village"]),
        {
            "action": "close",
            "bumdes": home["bumdes"].pk,
            "month": timezone.localdate().strftime("%Y-%m"),
        },
    )

    assert response.status_code == 400
    assert not ProfitShare.objects.exists()


def test_the_batch_page_reads_a_fixed_number_of_queries(
    client, two_villages, django_assert_num_queries
):
    world = build_world(two_villages)
    home = world["home"]
    for _extra in range(3):  # more sellers with payouts: not more queries
        seller = SellerFactory(village=home["village"])
        voucher_sale(
            {**home, "seller": seller}, programme=world["other"]["programme"], amount=10_000
        )
    posting.sweep()
    today = timezone.localdate()
    batch, _created = clearing.close_period(
        market_id=world["market"].pk, period_start=today, period_end=today
    )
    client.force_login(home["admin"])
    page = url("batch_detail", home["village"], batch_id=batch.pk)
    client.get(page)  # warms the session and the scope

    with django_assert_num_queries(7):
        response = client.get(page)

    assert response.status_code == 200
    assert len(response.context["payout_rows"]) == 4


def test_the_profit_page_reads_a_fixed_number_of_queries(
    client, world, django_assert_num_queries, monkeypatch
):
    home = world["home"]
    for number in range(3):
        profit.record_cost(
            acting_user=home["admin"],
            bumdes_id=home["bumdes"].pk,
            amount=1_000,
            description=f"Biaya {number}",
            spent_on=timezone.localdate(),
            idempotency_key=f"cost-{number}",
        )
    later = timezone.now() + datetime.timedelta(days=70)
    monkeypatch.setattr(timezone, "now", lambda: later)
    for months_back in (40, 70):
        day = timezone.localdate() - datetime.timedelta(days=months_back)
        start, end = profit.month_of(day)
        profit.close_profit_period(bumdes_id=home["bumdes"].pk, period_start=start, period_end=end)
    client.force_login(home["admin"])
    page = url("profit", home["village"])
    client.get(page)

    with django_assert_num_queries(12):  # one BUMDes: its rule, balance, costs, periods
        response = client.get(page)

    assert response.status_code == 200
    section = response.context["sections"][0][0]
    assert (len(section.costs), len(section.shares)) == (3, 2)


def test_the_villages_official_reads_the_settlement_but_cannot_act(client, world):
    home = world["home"]
    official = world["people"]["home"][Role.VILLAGE_OFFICIAL]
    payout = Payout.objects.get(batch=world["batch"], seller=home["seller"])
    page = url("batch_detail", home["village"], batch_id=world["batch"].pk)
    client.force_login(official)

    response = client.get(page)
    posted = client.post(page, {"payout": payout.pk, f"p{payout.pk}-bank_reference": "BRI-9"})
    cost = client.post(
        url("profit", home["village"]),
        {
            "bumdes": home["bumdes"].pk,
            "idempotency_key": "official",
            "description": "Sewa",
            "amount": "1.000",
            "spent_on": timezone.localdate().isoformat(),
        },
    )

    assert response.status_code == 200
    assert f'id="pay-{payout.pk}"' not in response.content.decode()
    assert client.get(url("profit", home["village"])).status_code == 200
    assert (posted.status_code, cost.status_code) == (403, 403)
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PENDING
    assert not BumdesCost.objects.exists()


def test_a_pdf_statement_survives_names_beyond_latin_1(client, world):
    home = world["home"]
    home["seller"].name = "Warung Bu Siti ☕ — “Murah”"
    home["seller"].save(update_fields=["name"])
    client.force_login(home["admin"])
    kwargs = {"batch_id": world["batch"].pk, "seller_slug": home["seller"].slug}

    response = client.get(url("seller_statement_pdf", home["village"], **kwargs))
    village_pdf = client.get(
        url("village_statement_pdf", home["village"], batch_id=kwargs["batch_id"])
    )

    assert response.status_code == village_pdf.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert village_pdf.content.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
