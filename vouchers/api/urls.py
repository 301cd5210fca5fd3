"""The aid API: a beneficiary's wallet, an official's programmes, issuance and reports.

Each area keeps its own list below; add a new area as one more list.
"""

from django.urls import URLPattern, path

from vouchers.api import officials, wallet

# The beneficiary's own wallets (``/api/v1/bantuan/dompet/``).
wallet_urlpatterns: list[URLPattern] = [
    path("bantuan/dompet/", wallet.WalletListView.as_view(), name="aid-wallet-list"),
    path(
        "bantuan/dompet/<int:wallet_id>/riwayat/",
        wallet.WalletHistoryView.as_view(),
        name="aid-wallet-history",
    ),
]

# An official's programmes, issuance and reports (``/api/v1/desa/<village>/bantuan/``).
_programme = "desa/<slug:village_slug>/bantuan/program/<int:programme_id>"
official_urlpatterns: list[URLPattern] = [
    path(
        "desa/<slug:village_slug>/bantuan/program/",
        officials.ProgrammeListView.as_view(),
        name="aid-programme-list",
    ),
    path(f"{_programme}/", officials.ProgrammeDetailView.as_view(), name="aid-programme"),
    path(
        f"{_programme}/penerbitan/",
        officials.IssuanceStartView.as_view(),
        name="aid-issuance-start",
    ),
    path(
        f"{_programme}/penerbitan/<int:month>/",
        officials.IssuanceProgressView.as_view(),
        name="aid-issuance",
    ),
    path(f"{_programme}/laporan/", officials.ReportView.as_view(), name="aid-report"),
]

urlpatterns: list[URLPattern] = [
    *wallet_urlpatterns,
    *official_urlpatterns,
]
