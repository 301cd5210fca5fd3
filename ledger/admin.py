"""The ledger in the admin: read-only, for platform admins. Money moves only by services."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ledger.models import Account, Entry, Transfer


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


class EntryInline(admin.TabularInline):
    model = Entry
    fields = ["account", "amount"]
    readonly_fields = ["account", "amount"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["pk", "kind", "owner_id", "village", "balance", "may_go_negative"]
    list_filter = ["kind"]
    list_select_related = ["village"]


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ["key", "kind", "amount", "village", "created_at"]
    list_filter = ["kind"]
    search_fields = ["key"]
    list_select_related = ["village"]
    inlines = [EntryInline]
