"""Buyer API: the signed-in person's cart, checkout and orders.

The same services as the pages: prices, stock and delivery fees are read on the server,
never taken from the client. Each view parses input, fetches through a selector, calls
one service and renders.
"""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.access import Access
from core.api import ErrorSerializer, parse, render
from core.exceptions import DomainError
from orders import selectors, services
from orders.api import buyer_serializers as s
from orders.enums import PaymentMethod
from orders.exceptions import CartLineNotFound, FulfilmentNotFound, PaymentNotFound
from orders.models import Cart, Order
from orders.selectors import CartSummary
from orders.services.checkout import place_order_or_find

AUTH_ERRORS = {401: ErrorSerializer}
CART_ERRORS = {400: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer, **AUTH_ERRORS}
ORDER_ERRORS = {404: ErrorSerializer, **AUTH_ERRORS}
STEP_ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 409: ErrorSerializer, **ORDER_ERRORS}

IDEMPOTENCY_HEADER = "Idempotency-Key"


class IdempotencyKeyRequired(DomainError):
    code = "idempotency_key_required"

    def __init__(self) -> None:
        super().__init__(_("Send an Idempotency-Key header with the checkout."))


@extend_schema(tags=["cart"])
class SignedInView(generics.GenericAPIView):
    """Any signed-in person, about their own cart and orders only."""

    access = Access.SIGNED_IN


def _cart_body(user: Any) -> dict[str, Any]:
    """The person's cart as the API renders it; an empty one is not written."""
    cart = selectors.get_cart(user=user)
    summary = (
        selectors.cart_summary(cart) if cart is not None else CartSummary(cart=Cart(), groups=[])
    )
    return dict(s.CartSerializer(summary).data)


class CartView(SignedInView):
    """The cart grouped by seller, with price changes and shortfalls; POST adds a product."""

    serializer_class = s.CartSerializer

    @extend_schema(responses={200: s.CartSerializer, **AUTH_ERRORS})
    def get(self, request: Request) -> Response:
        return Response(_cart_body(request.user))

    @extend_schema(
        request=s.CartAddSerializer,
        responses={200: s.CartSerializer, **CART_ERRORS},
        description="Adds the quantity to what the cart holds of the product; answers with "
        "the whole cart. 409 ``out_of_stock``, ``tour_full`` or ``product_unavailable``.",
    )
    def post(self, request: Request) -> Response:
        data = s.CartAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cart = services.get_or_create_cart(user=request.user)
        services.add_to_cart(cart=cart, **data.validated_data)
        return Response(_cart_body(request.user))


class CartLineView(SignedInView):
    """One product in the cart: PATCH sets its quantity (0 removes it), DELETE removes it."""

    serializer_class = s.CartSerializer
    http_method_names = ["patch", "delete", "options"]

    def cart(self) -> Cart:
        cart = selectors.get_cart(user=self.request.user)
        if cart is None:
            raise CartLineNotFound()
        return cart

    @extend_schema(
        request=s.CartLineUpdateSerializer, responses={200: s.CartSerializer, **CART_ERRORS}
    )
    def patch(self, request: Request, product_id: int) -> Response:
        data = s.CartLineUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.update_cart_line(
            cart=self.cart(), product_id=product_id, quantity=data.validated_data["quantity"]
        )
        return Response(_cart_body(request.user))

    @extend_schema(responses={200: s.CartSerializer, **CART_ERRORS})
    def delete(self, request: Request, product_id: int) -> Response:
        services.remove_cart_line(cart=self.cart(), product_id=product_id)
        return Response(_cart_body(request.user))


@extend_schema(tags=["checkout"])
class CheckoutView(SignedInView):
    """Place the cart as one order: one fulfilment per seller, all of it or nothing."""

    serializer_class = s.OrderSerializer

    @extend_schema(
        request=s.CheckoutSerializer,
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                location=OpenApiParameter.HEADER,
                required=True,
                description="One per checkout (up to 64 characters): a repeat answers 200 "
                "with the order the first request placed.",
            )
        ],
        responses={
            201: s.OrderSerializer,
            200: s.OrderSerializer,
            400: ErrorSerializer,
            403: ErrorSerializer,
            409: ErrorSerializer,
            **AUTH_ERRORS,
        },
        description="Prices and delivery fees are the server's. 409 ``out_of_stock`` names "
        "the product in ``message`` and ``extra.product_id``; then nothing is written.",
    )
    def post(self, request: Request) -> Response:
        key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
        if not key:
            raise IdempotencyKeyRequired()
        try:
            data = parse(s.CheckoutSerializer, request.data)
        except ValidationError:
            # A repeat is answered with the first request's order, whatever was sent.
            repeat = _repeat(request.user, key)
            if repeat is not None:
                return repeat
            raise
        address = data["address"]
        placement = place_order_or_find(
            buyer=request.user,
            cart=None,  # theirs, found as it is locked
            address=services.Address(
                delivery_village=address["village"],
                recipient_name=address["recipient_name"],
                phone=address["phone"],
                dusun=address["dusun"],
                rt=address["rt"],
                rw=address["rw"],
                notes=address["notes"],
            ),
            delivery_choices=data["delivery"],
            tenders=checkout_tenders(data),
            idempotency_key=key,
        )
        if not placement.created:  # rendered as GET renders it
            order = selectors.get_order_for_buyer(user=request.user, number=placement.order.number)
            return Response(render(s.OrderSerializer, order), status=status.HTTP_200_OK)
        # A new order comes with what it was written with: rendering it runs no query.
        return Response(render(s.OrderSerializer, placement.order), status=status.HTTP_201_CREATED)


