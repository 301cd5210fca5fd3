"""The transparency figures as a public, read-only API: the same sums as the pages.

No personal data: figures by market, village, month, BUMDes and settlement batch only.
Amounts are whole rupiah.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.access import Access
from core.api import ErrorSerializer
from transparency import cache, selectors

NOT_FOUND = {404: ErrorSerializer}


# --- Output shapes ---------------------------------------------------------------------------


class AidSerializer(serializers.Serializer):
    issued = serializers.IntegerField(help_text="Credited to the beneficiaries' wallets.")
    spent = serializers.IntegerField(help_text="Paid by voucher, less payments given back.")
    expired = serializers.IntegerField(help_text="Unspent money returned to the programmes.")
    returned_to_programme = serializers.IntegerField(
        help_text="Cancelled payments whose money had expired meanwhile."
    )
    outstanding = serializers.IntegerField(help_text="In the wallets now.")
    spent_in_village = serializers.IntegerField(
        help_text="Spent at sellers of the beneficiaries' own village."
    )
    spent_in_market = serializers.IntegerField(
        help_text="Spent at sellers of another village of the programme's market."
    )
    spent_outside = serializers.IntegerField(help_text="Spent anywhere else.")
    in_village_percent = serializers.IntegerField(help_text="Whole percent of spending.")
    community_share = serializers.IntegerField(
        help_text="BUMDes profit shared into the villages' community funds."
    )
    reconciled = serializers.BooleanField(
        help_text="issued - spent - expired - returned equals outstanding, and the places "
        "of spending add up to what was spent."
    )


class MonthSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="The first day of the month (Asia/Jakarta).")
    issued = serializers.IntegerField()
    spent = serializers.IntegerField()
    expired = serializers.IntegerField()
    community_share = serializers.IntegerField()


class VillageAidSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    aid = AidSerializer()


class ProfitPeriodSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    commissions = serializers.IntegerField()
    costs = serializers.IntegerField()
    profit = serializers.IntegerField()
    community_share_bp = serializers.IntegerField(help_text="Basis points: 5000 is half.")
    community_share = serializers.IntegerField()
    retained = serializers.IntegerField()


class BumdesFiguresSerializer(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.CharField()
    commissions = serializers.IntegerField()
    costs = serializers.IntegerField()
    profit = serializers.IntegerField()
    community_share = serializers.IntegerField()
    retained = serializers.IntegerField()
    periods = ProfitPeriodSerializer(many=True, help_text="Closed periods, newest first.")


class BatchSerializer(serializers.Serializer):
    market_name = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    status = serializers.CharField()
    payouts_paid = serializers.IntegerField()
    payouts_pending = serializers.IntegerField()
    sellers_owing = serializers.IntegerField()
    sellers = serializers.IntegerField(help_text="Payouts listed.")
    received = serializers.IntegerField(help_text="Net transfers into the villages shown.")
    paid = serializers.IntegerField(help_text="Net transfers out of the villages shown.")
    between_villages = serializers.IntegerField()


class BatchCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    open = serializers.IntegerField()
    paid = serializers.IntegerField()


class SpentAtSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    amount = serializers.IntegerField()


class TransparencySerializer(serializers.Serializer):
    aid = AidSerializer()
    spent_at = SpentAtSerializer(
        many=True, help_text="Aid spent at the sellers of each village, the largest first."
    )
    villages = VillageAidSerializer(many=True)
    months = MonthSerializer(many=True, help_text="Oldest first.")
    bumdes = BumdesFiguresSerializer(many=True)
    batches = BatchSerializer(many=True, help_text="The newest batches, newest first.")
    batch_counts = BatchCountsSerializer()


class PlaceSerializer(serializers.Serializer):
    """A market or a village: its slug and name."""

    slug = serializers.SlugField()
    name = serializers.CharField()


class MarketTransparencySerializer(TransparencySerializer):
    market = PlaceSerializer()


class VillageTransparencySerializer(TransparencySerializer):
    village = PlaceSerializer()
    markets = PlaceSerializer(many=True)


class MarketSummarySerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    villages = serializers.IntegerField()
    aid = AidSerializer()


class MarketsOverviewSerializer(serializers.Serializer):
    markets = MarketSummarySerializer(many=True)
    total = AidSerializer(help_text="Every village of a market, each once.")


# --- Views -----------------------------------------------------------------------------------


class PublicView(APIView):
    """Anyone, signed in or not; sums only, no personal data."""

    access = Access.PUBLIC
    permission_classes = [AllowAny]


@extend_schema(tags=["transparency"])
class MarketSummaryListView(PublicView):
    """Every market with its villages' aid, and the total."""

    @extend_schema(operation_id="transparency_markets", responses={200: MarketsOverviewSerializer})
    def get(self, request: Request) -> Response:
        return Response(MarketsOverviewSerializer(cache.markets_overview()).data)


@extend_schema(tags=["transparency"])
class MarketTransparencyView(PublicView):
    """A market: its villages' aid, by village and month; its BUMDes; its settlement."""

    @extend_schema(
        operation_id="transparency_market",
        responses={200: MarketTransparencySerializer, **NOT_FOUND},
    )
    def get(self, request: Request, market_slug: str) -> Response:
        market = selectors.get_transparency_market(slug=market_slug)
        data = cache.market_figures(market)
        body = {**data.__dict__, "market": market}
        return Response(MarketTransparencySerializer(body).data)


@extend_schema(tags=["transparency"])
class VillageTransparencyView(PublicView):
    """A village: its programmes' aid, by month; its BUMDes; its markets' settlement as far
    as it concerns the village."""

    @extend_schema(
        operation_id="transparency_village",
        responses={200: VillageTransparencySerializer, **NOT_FOUND},
    )
    def get(self, request: Request, village_slug: str) -> Response:
        village = selectors.get_transparency_village(slug=village_slug)
        data, markets = cache.village_figures(village)
        body = {**data.__dict__, "village": village, "markets": markets}
        return Response(VillageTransparencySerializer(body).data)
