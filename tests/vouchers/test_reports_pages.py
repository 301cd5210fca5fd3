"""The report page and its CSV export: for the village's officials only, exact figures."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import SellerFactory
from tests.vouchers.factories import BeneficiaryFactory, ProgrammeFactory
from tests.vouchers.test_reports import issue, mixed_history, spend
from villages.enums import Role


@pytest.fixture
def history(two_villages):
    found = mixed_history(two_villages["home"], two_villages["other"], two_villages["market"])
    return {**two_villages, **found}


def report_url(programme, village=None, *, csv_file=False):
    name = "vouchers:programme_report_csv" if csv_file else "vouchers:programme_report"
    slug = (village or programme.village).slug
    return reverse(name, kwargs={"village_slug": slug, "programme_id": programme.pk})


def official(world, key="home"):
    return world["people"][key][Role.VILLAGE_OFFICIAL]


@pytest.mark.django_db
def test_official_reads_the_whole_programme(client, history):
    programme = history["programme"]
    client.force_login(official(history))
    response = client.get(report_url(programme))
    assert response.status_code == 200
    page = response.content.decode()
    for amount in ("Rp1.500.000", "Rp170.000", "Rp1.070.000", "Rp200.000", "Rp60.000"):
        assert amount in page, amount
    for element in (
        'id="chart-category"',
        'id="chart-seller"',
        'id="chart-where"',
        'id="reconciled"',
        'id="month-picker"',
        'id="csv-export"',
    ):
        assert element in page, element
    assert "47%" in page  # money kept in the village
    assert "css/charts.css" in page
    assert "<script" not in page.split("</head>")[1]  # the charts need no JavaScript
    report = response.context["report"]
    assert report.issued == 1_500_000
    assert report.month is None
    # Bars: the largest fills the width, the others in proportion; the amounts are text.
    category_chart = response.context["category_chart"]
    assert (category_chart[0].label, category_chart[0].width, category_chart[0].percent) == (
        "Beras",
        100,
        53,
    )
    assert 'width="100"' in page


@pytest.mark.django_db
def test_one_month_and_the_month_picker(client, history):
    programme = history["programme"]
    client.force_login(official(history))
    response = client.get(report_url(programme), {"bulan": 1})
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.month, report.issued, report.spent, report.expired) == (
        1,
        900_000,
        115_000,
        200_000,
    )
    page = response.content.decode()
    assert "Rp900.000" in page
    assert f'{report_url(programme)}?bulan=1"' in page
    assert page.count('aria-current="page"') >= 1
    assert [m["current"] for m in response.context["months"]][:2] == [True, False]
    assert 'id="reconciled"' not in page  # checked for the whole programme only


@pytest.mark.django_db
@pytest.mark.parametrize("month", ["0", "9", "abc", "-1", "1.5"])
def test_a_month_the_programme_does_not_have_is_not_found(client, history, month):
    client.force_login(official(history))
    assert client.get(report_url(history["programme"]), {"bulan": month}).status_code == 404
    url = report_url(history["programme"], csv_file=True)
    assert client.get(url, {"bulan": month}).status_code == 404


@pytest.mark.django_db
def test_other_villages_officials_and_other_roles_are_refused(client, history):
    programme = history["programme"]
    for csv_file in (False, True):
        client.force_login(official(history, "other"))
        assert client.get(report_url(programme, csv_file=csv_file)).status_code == 403
        # Through their own village's address, the programme is simply not there.
        own = report_url(programme, history["other"], csv_file=csv_file)
        assert client.get(own).status_code == 404
        for role in (Role.BUMDES_ADMIN, Role.SELLER_STAFF, Role.RESIDENT):
            client.force_login(history["people"]["home"][role])
            assert client.get(report_url(programme, csv_file=csv_file)).status_code == 403
        client.logout()
        response = client.get(report_url(programme, csv_file=csv_file))
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


@pytest.mark.django_db
def test_unknown_programme_is_not_found(client, history):
    client.force_login(official(history))
    url = reverse(
        "vouchers:programme_report",
        kwargs={"village_slug": history["home"].slug, "programme_id": 999_999},
    )
    assert client.get(url).status_code == 404


def read_csv(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.mark.django_db
def test_csv_export_has_the_same_figures_and_no_personal_data(client, history):
    programme = history["programme"]
    client.force_login(official(history))
    response = client.get(report_url(programme, csv_file=True))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == (
        f'attachment; filename="laporan-panggungharjo-program-{programme.pk}.csv"'
    )
    rows = read_csv(response)
    assert rows[0] == ["section", "key", "name", "village", "amount", "charges"]
    figures = {row[1]: int(row[4]) for row in rows if row[0] == "figure" and row[4]}
    assert figures["issued"] == 1_500_000
    assert figures["spent"] == 170_000
    assert figures["expired"] == 200_000
    assert figures["outstanding"] == 1_070_000
    assert (
        figures["issued"] - figures["spent"] - figures["expired"] - figures["returned_to_programme"]
        == figures["outstanding"]
    )
    categories = [row for row in rows if row[0] == "category"]
    sellers = [row for row in rows if row[0] == "seller"]
    assert sum(int(row[4]) for row in categories) == figures["spent"]
    assert sum(int(row[4]) for row in sellers) == figures["spent"]
    assert ["category", "beras", "Beras", "", "90000", "2"] in categories
    assert [row[2:5] for row in sellers] == [
        ["Toko Sriharjo", "Sriharjo", "85000"],
        ["Warung Bu Tini", "Panggungharjo", "80000"],
        ["Toko Jauh", "Desa Jauh", "5000"],
    ]
    text = response.content.decode()
    for wallet in history["wallets"]:
        beneficiary = wallet.beneficiary
        assert beneficiary.name not in text
        assert beneficiary.nik_masked not in text
        assert beneficiary.card_number not in text


@pytest.mark.django_db
def test_csv_export_of_one_month(client, history):
    programme = history["programme"]
    client.force_login(official(history))
    response = client.get(report_url(programme, csv_file=True), {"bulan": 2})
    assert response["Content-Disposition"].endswith(f'program-{programme.pk}-bulan-2.csv"')
    figures = {row[1]: row[4] for row in read_csv(response) if row[0] == "figure"}
    assert (figures["issued"], figures["spent"], figures["refunded"]) == (
        "600000",
        "55000",
        "25000",
    )


@pytest.mark.django_db
def test_page_queries_do_not_grow_with_the_data(client, two_villages):
    home = two_villages["home"]
    programme = ProgrammeFactory(village=home, market=two_villages["market"])
    client.force_login(official(two_villages))
    sellers = [SellerFactory(village=v) for v in (home, two_villages["other"]) for _ in range(4)]

    def add(n):
        for i in range(n):
            wallet = issue(programme, BeneficiaryFactory(village=home), 1)
            spend(wallet, sellers[i % 8], {"beras": 10_000, "gula": 2_000}, on=timezone.localdate())

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(report_url(programme)).status_code == 200
        return len(queries)

    add(2)
    small = count()
    add(25)
    assert count() == small
    assert small <= 12


@pytest.mark.django_db
def test_the_programme_page_leads_to_its_report(client, history):
    programme = history["programme"]
    client.force_login(official(history))
    page = client.get(
        reverse(
            "vouchers:programme_detail",
            kwargs={"village_slug": programme.village.slug, "programme_id": programme.pk},
        )
    ).content.decode()
    assert 'id="programme-report-link"' in page
    assert f'href="{report_url(programme)}"' in page
