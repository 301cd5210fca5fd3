"""The transparency API: public, read-only, the same figures as the pages and the ledger."""

import pytest
from django.urls import reverse
from django.utils import timezone

from settlement.models import SettlementBatch
from tests.transparency import ledger_sums
from tests.transparency.history import History

pytestmark = pytest.mark.django_db


def get(client, name, **kwargs):
    response = client.get(reverse(f"transparency_api:{name}", kwargs=kwargs))
    assert response.status_code == 200
    return response.json()


def assert_aid(body, expected):
    assert body["issued"] == expected["issued"]
    assert body["spent"] == expected["spent"] == expected["charged"]
    assert body["expired"] == expected["expired"]
    assert body["outstanding"] == expected["outstanding"]
    assert body["spent_in_village"] == expected["spent_in_village"]
    assert body["spent_in_market"] + body["spent_outside"] == expected["spent_elsewhere"]
    assert body["community_share"] == expected["community_fund"]
    assert body["reconciled"] is True


def test_a_villages_figures_are_the_ledgers(client, history):
    home = history.villages["home"]

    body = get(client, "village", village_slug=home.slug)

    assert body["village"] == {"slug": home.slug, "name": home.name}
    assert body["markets"] == [{"slug": history.market.slug, "name": history.market.name}]
    assert_aid(body["aid"], ledger_sums.aid([home.pk]))
    assert body["aid"]["in_village_percent"] == 78  # 42.000 of 54.000
    [month] = body["months"]
    assert month["month"] == timezone.localdate().replace(day=1).isoformat()
    assert month["issued"] == body["aid"]["issued"]
    [bumdes] = body["bumdes"]
    expected = ledger_sums.bumdes(history.bumdes["home"].pk)
    assert {k: bumdes[k] for k in ("commissions", "costs", "profit", "community_share")} == {
        k: expected[k] for k in ("commissions", "costs", "profit", "community_share")
    }
    assert bumdes["retained"] == expected["retained"]
    [period] = bumdes["periods"]
    assert (period["profit"], period["community_share"]) == (
        expected["closed_profit"],
        expected["closed_community_share"],
    )
    [batch] = body["batches"]
    settled = ledger_sums.batches(history.market, [home.pk])
    assert (batch["payouts_paid"], batch["payouts_pending"], batch["sellers_owing"]) == (
        settled["paid"],
        settled["pending"],
        settled["owing"],
    )
    # Other's programme owed home 42.000, home's owed other 12.000: 30.000 came home.
    assert (batch["received"], batch["paid"]) == (settled["between_villages"], 0) == (30_000, 0)
    assert body["batch_counts"]["total"] == 1


def test_a_markets_figures_are_its_villages_added_up(client, history):
    villages = list(history.villages.values())

    body = get(client, "market", market_slug=history.market.slug)

    assert body["market"]["slug"] == history.market.slug
    assert_aid(body["aid"], ledger_sums.aid([v.pk for v in villages]))
    spent_at = {row["slug"]: row["amount"] for row in body["spent_at"]}
    assert spent_at == ledger_sums.spent_at([v.pk for v in villages])
    assert spent_at == {"panggungharjo": 28_000 + 14_000 + 42_000, "sriharjo": 12_000}
    assert [row["slug"] for row in body["spent_at"]] == ["panggungharjo", "sriharjo"]
    by_slug = {row["slug"]: row["aid"] for row in body["villages"]}
    for village in villages:
        assert_aid(by_slug[village.slug], ledger_sums.aid([village.pk]))
    assert sorted(b["name"] for b in body["bumdes"]) == sorted(
        b.name for b in history.bumdes.values()
    )
    assert sum(b["commissions"] for b in body["bumdes"]) == sum(
        ledger_sums.bumdes(b.pk)["commissions"] for b in history.bumdes.values()
    )
    [batch] = body["batches"]
    assert batch["status"] == SettlementBatch.objects.get().status
    assert (
        batch["between_villages"]
        == ledger_sums.batches(history.market, [v.pk for v in villages])["between_villages"]
    )


def test_the_market_list_gives_each_market_and_the_total(client, history):
    body = get(client, "market-list")

    both = ledger_sums.aid([v.pk for v in history.villages.values()])
    [market] = body["markets"]
    assert (market["slug"], market["villages"]) == (history.market.slug, 2)
    assert_aid(market["aid"], both)
    assert_aid(body["total"], both)


def test_unknown_names_are_not_found(client, two_villages):
    for name, kwargs in (
        ("market", {"market_slug": "tidak-ada"}),
        ("village", {"village_slug": "tidak-ada"}),
    ):
        response = client.get(reverse(f"transparency_api:{name}", kwargs=kwargs))
        assert response.status_code == 404
        assert response.json()["code"] in {"market_not_found", "village_not_found"}


def test_the_api_is_read_only(client, history):
    url = reverse("transparency_api:market", kwargs={"market_slug": history.market.slug})

    assert client.post(url, {}).status_code == 405
    assert client.delete(url).status_code == 405


@pytest.mark.parametrize(
    ("name", "expected"), [("market-list", 5), ("market", 13), ("village", 13)]
)
def test_the_api_queries_do_not_grow_with_the_data(
    client, two_villages, monkeypatch, django_assert_num_queries, name, expected
):
    history = History(two_villages, monkeypatch).round()
    kwargs = {
        "market-list": {},
        "market": {"market_slug": history.market.slug},
        "village": {"village_slug": history.villages["home"].slug},
    }[name]
    url = reverse(f"transparency_api:{name}", kwargs=kwargs)
    with django_assert_num_queries(expected):
        first = client.get(url).json()

    history.round()

    with django_assert_num_queries(expected):
        again = client.get(url).json()
    assert again != first
