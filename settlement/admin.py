"""Settlement in the admin, for platform admins only: commission rates and profit rules to
set, postings to watch and retry, and batches, payouts and profit periods to read. Money
moves only through the services: nothing here edits a figure."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from settlement.enums import PostingStatus
from settlement.models import (
    BumdesCost,
    Payout,
    Posting,
    ProfitRule,
    ProfitShare,
    ProfitShareLine,
    SellerCommission,
    SettlementBatch,
    VillageCommission,
    VillageTransfer,
)
from settlement.services import posting
from villages.tenancy import scope_for


class PlatformAdmin(admin.ModelAdmin):
    """Only platform admins see these; BUMDes admins use the village's settlement pages."""

    def _platform(self, request: HttpRequest) -> bool:
        return scope_for(request.user).is_platform_admin

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._platform(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._platform(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._platform(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._platform(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._platform(request)


class ReadOnlyPlatformAdmin(PlatformAdmin):
    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(VillageCommission)
class VillageCommissionAdmin(PlatformAdmin):
    list_display = ["village", "rate_bp"]
    autocomplete_fields = ["village"]


@admin.register(SellerCommission)
class SellerCommissionAdmin(PlatformAdmin):
    list_display = ["seller", "rate_bp"]
    autocomplete_fields = ["seller"]


@admin.register(ProfitRule)
class ProfitRuleAdmin(PlatformAdmin):
    list_display = ["bumdes", "community_share_bp", "bersama_split"]


@admin.register(Posting)
class PostingAdmin(ReadOnlyPlatformAdmin):
    """Completed sales waiting for the ledger; failed ones show their error and may be
    retried (the sweeper retries them too)."""

    list_display = ["pk", "fulfilment", "counter_sale", "status", "attempts", "last_error"]
    list_filter = ["status"]
    readonly_fields = [
        "fulfilment",
        "counter_sale",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "posted_at",
    ]
    actions = ["retry"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Posting]:
        return super().get_queryset(request).select_related("fulfilment", "counter_sale")

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions: dict[str, Any] = super().get_actions(request)
        if not self._platform(request):
            actions.pop("retry", None)
        return actions

    @admin.action(description=_("Post the selected sales again"))
    def retry(self, request: HttpRequest, queryset: QuerySet[Posting]) -> None:
        ids = list(queryset.exclude(status=PostingStatus.POSTED).values_list("pk", flat=True))
        run = posting.post_sales(ids)
        if run.posted:
            self.message_user(
                request,
                ngettext("%(n)d sale posted.", "%(n)d sales posted.", run.posted)
                % {"n": run.posted},
                messages.SUCCESS,
            )
        if run.failed:
            self.message_user(
                request,
                ngettext("%(n)d sale failed again.", "%(n)d sales failed again.", run.failed)
                % {"n": run.failed},
                messages.ERROR,
            )
        if not run.posted and not run.failed:
            self.message_user(request, _("Nothing to post."), messages.INFO)


class PayoutInline(admin.TabularInline):
    model = Payout
    fields = ["seller", "amount", "status", "bank_reference", "paid_at", "paid_by"]
    readonly_fields = ["seller", "amount", "status", "bank_reference", "paid_at", "paid_by"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VillageTransferInline(admin.TabularInline):
    model = VillageTransfer
    fields = readonly_fields = (
        "from_village",
        "to_village",
        "amount",
        "transfer_key",
        "status",
        "bank_reference",
        "paid_at",
        "paid_by",
    )
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SettlementBatch)
class SettlementBatchAdmin(ReadOnlyPlatformAdmin):
    list_display = ["market", "period_start", "period_end", "status", "created_at"]
    list_filter = ["status", "market"]
    inlines = [VillageTransferInline, PayoutInline]


class ProfitShareLineInline(admin.TabularInline):
    model = ProfitShareLine
    fields = ["village", "weight", "amount"]
    readonly_fields = ["village", "weight", "amount"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ProfitShare)
class ProfitShareAdmin(ReadOnlyPlatformAdmin):
    list_display = [
        "bumdes",
        "period_start",
        "period_end",
        "commissions",
        "costs",
        "profit",
        "community_share",
        "retained",
    ]
    list_filter = ["bumdes"]
    inlines = [ProfitShareLineInline]


@admin.register(BumdesCost)
class BumdesCostAdmin(ReadOnlyPlatformAdmin):
    list_display = ["bumdes", "spent_on", "description", "amount", "recorded_by"]
    list_filter = ["bumdes"]
