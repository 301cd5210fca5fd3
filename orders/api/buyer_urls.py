"""Buyer API: the signed-in person's cart, checkout and orders."""

from django.urls import path

from orders.api import buyer_views as views

urlpatterns = [
    path("cart/", views.CartView.as_view(), name="cart"),
    path("cart/lines/<int:product_id>/", views.CartLineView.as_view(), name="cart-line"),
    path("checkout/", views.CheckoutView.as_view(), name="checkout"),
    path("orders/", views.OrderListView.as_view(), name="order-list"),
    path("orders/<str:order_number>/", views.OrderDetailView.as_view(), name="order"),
    path(
        "orders/<str:order_number>/fulfilments/<int:fulfilment_id>/transition/",
        views.OrderFulfilmentTransitionView.as_view(),
        name="order-fulfilment-transition",
    ),
    path(
        "orders/<str:order_number>/fulfilments/<int:fulfilment_id>/payments/<int:payment_id>/proof/",
        views.PaymentProofView.as_view(),
        name="order-payment-proof",
    ),
]
