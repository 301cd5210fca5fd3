"""Seller pages: the order queue, fulfilment details, packing slips."""

app_name = "order_dashboard"

urlpatterns: list = []
