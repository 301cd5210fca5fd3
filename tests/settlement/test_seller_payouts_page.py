"""A seller's own payouts on the seller dashboard, and its statements: for its staff and
its village's BUMDes admins only."""

import csv
import datetime
import io

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from settlement.models import Payout, PayoutStatus
from settlement.services import clearing, payouts, posting
from tests.factories import MarketFactory, SellerFactory, VillageFactory, member
from tests.settlement.helpers import cash_sale
from tests.settlement.test_clearing import build_world, voucher_sale
from villages.enums import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def close(world, day):
    batch, _created = clearing.close_period(
        market_id=world["market"].pk, period_start=day, period_end=day
    )
    return batch


@pytest.fixture
def world(two_villages):
    world = build_world(two_villages)
    world["batch"] = close(world, timezone.localdate())
    home = world["home"]
    home["staff"] = home["people"][str(Role.SELLER_STAFF)]
    home["payout"] = Payout.objects.get(batch=world["batch"], seller=home["seller"])
    return world


def page_url(seller):
    return reverse(
        "settlement:seller_payouts",
        kwargs={"village_slug": seller.village.slug, "seller_slug": seller.slug},
    )


def statement_url(seller, batch, file_format="csv"):
    return reverse(
        f"settlement:seller_payout_statement_{file_format}",
        kwargs={
            "village_slug": seller.village.slug,
            "seller_slug": seller.slug,
            "batch_id": batch.pk,
        },
    )


