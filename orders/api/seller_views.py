"""Seller API: the fulfilments of one seller and their steps, for those who manage it.

URLs name the village and the seller (``manage/sellers/<village_slug>/<seller_slug>/``),
as the seller's product endpoints do: a BUMDes admin manages every seller of their
village, seller staff only their own. A fulfilment id must belong to the seller of the
URL. The steps go through the one lifecycle service the pages use.
"""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.api.seller_views import ManagesSellerInUrl
from core.access import Access
from core.api import ErrorSerializer
from orders import services
from orders.api import seller_serializers as s
from orders.exceptions import FulfilmentNotFound, PaymentNotFound
from orders.models import Fulfilment
from orders.seller_selectors import seller_fulfilments
from villages.enums import Role
from villages.models import Seller

TENANT_ERRORS = {401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}
STEP_ERRORS = {400: ErrorSerializer, 409: ErrorSerializer, **TENANT_ERRORS}


@extend_schema(tags=["manage"])
class SellerFulfilmentView(generics.GenericAPIView):
    """Base of the fulfilment endpoints under ``manage/sellers/<village>/<seller>/``."""

    access = Access.TENANT
    permission_classes = [ManagesSellerInUrl]
    tenant_roles = frozenset({Role.BUMDES_ADMIN, Role.SELLER_STAFF})
    seller: Seller

    def fulfilments(self, *, status: str | None = None) -> QuerySet[Fulfilment]:
        """The URL's seller's fulfilments, with what the serializers render, in few queries."""
        return (
            seller_fulfilments(user=self.request.user, status=status)
            .filter(seller_id=self.seller.pk)
            .select_related("order__delivery_village")
            .prefetch_related("lines", "payments")
        )

    def get_fulfilment(self, fulfilment_id: int) -> Fulfilment:
        fulfilment = self.fulfilments().filter(pk=fulfilment_id).prefetch_related("events").first()
        if fulfilment is None:
            raise FulfilmentNotFound()
        return fulfilment


class FulfilmentListView(SellerFulfilmentView, generics.ListAPIView):
    """The seller's fulfilments, last changed first; ``status`` filters (the queue)."""

    serializer_class = s.SellerFulfilmentSerializer

    def get_queryset(self) -> QuerySet[Fulfilment]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no seller
            return Fulfilment.objects.none()
        filters = s.FulfilmentFiltersSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return self.fulfilments(status=filters.validated_data.get("status"))

    @extend_schema(
        operation_id="v1_manage_seller_fulfilments_list",
        parameters=[s.FulfilmentFiltersSerializer],
        responses={
            200: s.SellerFulfilmentSerializer(many=True),
            400: ErrorSerializer,
            **TENANT_ERRORS,
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class FulfilmentDetailView(SellerFulfilmentView):
    """One fulfilment of the seller, with its timeline."""

    serializer_class = s.SellerFulfilmentDetailSerializer

    @extend_schema(
        operation_id="v1_manage_seller_fulfilment_retrieve",
        responses={200: s.SellerFulfilmentDetailSerializer, **TENANT_ERRORS},
    )
    def get(
        self, request: Request, village_slug: str, seller_slug: str, fulfilment_id: int
    ) -> Response:
        fulfilment = self.get_fulfilment(fulfilment_id)
        return Response(s.SellerFulfilmentDetailSerializer(fulfilment).data)


class FulfilmentTransitionView(SellerFulfilmentView):
    """Move the fulfilment one step: confirm, ship or ready for pickup, deliver, cancel."""

    serializer_class = s.SellerFulfilmentDetailSerializer
    http_method_names = ["post", "options"]

    @extend_schema(
        operation_id="v1_manage_seller_fulfilment_transition",
        request=s.SellerTransitionSerializer,
        responses={200: s.SellerFulfilmentDetailSerializer, **STEP_ERRORS},
        description="409 ``transition_not_allowed`` when the status does not allow the step "
        "(``extra.already`` when it is already there); 400 ``reason_required`` to cancel "
        "without a reason.",
    )
    def post(
        self, request: Request, village_slug: str, seller_slug: str, fulfilment_id: int
    ) -> Response:
        fulfilment = self.get_fulfilment(fulfilment_id)
        data = s.SellerTransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.transition_fulfilment(
            actor=request.user,
            fulfilment_id=fulfilment.pk,
            to_status=data.validated_data["to_status"],
            reason=data.validated_data["reason"],
        )
        fulfilment = self.get_fulfilment(fulfilment_id)
        return Response(s.SellerFulfilmentDetailSerializer(fulfilment).data)


class PaymentStepView(SellerFulfilmentView):
    """Base of a payment's steps: the payment must be one of the URL's fulfilment's."""

    serializer_class = s.SellerFulfilmentDetailSerializer
    http_method_names = ["post", "options"]

    def ensure_payment(self, fulfilment_id: int, payment_id: int) -> None:
        fulfilment = self.get_fulfilment(fulfilment_id)
        if not any(payment.pk == payment_id for payment in fulfilment.payments.all()):
            raise PaymentNotFound()


class CashCollectedView(PaymentStepView):
    """The seller received the cash of a cash payment: it is paid."""

    @extend_schema(
        operation_id="v1_manage_seller_payment_cash_collected",
        request=None,
        responses={200: s.SellerFulfilmentDetailSerializer, **STEP_ERRORS},
        description="Answers with the fulfilment. 409 ``payment_method_mismatch`` when the "
        "payment is not cash, ``payment_step_not_allowed`` when it is not pending (already "
        "collected: a second press is refused, nothing changes), ``fulfilment_cancelled`` on "
        "a cancelled order.",
    )
    def post(
        self,
        request: Request,
        village_slug: str,
        seller_slug: str,
        fulfilment_id: int,
        payment_id: int,
    ) -> Response:
        self.ensure_payment(fulfilment_id, payment_id)
        services.mark_cash_collected(actor=request.user, payment_id=payment_id)
        fulfilment = self.get_fulfilment(fulfilment_id)
        return Response(s.SellerFulfilmentDetailSerializer(fulfilment).data)


class TransferConfirmationView(PaymentStepView):
    """The seller saw a bank transfer arrive (with or without the buyer's picture): paid."""

    @extend_schema(
        operation_id="v1_manage_seller_payment_transfer_confirmation",
        request=s.TransferConfirmationSerializer,
        responses={200: s.SellerFulfilmentDetailSerializer, **STEP_ERRORS},
        description="Answers with the fulfilment; the buyer is told. 409 "
        "``payment_method_mismatch`` when the payment is not a transfer, "
        "``payment_step_not_allowed`` when it is already paid or released, "
        "``fulfilment_cancelled`` on a cancelled order.",
    )
    def post(
        self,
        request: Request,
        village_slug: str,
        seller_slug: str,
        fulfilment_id: int,
        payment_id: int,
    ) -> Response:
        self.ensure_payment(fulfilment_id, payment_id)
        data = s.TransferConfirmationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.confirm_transfer(
            actor=request.user, payment_id=payment_id, reference=data.validated_data["reference"]
        )
        fulfilment = self.get_fulfilment(fulfilment_id)
        return Response(s.SellerFulfilmentDetailSerializer(fulfilment).data)
