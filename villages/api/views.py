"""Villages API: public villages and markets; members and sellers for those who run them.

Each view parses input, fetches through a selector, calls at most one service and renders.
"""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.access import Access
from core.api import ErrorSerializer
from villages import selectors, services
from villages.api import serializers as s
from villages.api.permissions import CanManageSeller, HasVillageRole
from villages.enums import Role
from villages.models import Market, Membership, Seller, Village
from villages.tenancy import SELLER_MANAGERS, VILLAGE_STEWARDS

NOT_FOUND = {404: ErrorSerializer}
TENANT_ERRORS = {401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}


class PublicView(APIView):
    """Anyone, signed in or not; shows only public data."""

    access = Access.PUBLIC
    permission_classes = [AllowAny]


@extend_schema(tags=["villages"])
class VillageListView(PublicView, generics.ListAPIView):
    """Villages with their number of active sellers, by name."""

    serializer_class = s.VillageSummarySerializer

    def get_queryset(self) -> QuerySet[Village]:
        return selectors.villages_with_seller_counts()


@extend_schema(tags=["villages"])
class VillageDetailView(PublicView, generics.GenericAPIView):
    """A village with its BUMDes, its markets and its active sellers."""

    serializer_class = s.VillageDetailSerializer

    @extend_schema(responses={200: s.VillageDetailSerializer, **NOT_FOUND})
    def get(self, request: Request, village_slug: str) -> Response:
        village = selectors.get_public_village(slug=village_slug)
        return Response(s.VillageDetailSerializer(village).data)


@extend_schema(tags=["markets"])
class MarketListView(PublicView, generics.ListAPIView):
    """The pasar bersama, oldest first, with their number of villages."""

    serializer_class = s.MarketSerializer

    def get_queryset(self) -> QuerySet[Market]:
        # Meta.ordering does not apply to the selector's GROUP BY query: order explicitly.
        return selectors.public_markets().order_by("created_at", "name", "pk")


@extend_schema(tags=["markets"])
class MarketDetailView(PublicView, generics.GenericAPIView):
    """A market with its villages, each with its number of active sellers."""

    serializer_class = s.MarketDetailSerializer

    @extend_schema(responses={200: s.MarketDetailSerializer, **NOT_FOUND})
    def get(self, request: Request, market_slug: str) -> Response:
        market = selectors.get_market(slug=market_slug)
        villages = selectors.villages_with_seller_counts(market=market)
        return Response(s.MarketDetailSerializer({"market": market, "villages": villages}).data)


@extend_schema(tags=["manage"])
class VillageTenantView(generics.GenericAPIView):
    """Base of endpoints under ``manage/villages/<village_slug>/``: sets ``self.village``."""

    access = Access.TENANT
    permission_classes = [HasVillageRole]
    tenant_roles: frozenset[str] = VILLAGE_STEWARDS
    village: Village


class MemberListView(VillageTenantView, generics.ListAPIView):
    """Who holds which role in the village; phone numbers masked."""

    serializer_class = s.MemberSerializer

    def get_queryset(self) -> QuerySet[Membership]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no village
            return Membership.objects.none()
        return selectors.village_members(village=self.village)

    @extend_schema(responses={200: s.MemberSerializer(many=True), **TENANT_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class SellerListCreateView(VillageTenantView, generics.ListAPIView):
    """Every seller of the village (stewards); adding one is for seller managers only."""

    serializer_class = s.ManagedSellerSerializer
    tenant_roles_by_method = {"POST": SELLER_MANAGERS}

    def get_queryset(self) -> QuerySet[Seller]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no village
            return Seller.objects.none()
        return selectors.village_sellers(village=self.village)

    @extend_schema(responses={200: s.ManagedSellerSerializer(many=True), **TENANT_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.SellerCreateSerializer,
        responses={201: s.ManagedSellerSerializer, 400: ErrorSerializer, **TENANT_ERRORS},
    )
    def post(self, request: Request, village_slug: str) -> Response:
        data = s.SellerCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        seller = services.create_seller(
            acting_user=request.user, village=self.village, **data.validated_data
        )
        return Response(s.ManagedSellerSerializer(seller).data, status=status.HTTP_201_CREATED)


class ManagedSellerDetailView(VillageTenantView):
    """One seller, for its village's BUMDes admins and its own staff."""

    permission_classes = [HasVillageRole, CanManageSeller]
    tenant_roles = frozenset({Role.BUMDES_ADMIN, Role.SELLER_STAFF})
    serializer_class = s.ManagedSellerSerializer

    @extend_schema(responses={200: s.ManagedSellerSerializer, **TENANT_ERRORS})
    def get(self, request: Request, village_slug: str, seller_slug: str) -> Response:
        seller = selectors.get_seller_for_manager(
            user=request.user, village_slug=village_slug, seller_slug=seller_slug
        )
        self.check_object_permissions(request, seller)
        return Response(s.ManagedSellerSerializer(seller).data)
