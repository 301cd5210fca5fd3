"""The official's aid report of a programme, as a page and as a CSV file.

Both read one ``programme_report`` (``vouchers.selectors.reports``); ``?bulan=N`` narrows
it to the programme's month N. No personal data: sellers and villages, never beneficiaries.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from core.views import TenantViewMixin
from vouchers.models import Programme
from vouchers.rules import month_start
from vouchers.selectors.reports import (
    REPORT_READERS,
    ProgrammeReport,
    Share,
    get_programme_for_official,
    percent,
    programme_report,
)


@dataclass(frozen=True)
class Bar:
    """One bar of ``partials/bar_chart.html``: its width is relative to the largest bar."""

    label: str
    amount: int
    percent: int  # of the chart's total
    width: int  # 0..100, of the largest bar
    note: str = ""


def bars(shares: list[Share], total: int | None = None) -> list[Bar]:
    """Chart bars for ``shares``; percentages of ``total`` (default: their sum)."""
    whole = sum(s.amount for s in shares) if total is None else total
    largest = max((s.amount for s in shares), default=0)
    return [
        Bar(
            label=s.label,
            amount=s.amount,
            percent=percent(s.amount, whole),
            width=max(1, percent(s.amount, largest)) if s.amount else 0,
            note=s.village,
        )
        for s in shares
    ]


def where_spent(report: ProgrammeReport) -> list[Share]:
    """Spent in the programme's own village, elsewhere in the market, outside it."""
    own = report.spent_in_village
    market = report.spent_in_market - own
    outside = report.spent_outside_market
    shares = [
        Share(key="village", label=_("In our own village"), amount=own),
        Share(key="market", label=_("Other villages of the market"), amount=market),
    ]
    if outside:
        shares.append(Share(key="outside", label=_("Outside the market"), amount=outside))
    return shares


class ProgrammeReportMixin(TenantViewMixin):
    """The programme named by the URL, for officials of its village; the month asked for."""

    tenant_roles = REPORT_READERS
    request: HttpRequest
    kwargs: dict[str, Any]
    programme: Programme
    month: int | None

    def resolve_tenant(self) -> None:
        self.programme = get_programme_for_official(
            user=self.request.user,
            village_slug=self.kwargs["village_slug"],
            programme_id=self.kwargs["programme_id"],
        )
        self.month = self._month()

    def _month(self) -> int | None:
        raw = self.request.GET.get("bulan", "").strip()
        if not raw:
            return None
        if not raw.isdigit() or not 1 <= int(raw) <= self.programme.months:
            raise Http404("no such month")
        return int(raw)

    def report(self) -> ProgrammeReport:
        return programme_report(self.programme, self.month)


class ProgrammeReportView(ProgrammeReportMixin, TemplateView):
    """Issued, spent, expired and outstanding aid, with charts and tables, for one month or
    the whole programme."""

    template_name = "vouchers/reports/programme_report.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        report = self.report()
        programme = self.programme
        months = [
            {"number": m, "starts": month_start(programme, m), "current": m == self.month}
            for m in range(1, programme.months + 1)
        ]
        context.update(
            village=programme.village,
            programme=programme,
            report=report,
            months=months,
            category_chart=bars(report.by_category),
            seller_chart=bars(report.by_seller),
            where_chart=bars(where_spent(report)),
            csv_query=f"?bulan={self.month}" if self.month else "",
        )
        return context


class ProgrammeReportCsvView(ProgrammeReportMixin, View):
    """The same figures as a spreadsheet: one row per figure, category and seller."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        report = self.report()
        programme = self.programme
        name = f"laporan-{programme.village.slug}-program-{programme.pk}"
        if self.month:
            name += f"-bulan-{self.month}"
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        write_report_csv(response, programme, report)
        return response


def write_report_csv(out: Any, programme: Programme, report: ProgrammeReport) -> None:
    """Rows of ``section, key, name, village, amount, charges``; amounts in whole rupiah."""
    writer = csv.writer(out)
    writer.writerow(["section", "key", "name", "village", "amount", "charges"])
    period = f"{report.period_start.isoformat()}..{report.period_end.isoformat()}"
    writer.writerow(["programme", programme.pk, programme.name, programme.village.name, "", ""])
    writer.writerow(["period", report.month or "all", period, "", "", ""])
    figures = [
        ("issued", report.issued),
        ("spent", report.spent),
        ("refunded", report.refunded),
        ("returned_to_programme", report.returned_to_programme),
        ("expired", report.expired),
        ("outstanding", report.outstanding),
        ("spent_in_village", report.spent_in_village),
        ("spent_in_market", report.spent_in_market),
        ("beneficiaries_issued", report.beneficiaries_issued),
        ("beneficiaries_spending", report.beneficiaries_spending),
    ]
    for key, value in figures:
        writer.writerow(["figure", key, "", "", value, ""])
    writer.writerow(["figure", "charges", "", "", "", report.charges])
    for s in report.by_category:
        writer.writerow(["category", s.key, s.label, "", s.amount, s.charges])
    for s in report.sellers:
        writer.writerow(["seller", s.key, s.label, s.village, s.amount, s.charges])
    for s in report.by_village:
        writer.writerow(["village", s.key, s.label, s.label, s.amount, s.charges])
