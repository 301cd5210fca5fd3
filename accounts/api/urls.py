from django.urls import path

from accounts.api import views

app_name = "accounts_api"

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("auth/token/", views.TokenView.as_view(), name="token"),
]
