"""Admin classes that hold BUMDes admins to their own villages, through the tenant scope.

Platform admins (Django staff) keep Django's own model permissions; everyone else the
admin site lets in (BUMDes admins) sees and edits only rows of villages they administer.
"""

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from villages.models import Bumdes, Seller, Village
from villages.tenancy import SELLER_MANAGERS, TenantScope, scope_for


class TenantScopedAdmin(admin.ModelAdmin):
    """``tenant_village_field`` is the lookup path from the model to its village."""

    tenant_village_field = "village"
    tenant_can_add = True
    tenant_can_delete = True

    def scope(self, request: HttpRequest) -> TenantScope:
        return scope_for(request.user)

    def is_platform_admin(self, request: HttpRequest) -> bool:
        return self.scope(request).is_platform_admin

    def tenant_village_ids(self, request: HttpRequest) -> frozenset[int]:
        return self.scope(request).village_ids(SELLER_MANAGERS)

    def village_id_of(self, obj: Model) -> int | None:
        value: Any = obj
        for part in self.tenant_village_field.split("__"):
            value = getattr(value, part, None)
        return value.pk if isinstance(value, Model) else value

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if self.is_platform_admin(request):
            return queryset
        return queryset.filter(
            **{f"{self.tenant_village_field}__in": self.tenant_village_ids(request)}
        )

    def _owns(self, request: HttpRequest, obj: Model | None) -> bool:
        if not self.tenant_village_ids(request):
            return False
        return obj is None or self.village_id_of(obj) in self.tenant_village_ids(request)

    def has_module_permission(self, request: HttpRequest) -> bool:
        if self.is_platform_admin(request):
            return super().has_module_permission(request)
        return bool(self.tenant_village_ids(request))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if self.is_platform_admin(request):
            return super().has_view_permission(request, obj)
        return self._owns(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if self.is_platform_admin(request):
            return super().has_change_permission(request, obj)
        return self._owns(request, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        if self.is_platform_admin(request):
            return super().has_add_permission(request, *args)
        return self.tenant_can_add and self._owns(request, None)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if self.is_platform_admin(request):
            return super().has_delete_permission(request, obj)
        return self.tenant_can_delete and self._owns(request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        """Choices offered to a BUMDes admin are their own villages and sellers only."""
        if not self.is_platform_admin(request):
            village_ids = self.tenant_village_ids(request)
            if db_field.related_model is Village:
                kwargs["queryset"] = Village.objects.filter(pk__in=village_ids)
            elif db_field.related_model is Seller:
                kwargs["queryset"] = Seller.objects.filter(village__in=village_ids)
            elif db_field.related_model is Bumdes:
                kwargs["queryset"] = Bumdes.objects.filter(village__in=village_ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Refuse, as a last line, a row moved into a village the admin does not run."""
        if not self.is_platform_admin(request) and not self._owns(request, obj):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        super().save_model(request, obj, form, change)
