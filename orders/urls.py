"""Buyer pages: cart, checkout, confirmation, my orders."""

app_name = "orders"

urlpatterns: list = []
