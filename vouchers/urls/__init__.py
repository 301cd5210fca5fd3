"""The aid pages. Officials' pages live under the village (``/desa/<village>/bantuan/``),
a beneficiary's under their account (``/akun/bantuan/``), the counter under the seller's
dashboard (``/kelola/<village>/<seller>/kasir/``). Each area keeps its own list."""

from vouchers.urls import audit, counter, issuance, programmes, registry, reports, wallet

app_name = "vouchers"

urlpatterns = [
    *registry.urlpatterns,
    *programmes.urlpatterns,
    *issuance.urlpatterns,
    *reports.urlpatterns,
    *wallet.urlpatterns,
    *counter.urlpatterns,
    *audit.urlpatterns,
]
