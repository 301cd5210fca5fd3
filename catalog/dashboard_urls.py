"""The seller and BUMDes dashboard: products, stock, photos, CSV. Mounted at ``/kelola/``.

Every URL names the village and the seller it manages, so the tenant is always explicit.
"""

from django.urls import path

from catalog.views import dashboard as views

app_name = "dashboard"

seller = "<slug:village_slug>/<slug:seller_slug>"
product = f"{seller}/produk/<int:product_id>"

urlpatterns = [
    path(f"{seller}/produk/", views.ProductListView.as_view(), name="product_list"),
    path(f"{seller}/produk/baru/", views.ProductCreateView.as_view(), name="product_create"),
    path(f"{seller}/produk/ekspor.csv", views.ProductExportView.as_view(), name="product_export"),
    path(f"{seller}/produk/impor/", views.ProductImportView.as_view(), name="product_import"),
    path(f"{seller}/stok-menipis/", views.LowStockView.as_view(), name="low_stock"),
    path(f"{product}/", views.ProductEditView.as_view(), name="product_edit"),
    path(f"{product}/foto/", views.PhotoAddView.as_view(), name="photo_add"),
    path(f"{product}/foto/hapus/", views.PhotoRemoveView.as_view(), name="photo_remove"),
    path(f"{product}/stok/", views.StockView.as_view(), name="product_stock"),
]
