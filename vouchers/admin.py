"""Aid admin: to look things up, not to change them.

Beneficiaries, programmes and issuances are written by the services behind the officials'
pages (the NIK must be encrypted and hashed, a programme's terms checked, a month issued
through the ledger), so here they are read-only, apart from a beneficiary's name, address
and status. The NIK shows masked only; the encrypted NIK and KK, the look-up hash and the
PIN hash are never shown. The aid is the village officials' business, not the BUMDes's:
a BUMDes admin signed in to the admin sees none of it (platform admins see all).
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.money import format_rupiah
from villages.admin_scoping import TenantScopedAdmin
from vouchers.models import AidEvent, Beneficiary, Issuance, Programme
from vouchers.selectors.registry import AID_OFFICIALS


class AidAdmin(TenantScopedAdmin):
    """Scoped to the villages where the person is an official (BUMDes admins: none)."""

    tenant_can_add = False
    tenant_can_delete = False

    def tenant_village_ids(self, request: HttpRequest) -> frozenset[int]:
        return self.scope(request).village_ids(AID_OFFICIALS)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # registered through the officials' pages and their services

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate or close instead; rows are referenced by the ledger


@admin.register(Beneficiary)
class BeneficiaryAdmin(AidAdmin):
    list_display = ["name", "nik_masked", "village", "card_number", "is_active", "linked"]
    list_filter = ["is_active", "village"]
    search_fields = ["name", "card_number"]
    list_select_related = ["village"]
    fields = [
        "village",
        "name",
        "nik_masked",
        "phone",
        "address",
        "user",
        "card_number",
        "card_locked_at",
        "pin_failures",
        "is_active",
        "created_at",
        "updated_at",
    ]
    readonly_fields = [
        "village",
        "nik_masked",
        "phone",
        "user",
        "card_number",
        "card_locked_at",
        "pin_failures",
        "created_at",
        "updated_at",
    ]

    @admin.display(boolean=True, description=_("account"))
    def linked(self, obj: Beneficiary) -> bool:
        return obj.user_id is not None


class ReadOnlyAidAdmin(AidAdmin):
    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Programme)
class ProgrammeAdmin(ReadOnlyAidAdmin):
    list_display = ["name", "village", "amount", "first_month", "months", "scope", "status"]
    list_filter = ["status", "scope", "village"]
    search_fields = ["name"]
    list_select_related = ["village", "market"]
    filter_horizontal = ["allowed_categories"]

    @admin.display(description=_("amount per month"), ordering="amount_per_month")
    def amount(self, obj: Programme) -> str:
        return format_rupiah(obj.amount_per_month)


@admin.register(Issuance)
class IssuanceAdmin(ReadOnlyAidAdmin):
    tenant_village_field = "programme__village"
    list_display = ["programme", "month", "status", "done", "total", "amount", "created_at"]
    list_filter = ["status"]
    list_select_related = ["programme"]

    @admin.display(description=_("amount each"), ordering="amount_each")
    def amount(self, obj: Issuance) -> str:
        return format_rupiah(obj.amount_each)


@admin.register(AidEvent)
class AidEventAdmin(ReadOnlyAidAdmin):
    """The audit trail, to look up; append-only, so never changed or deleted here either."""

    list_display = ["created_at", "kind", "village", "beneficiary", "programme", "actor"]
    list_filter = ["kind", "village"]
    list_select_related = ["village", "beneficiary", "programme", "actor"]
    date_hierarchy = "created_at"
    fields = readonly_fields = (
        "created_at",
        "village",
        "kind",
        "beneficiary",
        "programme",
        "actor",
        "details",
    )