def checkout_tenders(data: dict[str, Any]) -> list[tuple[str, Any]]:
    """The voucher first when one is named, then the method that pays the rest."""
    rest = (data["payment"], None)
    wallet = data.get("voucher_wallet")
    return [(PaymentMethod.VOUCHER, wallet), rest] if wallet else [rest]


def _repeat(user: Any, key: str) -> Response | None:
    """200 with the order ``user`` already placed with ``key``; None if there is none."""
    placed = selectors.orders_for_buyer(user).filter(idempotency_key=key).first()
    if placed is None:
        return None
    return Response(render(s.OrderSerializer, placed), status=status.HTTP_200_OK)


@extend_schema(tags=["orders"])
class OrderListView(SignedInView, generics.ListAPIView):
    """The person's own orders, newest first, with their fulfilments."""

    serializer_class = s.OrderSerializer

    def get_queryset(self) -> QuerySet[Order]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no person
            return Order.objects.none()
        return selectors.orders_for_buyer(self.request.user)

    @extend_schema(responses={200: s.OrderSerializer(many=True), **AUTH_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["orders"])
class OrderDetailView(generics.GenericAPIView):
    """One of the person's own orders; anyone else's is 404 ``order_not_found``."""

    access = Access.OWNER
    serializer_class = s.OrderSerializer

    @extend_schema(responses={200: s.OrderSerializer, **ORDER_ERRORS})
    def get(self, request: Request, order_number: str) -> Response:
        order = selectors.get_order_for_buyer(user=request.user, number=order_number)
        return Response(s.OrderSerializer(order).data)


@extend_schema(tags=["orders"])
class OrderFulfilmentTransitionView(generics.GenericAPIView):
    """The buyer's steps on one fulfilment: cancel it while placed, confirm receipt."""

    access = Access.OWNER
    serializer_class = s.OrderSerializer

    @extend_schema(
        request=s.BuyerTransitionSerializer,
        responses={200: s.OrderSerializer, **STEP_ERRORS},
        description="Answers with the whole order. 409 ``transition_not_allowed`` when the "
        "fulfilment's status does not allow the step.",
    )
    def post(self, request: Request, order_number: str, fulfilment_id: int) -> Response:
        # The order first: anyone else's is a 404 whatever they sent.
        order = selectors.get_order_for_buyer(user=request.user, number=order_number)
        if not any(f.pk == fulfilment_id for f in order.fulfilments.all()):
            raise FulfilmentNotFound()
        data = s.BuyerTransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.transition_fulfilment(
            actor=request.user,
            fulfilment_id=fulfilment_id,
            to_status=data.validated_data["to_status"],
            reason=data.validated_data["reason"],
        )
        order = selectors.get_order_for_buyer(user=request.user, number=order_number)
        return Response(s.OrderSerializer(order).data)


@extend_schema(tags=["orders"])
class PaymentProofView(generics.GenericAPIView):
    """The buyer's picture of a bank transfer, for one payment of their own order."""

    access = Access.OWNER
    serializer_class = s.OrderSerializer
    parser_classes = [MultiPartParser, FormParser]
    http_method_names = ["post", "options"]

    @extend_schema(
        request={"multipart/form-data": s.TransferProofSerializer},
        responses={200: s.OrderSerializer, **STEP_ERRORS},
        description="The payment then awaits the seller's confirmation; sending again "
        "replaces the picture until the seller confirms. 409 ``payment_method_mismatch`` "
        "for a payment that is not a transfer, ``payment_step_not_allowed`` once it is paid "
        "or released, ``fulfilment_cancelled``; 400 ``image_invalid``, ``image_format``, "
        "``image_too_large`` for a file that is not a picture we accept.",
    )
    def post(
        self, request: Request, order_number: str, fulfilment_id: int, payment_id: int
    ) -> Response:
        # The order first: anyone else's is a 404 whatever they sent.
        order = selectors.get_order_for_buyer(user=request.user, number=order_number)
        _ensure_payment_of(order, fulfilment_id, payment_id)
        data = s.TransferProofSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.upload_transfer_proof(
            actor=request.user, payment_id=payment_id, proof=data.validated_data["proof"]
        )
        order = selectors.get_order_for_buyer(user=request.user, number=order_number)
        return Response(s.OrderSerializer(order).data)


def _ensure_payment_of(order: Order, fulfilment_id: int, payment_id: int) -> None:
    """404 unless the fulfilment is the order's and the payment the fulfilment's."""
    fulfilment = next((f for f in order.fulfilments.all() if f.pk == fulfilment_id), None)
    if fulfilment is None:
        raise FulfilmentNotFound()
    if not any(payment.pk == payment_id for payment in fulfilment.payments.all()):
        raise PaymentNotFound()
