"""Seller API: a seller's products and their stock, for those who manage the seller.

URLs name the village and the seller (``manage/sellers/<village_slug>/<seller_slug>/``).
A BUMDes admin manages every seller of their village, seller staff only their own; a
product id must belong to the seller of the URL. Each view parses input, fetches through
a selector, calls one service and renders.
"""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from catalog import services
from catalog.api import seller_serializers as s
from catalog.models import Product
from catalog.selectors import dashboard as selectors
from core.access import Access
from core.api import ErrorSerializer
from villages.enums import Role
from villages.models import Seller
from villages.selectors import get_seller_for_manager

TENANT_ERRORS = {401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}
WRITE_ERRORS = {400: ErrorSerializer, **TENANT_ERRORS}

IDEMPOTENCY_HEADER = "Idempotency-Key"


class ManagesSellerInUrl(BasePermission):
    """The person may manage the seller named by ``village_slug`` and ``seller_slug``.

    On success the seller is on ``view.seller``. Anonymous → 401 ``not_authenticated``;
    unknown seller → 404 ``seller_not_found``; not theirs → 403 ``not_allowed_for_village``.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False  # DRF answers NotAuthenticated
        # Refusals are domain errors, so they carry their code: seller_not_found (404),
        # not_allowed_for_village (403).
        view.seller = get_seller_for_manager(
            user=request.user,
            village_slug=view.kwargs["village_slug"],
            seller_slug=view.kwargs["seller_slug"],
        )
        return True


@extend_schema(tags=["manage"])
class SellerTenantView(generics.GenericAPIView):
    """Base of endpoints under ``manage/sellers/<village_slug>/<seller_slug>/``."""

    access = Access.TENANT
    permission_classes = [ManagesSellerInUrl]
    tenant_roles = frozenset({Role.BUMDES_ADMIN, Role.SELLER_STAFF})
    seller: Seller

    def get_product(self, product_id: int) -> Product:
        return selectors.get_product_for_manager(
            user=self.request.user, product_id=product_id, seller=self.seller
        )


class ProductListCreateView(SellerTenantView, generics.ListAPIView):
    """The seller's products by name, inactive ones included; add a product."""

    serializer_class = s.ManagedProductSerializer

    def get_queryset(self) -> QuerySet[Product]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no seller
            return Product.objects.none()
        filters = s.ProductFiltersSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        return selectors.products_for_manager(
            user=self.request.user,
            seller=self.seller,
            search=data.get("q", ""),
            category=data.get("category"),
            active=data["active"],
            low_stock=data["low_stock"],
        )

    @extend_schema(
        operation_id="v1_manage_seller_products_list",
        parameters=[s.ProductFiltersSerializer],
        responses={200: s.ManagedProductSerializer(many=True), **WRITE_ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="v1_manage_seller_products_create",
        request=s.ProductCreateSerializer,
        responses={201: s.ManagedProductSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, village_slug: str, seller_slug: str) -> Response:
        data = s.ProductCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        product = services.create_product(
            acting_user=request.user, seller=self.seller, **data.validated_data
        )
        product = self.get_product(product.pk)
        body = s.ManagedProductSerializer(product, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class ProductDetailView(SellerTenantView):
    """One product of the seller; PATCH changes the fields sent."""

    serializer_class = s.ManagedProductSerializer

    @extend_schema(
        operation_id="v1_manage_seller_product_retrieve",
        responses={200: s.ManagedProductSerializer, **TENANT_ERRORS},
    )
    def get(
        self, request: Request, village_slug: str, seller_slug: str, product_id: int
    ) -> Response:
        product = self.get_product(product_id)
        return Response(s.ManagedProductSerializer(product, context={"request": request}).data)

    @extend_schema(
        operation_id="v1_manage_seller_product_update",
        request=s.ProductUpdateSerializer,
        responses={200: s.ManagedProductSerializer, **WRITE_ERRORS},
    )
    def patch(
        self, request: Request, village_slug: str, seller_slug: str, product_id: int
    ) -> Response:
        product = self.get_product(product_id)
        data = s.ProductUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        product = services.update_product(
            acting_user=request.user, product=product, **data.validated_data
        )
        return Response(s.ManagedProductSerializer(product, context={"request": request}).data)


class ProductStockView(SellerTenantView):
    """Restock or correct the product's stock; answers with the movement written."""

    serializer_class = s.StockMovementSerializer
    http_method_names = ["post", "options"]

    @extend_schema(
        operation_id="v1_manage_seller_product_stock_create",
        request=s.StockChangeSerializer,
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                location=OpenApiParameter.HEADER,
                required=False,
                description="One per stock change (1 to 64 printable characters), sent "
                "again unchanged when the change is retried: a repeat answers 200 with the "
                "movement the first request wrote and moves no stock. Keys are the person's "
                "own. Without it every request is a new change. 400 "
                "``idempotency_key_invalid``; 409 ``idempotency_key_reused`` when the key "
                "went with another change (product, kind, quantity or reason).",
            )
        ],
        responses={
            201: s.StockMovementSerializer,
            200: s.StockMovementSerializer,
            409: ErrorSerializer,
            **WRITE_ERRORS,
        },
        description="409 ``out_of_stock`` when a correction would leave less than nothing; "
        "then nothing is written.",
    )
    def post(
        self, request: Request, village_slug: str, seller_slug: str, product_id: int
    ) -> Response:
        product = self.get_product(product_id)
        data = s.StockChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is None:
            movement = services.adjust_stock(
                acting_user=request.user, product_id=product.pk, **data.validated_data
            )
            return Response(
                s.StockMovementSerializer(movement).data, status=status.HTTP_201_CREATED
            )
        change = services.adjust_stock_once(
            acting_user=request.user,
            product_id=product.pk,
            idempotency_key=key,
            **data.validated_data,
        )
        answer = status.HTTP_201_CREATED if change.created else status.HTTP_200_OK
        return Response(s.StockMovementSerializer(change.movement).data, status=answer)
