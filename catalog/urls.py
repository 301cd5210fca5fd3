"""Storefront pages: what residents browse."""

from django.urls import path  # noqa: F401 -- patterns arrive with the storefront

app_name = "catalog"

urlpatterns: list = []
