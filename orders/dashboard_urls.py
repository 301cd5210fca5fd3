"""Seller pages: the order queue, fulfilment details, packing slips. Mounted at ``/kelola/``.

Same URL scheme as the product dashboard: the village and the seller are always named.
"""

from django.urls import path

from orders.views import seller as views

app_name = "order_dashboard"

orders = "<slug:village_slug>/<slug:seller_slug>/pesanan"
fulfilment = f"{orders}/<int:fulfilment_id>"

urlpatterns = [
    path(f"{orders}/", views.QueueView.as_view(), name="queue"),
    path(f"{orders}/bantu/", views.AssistedOrderView.as_view(), name="assisted_order"),
    path(f"{fulfilment}/", views.FulfilmentDetailView.as_view(), name="fulfilment"),
    path(f"{fulfilment}/slip/", views.PackingSlipView.as_view(), name="packing_slip"),
    path(f"{fulfilment}/status/", views.TransitionView.as_view(), name="transition"),
    path(f"{fulfilment}/bayar/", views.PaymentActionView.as_view(), name="payment"),
]
