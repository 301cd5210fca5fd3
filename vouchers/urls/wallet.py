"""A beneficiary's own aid pages, under their account. See vouchers/urls/__init__.py."""

from django.urls import path

from vouchers.views import wallet as views

urlpatterns = [
    path("akun/bantuan/", views.WalletView.as_view(), name="wallet"),
    path("akun/bantuan/pin/", views.PinChangeView.as_view(), name="wallet_pin"),
]
