"""The aid audit trail page. See vouchers/urls/__init__.py."""

from django.urls import path

from vouchers.views import audit as views

urlpatterns = [
    path(
        "desa/<slug:village_slug>/bantuan/jejak/",
        views.AidEventListView.as_view(),
        name="aid_events",
    ),
]
