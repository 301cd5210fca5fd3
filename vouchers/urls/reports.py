"""reports pages of the aid programme. See vouchers/urls/__init__.py."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
