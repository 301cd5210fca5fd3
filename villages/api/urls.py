from django.urls import path

from villages.api import views

app_name = "villages_api"

manage = "manage/villages/<slug:village_slug>"

urlpatterns = [
    path("villages/", views.VillageListView.as_view(), name="village-list"),
    path("villages/<slug:village_slug>/", views.VillageDetailView.as_view(), name="village"),
    path("markets/", views.MarketListView.as_view(), name="market-list"),
    path("markets/<slug:market_slug>/", views.MarketDetailView.as_view(), name="market"),
    path(f"{manage}/members/", views.MemberListView.as_view(), name="member-list"),
    path(f"{manage}/sellers/", views.SellerListCreateView.as_view(), name="seller-list"),
    path(
        f"{manage}/sellers/<slug:seller_slug>/",
        views.ManagedSellerDetailView.as_view(),
        name="seller",
    ),
]