def rows_of(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_sellers_staff_sees_its_payouts_with_the_reference_once_paid(client, world):
    home = world["home"]
    payouts.mark_payout_paid(
        acting_user=home["admin"],
        village_id=home["village"].pk,
        payout_id=home["payout"].pk,
        bank_reference="BRI-7781",
    )
    client.force_login(home["staff"])

    response = client.get(page_url(home["seller"]))

    assert response.status_code == 200
    assert list(response.context["payouts"]) == [home["payout"]]
    row = response.content.decode().split(f'id="payout-{home["payout"].pk}"')[1].split("</tr>")[0]
    assert "Rp114.000" in row
    assert "Paid" in row
    assert "BRI-7781" in row
    assert statement_url(home["seller"], world["batch"]) in row
    assert statement_url(home["seller"], world["batch"], "pdf") in row


def test_the_villages_bumdes_admin_sees_the_sellers_page_too(client, world):
    home = world["home"]
    client.force_login(home["admin"])

    assert client.get(page_url(home["seller"])).status_code == 200
    assert client.get(statement_url(home["seller"], world["batch"])).status_code == 200


def test_the_statement_download_matches_the_payout(client, world):
    home = world["home"]
    client.force_login(home["staff"])

    response = client.get(statement_url(home["seller"], world["batch"]))
    pdf = client.get(statement_url(home["seller"], world["batch"], "pdf"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    payout_row = next(row for row in rows_of(response) if row and row[0] == "Payout")
    assert int(payout_row[1]) == home["payout"].amount == 114_000
    assert payout_row[2] == "To pay"
    closing = next(row for row in rows_of(response) if row and row[0] == "Closing balance")
    assert int(closing[1]) == 114_000
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")


def test_another_seller_of_the_same_village_is_refused(client, world):
    home = world["home"]
    neighbour = SellerFactory(village=home["village"])
    neighbours_staff = member(home["village"], Role.SELLER_STAFF, seller=neighbour)
    client.force_login(neighbours_staff)

    assert client.get(page_url(home["seller"])).status_code == 403
    for file_format in ("csv", "pdf"):
        response = client.get(statement_url(home["seller"], world["batch"], file_format))
        assert response.status_code == 403
    # Its own page shows its own (empty) history, never the home seller's payout.
    own = client.get(page_url(neighbour))
    assert own.status_code == 200
    assert list(own.context["payouts"]) == []


def test_another_villages_admin_and_seller_are_refused(client, world):
    home, other = world["home"], world["other"]
    for person in (other["admin"], other["people"][str(Role.SELLER_STAFF)]):
        client.force_login(person)
        assert client.get(page_url(home["seller"])).status_code == 403
        assert client.get(statement_url(home["seller"], world["batch"])).status_code == 403


def test_a_seller_cannot_read_another_sellers_statement_through_its_own_url(client, world):
    """The other village's seller has a payout in the same batch: the home seller's staff
    asking for that batch get the home seller's statement, never the other's."""
    home, other = world["home"], world["other"]
    client.force_login(home["staff"])

    response = client.get(statement_url(home["seller"], world["batch"]))

    rows = rows_of(response)
    assert rows[0] == ["Seller", home["seller"].name]
    assert other["seller"].name not in response.content.decode("utf-8-sig")
    assert client.get(statement_url(other["seller"], world["batch"])).status_code == 403


def test_a_batch_of_a_market_the_sellers_village_is_not_in_is_not_found(client, world):
    lonely = MarketFactory(villages=[VillageFactory()])
    today = timezone.localdate()
    foreign, _created = clearing.close_period(
        market_id=lonely.pk, period_start=today, period_end=today
    )
    client.force_login(world["home"]["staff"])

    response = client.get(statement_url(world["home"]["seller"], foreign))

    assert response.status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    home = world["home"]
    for url in (page_url(home["seller"]), statement_url(home["seller"], world["batch"])):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


def test_a_resident_and_an_official_of_the_village_are_refused(client, world):
    home = world["home"]
    for role in (Role.RESIDENT, Role.VILLAGE_OFFICIAL):
        client.force_login(home["people"][str(role)])
        assert client.get(page_url(home["seller"])).status_code == 403


def test_sales_posted_since_the_last_batch_are_shown_with_what_will_be_owed(client, world):
    home = world["home"]
    client.force_login(home["staff"])
    settled = client.get(page_url(home["seller"])).context["unbatched"]
    assert (settled.count, settled.amount) == (0, 0)

    voucher_sale(home, programme=world["other"]["programme"], amount=10_000)
    posting.sweep()
    response = client.get(page_url(home["seller"]))

    unbatched = response.context["unbatched"]
    assert (unbatched.count, unbatched.amount) == (1, 9_500)  # less the 5% commission
    assert "Rp9.500" in response.content.decode().split('id="unbatched-amount"')[1]
    # The next batch lists exactly that.
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    batch = close(world, tomorrow)
    assert Payout.objects.get(batch=batch, seller=home["seller"]).amount == 9_500


def test_a_cash_sale_shows_the_commission_the_seller_will_owe(client, world):
    home = world["home"]
    payouts.mark_payout_paid(
        acting_user=home["admin"],
        village_id=home["village"].pk,
        payout_id=home["payout"].pk,
        bank_reference="BRI-1",
    )
    cash_sale(home["people"], price=10_000, quantity=1, key="cash-1")
    posting.sweep()
    client.force_login(home["staff"])

    response = client.get(page_url(home["seller"]))

    unbatched = response.context["unbatched"]
    assert (unbatched.count, unbatched.amount, unbatched.seller_owes) == (1, -500, 500)
    assert "Rp500" in response.content.decode().split('id="unbatched-amount"')[1]


def test_nothing_settled_yet_counts_every_posted_sale(client, two_villages):
    world = build_world(two_villages)
    home = world["home"]
    client.force_login(two_villages["people"]["home"][Role.SELLER_STAFF])

    response = client.get(page_url(home["seller"]))

    unbatched = response.context["unbatched"]
    assert (unbatched.since, unbatched.count, unbatched.amount) == (None, 2, 114_000)
    assert list(response.context["payouts"]) == []


def test_the_page_reads_a_fixed_number_of_queries(client, world, django_assert_num_queries):
    home = world["home"]
    client.force_login(home["staff"])
    page = page_url(home["seller"])
    client.get(page)  # warms the session

    with django_assert_num_queries(10) as one:
        client.get(page)
    for days_back in range(1, 4):  # three more batches, each with a payout of the seller
        voucher_sale(home, programme=world["other"]["programme"], amount=10_000)
        posting.sweep()
        close(world, timezone.localdate() - datetime.timedelta(days=days_back))
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(page)

    assert len(response.context["payouts"]) == 4
    assert Payout.objects.filter(seller=home["seller"], status=PayoutStatus.PENDING).count() == 4


def test_payouts_are_newest_first_a_page_at_a_time(client, world, monkeypatch):
    from settlement import seller_views

    monkeypatch.setattr(seller_views, "PAGE_SIZE", 2)
    home = world["home"]
    for days_back in range(1, 4):
        voucher_sale(home, programme=world["other"]["programme"], amount=10_000)
        posting.sweep()
        close(world, timezone.localdate() - datetime.timedelta(days=days_back))
    client.force_login(home["staff"])

    first = client.get(page_url(home["seller"]))
    second = client.get(page_url(home["seller"]) + "?page=2")

    shown = [p.batch.period_end for p in first.context["payouts"]] + [
        p.batch.period_end for p in second.context["payouts"]
    ]
    today = timezone.localdate()
    assert shown == [today - datetime.timedelta(days=n) for n in range(4)]
