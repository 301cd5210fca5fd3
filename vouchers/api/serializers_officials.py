"""Input and output of the officials' aid API: programmes, issuance and reports.

Reports carry sellers and villages, never beneficiaries: no personal data.
"""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from vouchers.enums import IssuanceStatus
from vouchers.models import Issuance, Programme


def validate_programme_month(value: int, context: Mapping[str, Any]) -> int:
    """``value`` is one of the months of ``context["programme"]`` (when given)."""
    programme: Programme | None = context.get("programme")
    if programme is not None and value > programme.months:
        raise serializers.ValidationError(
            _("This programme has months 1 to %(months)d.") % {"months": programme.months}
        )
    return value


class MonthQuerySerializer(serializers.Serializer):
    """``?bulan=N``: one month of the programme (1 = its first); absent: the whole of it."""

    bulan = serializers.IntegerField(required=False, min_value=1, max_value=24)

    def validate_bulan(self, value: int) -> int:
        return validate_programme_month(value, self.context)


class ProgrammeMonthSerializer(serializers.Serializer):
    """A month named in the URL: one of the programme's."""

    month = serializers.IntegerField(min_value=1, max_value=24)

    def validate_month(self, value: int) -> int:
        return validate_programme_month(value, self.context)


class IssuanceStartSerializer(serializers.Serializer):
    month = serializers.IntegerField(min_value=1, max_value=24)


def issuance_percent(issuance: Issuance | None) -> int:
    if issuance is None:
        return 0
    if issuance.status == IssuanceStatus.DONE:
        return 100
    if not issuance.total:
        return 0
    return min(100, issuance.done * 100 // issuance.total)


class IssuanceSerializer(serializers.ModelSerializer):
    percent = serializers.SerializerMethodField()

    class Meta:
        model = Issuance
        fields = [
            "id",
            "month",
            "status",
            "done",
            "total",
            "percent",
            "amount_each",
            "error",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_percent(self, issuance: Issuance) -> int:
        return issuance_percent(issuance)


class MonthStatusSerializer(serializers.Serializer):
    """A month of the programme: ``status`` is ``not_issued`` or the issuance's status."""

    month = serializers.IntegerField()
    starts = serializers.DateField()
    status = serializers.CharField()
    done = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()
    percent = serializers.SerializerMethodField()

    def get_done(self, month: Any) -> int:
        return month.issuance.done if month.issuance else 0

    def get_total(self, month: Any) -> int:
        return month.issuance.total if month.issuance else 0

    def get_percent(self, month: Any) -> int:
        return issuance_percent(month.issuance)


class ProgrammeSerializer(serializers.ModelSerializer):
    market: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    issued_months = serializers.IntegerField(read_only=True)

    class Meta:
        model = Programme
        fields = [
            "id",
            "name",
            "status",
            "amount_per_month",
            "first_month",
            "months",
            "scope",
            "market",
            "expiry_rule",
            "issued_months",
        ]
        read_only_fields = fields


class ProgrammeDetailSerializer(serializers.Serializer):
    programme = ProgrammeSerializer()
    allowed_categories = serializers.ListField(child=serializers.CharField())
    months = MonthStatusSerializer(many=True)


class ShareSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField(source="label")
    amount = serializers.IntegerField()
    charges = serializers.IntegerField()


class SellerShareSerializer(ShareSerializer):
    village = serializers.CharField()
    own_village = serializers.BooleanField()
    in_market = serializers.BooleanField()


class VillageShareSerializer(ShareSerializer):
    own_village = serializers.BooleanField()
    in_market = serializers.BooleanField()


class ReportSerializer(serializers.Serializer):
    """A ``vouchers.selectors.reports.ProgrammeReport``; amounts in whole rupiah."""

    programme_id = serializers.IntegerField()
    month = serializers.IntegerField(allow_null=True)
    period_start = serializers.DateField()
    period_end = serializers.DateField(help_text="The first day after the period.")
    issued = serializers.IntegerField()
    spent = serializers.IntegerField(help_text="Payments that stand, net of refunds.")
    refunded = serializers.IntegerField(help_text="Given back to the wallets.")
    returned_to_programme = serializers.IntegerField()
    expired = serializers.IntegerField()
    outstanding = serializers.IntegerField(help_text="In the programme's wallets now.")
    beneficiaries_issued = serializers.IntegerField()
    beneficiaries_spending = serializers.IntegerField()
    charges = serializers.IntegerField()
    spent_in_village = serializers.IntegerField()
    spent_in_market = serializers.IntegerField()
    in_village_percent = serializers.IntegerField()
    in_market_percent = serializers.IntegerField()
    reconciled = serializers.BooleanField(
        allow_null=True, help_text="Agrees with the ledger (whole programme only)."
    )
    by_category = ShareSerializer(many=True)
    by_seller = SellerShareSerializer(many=True, source="sellers")
    by_village = VillageShareSerializer(many=True)
