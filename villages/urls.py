from django.urls import path

from villages import views

app_name = "villages"

urlpatterns = [
    path("", views.MarketHomeView.as_view(), name="home"),
    path("pasar/<slug:market_slug>/", views.MarketHomeView.as_view(), name="market"),
    path("desa/<slug:village_slug>/", views.VillageView.as_view(), name="village"),
    path("desa/<slug:village_slug>/kelola/", views.VillageManageView.as_view(), name="manage"),
    path(
        "desa/<slug:village_slug>/kelola/penjual/",
        views.SellerCreateView.as_view(),
        name="seller_create",
    ),
    path(
        "desa/<slug:village_slug>/kelola/anggota/",
        views.MembershipCreateView.as_view(),
        name="membership_create",
    ),
]
