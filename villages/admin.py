from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError
from villages import services
from villages.admin_scoping import TenantScopedAdmin
from villages.enums import Role
from villages.models import Bumdes, Market, MarketVillage, Membership, Seller, Village


@admin.register(Village)
class VillageAdmin(TenantScopedAdmin):
    tenant_village_field = "pk"
    tenant_can_add = False
    tenant_can_delete = False
    list_display = ["name", "code", "kecamatan", "kabupaten", "provinsi"]
    search_fields = ["name", "code", "kecamatan", "kabupaten"]
    prepopulated_fields = {"slug": ["name"]}

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if self.is_platform_admin(request):
            return ()
        # The village's identity is the platform's to change; its story is the village's.
        return ("name", "slug", "code", "kecamatan", "kabupaten", "provinsi")

    def get_prepopulated_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.prepopulated_fields if self.is_platform_admin(request) else {}


@admin.register(Bumdes)
class BumdesAdmin(TenantScopedAdmin):
    tenant_can_add = False
    tenant_can_delete = False
    list_display = ["name", "legal_name", "kind", "village"]
    list_filter = ["kind"]
    search_fields = ["name", "legal_name"]
    filter_horizontal = ["member_villages"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if self.is_platform_admin(request):
            return ()
        return ("legal_name", "slug", "kind", "village", "member_villages")


class MarketVillageInline(admin.TabularInline):
    model = MarketVillage
    extra = 1


@admin.register(Market)
class MarketAdmin(admin.ModelAdmin):
    """Markets join villages together: the platform's to manage."""

    list_display = ["name", "slug", "created_at"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MarketVillageInline]


@admin.register(Seller)
class SellerAdmin(TenantScopedAdmin):
    list_display = ["name", "village", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "village__name"]
    list_select_related = ["village"]
    prepopulated_fields = {"slug": ["name"]}


class MembershipAdminForm(forms.ModelForm):
    """People are picked by phone or email, so an admin never browses the user list."""

    login = forms.CharField(
        label=_("Phone number or email of the person"),
        help_text=_("They must have signed up already."),
    )

    class Meta:
        model = Membership
        fields = ["village", "role", "seller"]

    def clean(self) -> dict[str, Any]:
        cleaned_data: dict[str, Any] = super().clean() or {}
        login = cleaned_data.get("login")
        if login:
            try:
                cleaned_data["user"] = services.find_user_by_login(login)
                self.instance.user = cleaned_data["user"]
            except DomainError as error:
                raise ValidationError({"login": str(error.message)}) from error
        return cleaned_data


@admin.register(Membership)
class MembershipAdmin(TenantScopedAdmin):
    form = MembershipAdminForm
    list_display = ["user", "village", "role", "seller"]
    list_filter = ["role"]
    search_fields = ["user__name", "user__email", "village__name"]
    list_select_related = ["user", "village", "seller"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A role is granted or revoked, never edited into another one.
        return obj is None and super().has_change_permission(request, obj)

    def formfield_for_choice_field(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "role" and not self.is_platform_admin(request):
            kwargs["choices"] = [
                (value, label)
                for value, label in Role.choices
                if value in services.ROLES_GRANTED_BY_BUMDES_ADMIN
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            membership = services.grant_membership(
                acting_user=request.user,
                village=form.cleaned_data["village"],
                user=form.cleaned_data["user"],
                role=form.cleaned_data["role"],
                seller=form.cleaned_data.get("seller"),
            )
        except DomainError as error:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied(str(error.message)) from error
        obj.pk = membership.pk

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.revoke_membership(acting_user=request.user, membership=obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for membership in queryset:
            services.revoke_membership(acting_user=request.user, membership=membership)
