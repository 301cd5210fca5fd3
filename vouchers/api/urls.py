"""The aid API: a beneficiary's wallet, an official's programmes, issuance and reports."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
