"""The public transparency pages: /transparansi/, per market and per village."""

from django.urls import path

from transparency import views

app_name = "transparency"

urlpatterns = [
    path("transparansi/", views.TransparencyHomeView.as_view(), name="home"),
    path(
        "transparansi/pasar/<slug:market_slug>/",
        views.MarketTransparencyView.as_view(),
        name="market",
    ),
    path(
        "transparansi/desa/<slug:village_slug>/",
        views.VillageTransparencyView.as_view(),
        name="village",
    ),
]
