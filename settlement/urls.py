"""Settlement pages: under the village (``/desa/<village>/``), for its BUMDes admins; and a
seller's own payouts on the seller dashboard (``/kelola/<village>/<seller>/pembayaran/``),
with the dashboard's URL scheme and tenant check."""

from django.urls import path

from settlement import seller_views, views

app_name = "settlement"

_batch = "desa/<slug:village_slug>/penyelesaian/<int:batch_id>/"
_payouts = "kelola/<slug:village_slug>/<slug:seller_slug>/pembayaran/"

urlpatterns = [
    path(
        "desa/<slug:village_slug>/penyelesaian/",
        views.BatchListView.as_view(),
        name="batch_list",
    ),
    path(_batch, views.BatchDetailView.as_view(), name="batch_detail"),
    path(
        f"{_batch}penjual/<slug:seller_slug>.csv",
        views.SellerStatementView.as_view(file_format="csv"),
        name="seller_statement_csv",
    ),
    path(
        f"{_batch}penjual/<slug:seller_slug>.pdf",
        views.SellerStatementView.as_view(file_format="pdf"),
        name="seller_statement_pdf",
    ),
    path(
        f"{_batch}desa.csv",
        views.VillageStatementView.as_view(file_format="csv"),
        name="village_statement_csv",
    ),
    path(
        f"{_batch}desa.pdf",
        views.VillageStatementView.as_view(file_format="pdf"),
        name="village_statement_pdf",
    ),
    path("desa/<slug:village_slug>/bagi-hasil/", views.ProfitView.as_view(), name="profit"),
    path(
        "desa/<slug:village_slug>/bagi-hasil/<int:share_id>.csv",
        views.ProfitStatementView.as_view(file_format="csv"),
        name="profit_statement_csv",
    ),
    path(
        "desa/<slug:village_slug>/bagi-hasil/<int:share_id>.pdf",
        views.ProfitStatementView.as_view(file_format="pdf"),
        name="profit_statement_pdf",
    ),
    path(_payouts, seller_views.SellerPayoutsView.as_view(), name="seller_payouts"),
    path(
        f"{_payouts}<int:batch_id>.csv",
        seller_views.SellerPayoutStatementView.as_view(file_format="csv"),
        name="seller_payout_statement_csv",
    ),
    path(
        f"{_payouts}<int:batch_id>.pdf",
        seller_views.SellerPayoutStatementView.as_view(file_format="pdf"),
        name="seller_payout_statement_pdf",
    ),
]
