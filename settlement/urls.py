"""Settlement pages, under the village (``/desa/<village>/``), for its BUMDes admins."""

from django.urls import path

from settlement import views

app_name = "settlement"

_batch = "desa/<slug:village_slug>/penyelesaian/<int:batch_id>/"

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
]
