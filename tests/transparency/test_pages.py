"""The public transparency pages: every figure is the ledger's, to the rupiah; anyone may
read them; no beneficiary can be found on them; the queries do not grow with the data."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from ledger.selectors import ledger_problems
from settlement.models import SettlementBatch
from tests.transparency import ledger_sums
from tests.transparency.history import History
from vouchers import nik

pytestmark = pytest.mark.django_db


def amount(html, element_id):
    """The whole rupiah of the figure whose element has ``id=element_id``."""
    found = re.search(rf'id="{element_id}".*?data-amount="(-?\d+)"', html, re.S)
    assert found, f"no figure {element_id}"
    return int(found.group(1))


def row_amounts(html, attribute, value):
    """The data-amount values of the table row with ``attribute="value"``, in order."""
    found = re.search(rf'<tr {attribute}="{value}"[^>]*>(.*?)</tr>', html, re.S)
    assert found, f"no row {attribute}={value}"
    return [int(a) for a in re.findall(r'data-amount="(-?\d+)"', found.group(1))]


def page(client, name, **kwargs):
    response = client.get(reverse(f"transparency:{name}", kwargs=kwargs))
    assert response.status_code == 200
    return response.content.decode()


def assert_aid(html, expected):
    assert amount(html, "figure-issued") == expected["issued"]
    assert amount(html, "figure-spent") == expected["spent"] == expected["charged"]
    assert amount(html, "figure-expired") == expected["expired"]
    assert amount(html, "figure-outstanding") == expected["outstanding"]
    assert amount(html, "figure-in-village") == expected["spent_in_village"]
    # Nothing was spent outside the market or given back: those figures are left out.
    assert 'id="figure-outside"' not in html
    assert 'id="figure-returned"' not in html
    assert amount(html, "figure-in-market") == expected["spent_elsewhere"]
    assert amount(html, "figure-community-fund") == expected["community_fund"]
    assert 'id="reconciled"' in html


def test_the_village_page_shows_the_ledgers_figures_to_the_rupiah(client, history):
    home = history.villages["home"]
    expected = ledger_sums.aid([home.pk])

    html = page(client, "village", village_slug=home.slug)

    assert_aid(html, expected)
    chart = re.search(r'id="chart-spent-at".*?</figure>', html, re.S).group(0)
    assert ledger_sums.spent_at([home.pk]) == {"panggungharjo": 42_000, "sriharjo": 12_000}
    assert "Rp42.000" in chart
    assert "Rp12.000" in chart
    # The history: two beneficiaries of 300.000 by issuance, one of them spent 28.000 and
    # 14.000 at home and 12.000 in the other village; the rest expired.
    assert expected["issued"] == 600_000
    assert (expected["spent"], expected["spent_in_village"]) == (54_000, 42_000)
    assert expected["expired"] == 600_000 - 54_000
    assert expected["outstanding"] == 0
    bumdes = ledger_sums.bumdes(history.bumdes["home"].pk)
    assert amount(html, "figure-commissions") == bumdes["commissions"]
    assert amount(html, "figure-profit") == bumdes["profit"] == bumdes["closed_profit"]
    assert amount(html, "figure-community-share") == bumdes["community_share"]
    assert bumdes["community_share"] == bumdes["closed_community_share"] > 0
    assert row_amounts(html, "data-bumdes", history.bumdes["home"].pk) == [
        bumdes["commissions"],
        bumdes["costs"],
        bumdes["profit"],
        bumdes["community_share"],
        bumdes["retained"],
    ]
    assert bumdes["costs"] == 1_001
    # The community fund of the village holds what its BUMDes shared.
    assert expected["community_fund"] == bumdes["community_share"]
    settled = ledger_sums.batches(history.market, [home.pk])
    batch = SettlementBatch.objects.get(market=history.market)
    assert row_amounts(html, "data-batch", batch.pk) == [
        settled["paid"],
        settled["pending"],
        settled["owing"],
        settled["between_villages"],
    ]
    assert settled["paid"] > 0
    assert f'data-status="{batch.status}"' in html
    assert ledger_problems() == []


def test_the_market_page_adds_up_its_villages_to_the_rupiah(client, history):
    home, other = history.villages["home"], history.villages["other"]
    both = ledger_sums.aid([home.pk, other.pk])

    html = page(client, "market", market_slug=history.market.slug)

    assert_aid(html, both)
    # Other's beneficiary spent 42.000 in the home village: elsewhere, for other.
    assert both["spent"] == 54_000 + 42_000
    assert both["spent_in_village"] == 42_000
    for village in (home, other):
        one = ledger_sums.aid([village.pk])
        assert row_amounts(html, "data-village", village.slug) == [
            one["issued"],
            one["spent"],
            one["expired"],
            one["outstanding"],
            one["spent_in_village"],
        ]
    commissions = sum(ledger_sums.bumdes(b.pk)["commissions"] for b in history.bumdes.values())
    shared = sum(ledger_sums.bumdes(b.pk)["community_share"] for b in history.bumdes.values())
    assert amount(html, "figure-commissions") == commissions > 0
    assert amount(html, "figure-community-share") == shared
    settled = ledger_sums.batches(history.market, [home.pk, other.pk])
    batch = SettlementBatch.objects.get(market=history.market)
    assert row_amounts(html, "data-batch", batch.pk) == [
        settled["paid"],
        settled["pending"],
        settled["owing"],
        settled["between_villages"],
    ]
    assert settled["between_villages"] > 0


def test_the_month_table_adds_up_to_the_totals(client, history):
    home = history.villages["home"]
    expected = ledger_sums.aid([home.pk])

    html = page(client, "village", village_slug=home.slug)

    month = timezone.localdate().strftime("%Y-%m")
    issued, spent, expired, shared = row_amounts(html, "data-month", month)
    assert (issued, spent, expired) == (
        expected["issued"],
        expected["spent"],
        expected["expired"],
    )
    assert shared == expected["community_fund"]


def test_the_home_page_lists_each_market_with_its_totals(client, history):
    both = ledger_sums.aid([v.pk for v in history.villages.values()])

    html = page(client, "home")

    assert row_amounts(html, "data-market", history.market.slug) == [
        both["issued"],
        both["spent"],
        both["expired"],
        both["outstanding"],
        both["spent_in_village"],
    ]
    assert amount(html, "figure-issued") == both["issued"]
    assert amount(html, "figure-spent") == both["spent"]
    assert reverse("transparency:market", kwargs={"market_slug": history.market.slug}) in html


def test_no_beneficiary_can_be_found_on_the_pages_or_in_the_api(client, history):
    home, other = history.villages["home"], history.villages["other"]
    bodies = [
        page(client, "home"),
        page(client, "market", market_slug=history.market.slug),
        page(client, "village", village_slug=home.slug),
        page(client, "village", village_slug=other.slug),
    ]
    for name, kwargs in (
        ("market-list", {}),
        ("market", {"market_slug": history.market.slug}),
        ("village", {"village_slug": home.slug}),
    ):
        response = client.get(reverse(f"transparency_api:{name}", kwargs=kwargs))
        assert response.status_code == 200
        bodies.append(response.content.decode())

    assert history.beneficiaries
    for beneficiary in history.beneficiaries:
        secrets = [
            beneficiary.name,
            nik.decrypt(beneficiary.nik_encrypted),
            beneficiary.nik_masked,
            beneficiary.card_number,
            beneficiary.phone,
            beneficiary.phone.removeprefix("+62"),
            beneficiary.address,
        ]
        for body in bodies:
            for secret in secrets:
                assert secret not in body


def test_anyone_may_read_the_pages_signed_in_or_not(client, history):
    official = history.people["home"]["village_official"]
    urls = [
        reverse("transparency:home"),
        reverse("transparency:market", kwargs={"market_slug": history.market.slug}),
        reverse("transparency:village", kwargs={"village_slug": history.villages["home"].slug}),
    ]
    for url in urls:
        assert client.get(url).status_code == 200
    client.force_login(official)
    for url in urls:
        assert client.get(url).status_code == 200


def test_an_unknown_market_or_village_is_not_found(client, two_villages):
    assert client.get("/transparansi/pasar/tidak-ada/").status_code == 404
    assert client.get("/transparansi/desa/tidak-ada/").status_code == 404


def test_pages_without_any_aid_show_zeros(client, two_villages):
    html = page(client, "village", village_slug=two_villages["home"].slug)

    assert amount(html, "figure-issued") == 0
    assert amount(html, "figure-outstanding") == 0
    assert 'id="reconciled"' in html
    html = page(client, "home")
    assert row_amounts(html, "data-market", two_villages["market"].slug)[0] == 0


def queries_of(client, django_assert_num_queries, url, expected):
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("name", "expected"),
    [("home", 5), ("market", 13), ("village", 13)],
)
def test_the_queries_do_not_grow_with_the_data(
    client, two_villages, monkeypatch, django_assert_num_queries, name, expected
):
    history = History(two_villages, monkeypatch).round()
    kwargs = {
        "home": {},
        "market": {"market_slug": history.market.slug},
        "village": {"village_slug": history.villages["home"].slug},
    }[name]
    url = reverse(f"transparency:{name}", kwargs=kwargs)
    queries_of(client, django_assert_num_queries, url, expected)

    history.round()

    queries_of(client, django_assert_num_queries, url, expected)
    assert SettlementBatch.objects.count() == 2


def test_the_figures_are_cached_briefly_when_the_setting_asks(client, history, settings):
    settings.TRANSPARENCY_CACHE_SECONDS = 60
    url = reverse("transparency:village", kwargs={"village_slug": history.villages["home"].slug})
    first = client.get(url).content.decode()

    history.round()
    again = client.get(url).content.decode()

    # Served from the cache: the same figures as before the second round.
    assert amount(again, "figure-issued") == amount(first, "figure-issued")
    settings.TRANSPARENCY_CACHE_SECONDS = 0
    fresh = client.get(url).content.decode()
    assert amount(fresh, "figure-issued") > amount(first, "figure-issued")


def test_every_page_links_to_the_transparency_page_in_its_footer(client, two_villages):
    response = client.get(reverse("villages:village", kwargs={"village_slug": "panggungharjo"}))

    link = f'<a href="{reverse("transparency:home")}" id="footer-transparency">'
    assert link in response.content.decode()
