"""issuance pages of the aid programme. See vouchers/urls/__init__.py."""

from django.urls import URLPattern, path

from vouchers.views import issuance as views

PROGRAMME = "desa/<slug:village_slug>/bantuan/program/<int:programme_id>/"

urlpatterns: list[URLPattern] = [
    path(PROGRAMME, views.ProgrammeDetailView.as_view(), name="programme_detail"),
    path(
        f"{PROGRAMME}bulan/<int:month>/",
        views.IssuanceMonthView.as_view(),
        name="issuance_month",
    ),
    path(
        f"{PROGRAMME}bulan/<int:month>/terbitkan/",
        views.IssuanceStartView.as_view(),
        name="issuance_start",
    ),
    path(
        f"{PROGRAMME}bulan/<int:month>/ulangi/",
        views.IssuanceRetryView.as_view(),
        name="issuance_retry",
    ),
]
