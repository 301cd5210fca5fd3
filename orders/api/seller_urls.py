"""Seller API: a seller's fulfilments, under ``manage/sellers/<village>/<seller>/``."""

from django.urls import path

from orders.api import seller_views as views

seller = "manage/sellers/<slug:village_slug>/<slug:seller_slug>"

urlpatterns = [
    path(
        f"{seller}/fulfilments/",
        views.FulfilmentListView.as_view(),
        name="seller-fulfilment-list",
    ),
    path(
        f"{seller}/fulfilments/<int:fulfilment_id>/",
        views.FulfilmentDetailView.as_view(),
        name="seller-fulfilment",
    ),
    path(
        f"{seller}/fulfilments/<int:fulfilment_id>/transition/",
        views.FulfilmentTransitionView.as_view(),
        name="seller-fulfilment-transition",
    ),
    path(
        f"{seller}/fulfilments/<int:fulfilment_id>/payments/<int:payment_id>/cash-collected/",
        views.CashCollectedView.as_view(),
        name="seller-payment-cash-collected",
    ),
    path(
        f"{seller}/fulfilments/<int:fulfilment_id>/payments/<int:payment_id>/"
        "transfer-confirmation/",
        views.TransferConfirmationView.as_view(),
        name="seller-payment-transfer-confirmation",
    ),
]
