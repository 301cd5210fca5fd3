"""The admin site: platform admins (Django staff) see everything; BUMDes admins sign in too
and see only their own village's rows (see villages/admin_scoping.py)."""

from typing import Any

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class PasardesaAdminSite(admin.AdminSite):
    site_header = _("pasardesa administration")
    site_title = _("pasardesa")
    index_title = _("Administration")

    def has_permission(self, request: HttpRequest) -> bool:
        from villages.tenancy import SELLER_MANAGERS, scope_for

        user = request.user
        if not user.is_active:
            return False
        return bool(user.is_staff) or bool(scope_for(user).village_ids(SELLER_MANAGERS))

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """One sign-in page for everyone, with allauth's rate limits.

        A signed-in person without admin rights is refused here rather than sent to sign
        in again, which would only bring them back.
        """
        if request.user.is_authenticated:
            raise PermissionDenied
        next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
        return redirect_to_login(next_url, reverse("account_login"))
