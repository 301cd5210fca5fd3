"""Seller API: a seller's products and stock, under ``manage/sellers/<village>/<seller>/``."""

from django.urls import path

from catalog.api import seller_views as views

seller = "manage/sellers/<slug:village_slug>/<slug:seller_slug>"

urlpatterns = [
    path(
        f"{seller}/products/",
        views.ProductListCreateView.as_view(),
        name="seller-product-list",
    ),
    path(
        f"{seller}/products/<int:product_id>/",
        views.ProductDetailView.as_view(),
        name="seller-product",
    ),
    path(
        f"{seller}/products/<int:product_id>/stock/",
        views.ProductStockView.as_view(),
        name="seller-product-stock",
    ),
]
