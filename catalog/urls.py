"""Storefront pages: what residents browse."""

from django.urls import path

from catalog.views import storefront

app_name = "catalog"

urlpatterns = [
    path("cari/", storefront.SearchView.as_view(), name="search"),
    path("kategori/<slug:category_slug>/", storefront.CategoryView.as_view(), name="category"),
    path(
        "desa/<slug:village_slug>/penjual/<slug:seller_slug>/",
        storefront.SellerView.as_view(),
        name="seller",
    ),
    path(
        "produk/<int:product_id>/<slug:product_slug>/",
        storefront.ProductView.as_view(),
        name="product",
    ),
]
