"""Buyer pages: cart, checkout, confirmation, my orders."""

from django.urls import path

from orders.views import buyer

app_name = "orders"

urlpatterns = [
    path("keranjang/", buyer.CartView.as_view(), name="cart"),
    path("keranjang/tambah/", buyer.AddToCartView.as_view(), name="cart_add"),
    path("keranjang/ubah/", buyer.UpdateCartLineView.as_view(), name="cart_update"),
    path("checkout/", buyer.CheckoutView.as_view(), name="checkout"),
    path("pesanan/", buyer.MyOrdersView.as_view(), name="my_orders"),
    path("pesanan/<str:order_number>/", buyer.OrderDetailView.as_view(), name="order"),
    path(
        "pesanan/<str:order_number>/<int:fulfilment_id>/batal/",
        buyer.CancelFulfilmentView.as_view(),
        name="cancel_fulfilment",
    ),
    path(
        "pesanan/<str:order_number>/<int:fulfilment_id>/diterima/",
        buyer.ConfirmReceiptView.as_view(),
        name="confirm_receipt",
    ),
    path(
        "pesanan/<str:order_number>/<int:fulfilment_id>/bukti-transfer/",
        buyer.TransferProofView.as_view(),
        name="transfer_proof",
    ),
]
