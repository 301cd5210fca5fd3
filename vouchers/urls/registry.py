"""registry pages of the aid programme. See vouchers/urls/__init__.py."""

from django.urls import path

from vouchers.views import registry as views

urlpatterns = [
    path(
        "desa/<slug:village_slug>/bantuan/penerima/",
        views.BeneficiaryListView.as_view(),
        name="beneficiary_list",
    ),
    path(
        "desa/<slug:village_slug>/bantuan/penerima/baru/",
        views.BeneficiaryCreateView.as_view(),
        name="beneficiary_create",
    ),
    path(
        "desa/<slug:village_slug>/bantuan/penerima/impor/",
        views.BeneficiaryImportView.as_view(),
        name="beneficiary_import",
    ),
    path(
        "desa/<slug:village_slug>/bantuan/penerima/contoh.csv",
        views.BeneficiaryCsvTemplateView.as_view(),
        name="beneficiary_csv_template",
    ),
    path(
        "desa/<slug:village_slug>/bantuan/penerima/<int:beneficiary_id>/",
        views.BeneficiaryDetailView.as_view(),
        name="beneficiary_detail",
    ),
    path(
        "desa/<slug:village_slug>/bantuan/penerima/<int:beneficiary_id>/status/",
        views.BeneficiaryActiveView.as_view(),
        name="beneficiary_set_active",
    ),
]
