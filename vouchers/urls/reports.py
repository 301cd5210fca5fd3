"""reports pages of the aid programme. See vouchers/urls/__init__.py."""

from django.urls import path

from vouchers.views import reports as views

urlpatterns = [
    path(
        "desa/<slug:village_slug>/bantuan/program/<int:programme_id>/laporan/",
        views.ProgrammeReportView.as_view(),
        name="programme_report",
    ),
    path(
        "desa/<slug:village_slug>/bantuan/program/<int:programme_id>/laporan.csv",
        views.ProgrammeReportCsvView.as_view(),
        name="programme_report_csv",
    ),
]
