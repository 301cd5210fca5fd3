"""The public transparency API: read-only figures per market and per village."""

from django.urls import path

from transparency import api

app_name = "transparency_api"

urlpatterns = [
    path("transparency/markets/", api.MarketSummaryListView.as_view(), name="market-list"),
    path(
        "transparency/markets/<slug:market_slug>/",
        api.MarketTransparencyView.as_view(),
        name="market",
    ),
    path(
        "transparency/villages/<slug:village_slug>/",
        api.VillageTransparencyView.as_view(),
        name="village",
    ),
]
