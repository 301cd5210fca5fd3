"""The beneficiary's own wallets over the API: balances, and each wallet's history.

Only the wallets of beneficiary records linked to the caller; anyone else's wallet is 404
``wallet_not_found``. The NIK appears only masked.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from core.access import Access
from core.api import ErrorSerializer
from ledger.models import Transfer
from vouchers.selectors import wallet as selectors

AUTH_ERRORS = {401: ErrorSerializer}
WALLET_ERRORS = {404: ErrorSerializer, **AUTH_ERRORS}


class ProgrammeBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    village = serializers.CharField(source="village.name")
    status = serializers.CharField()


class BeneficiaryBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    nik_masked = serializers.CharField()
    card_number = serializers.CharField()


class WalletSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="wallet.pk")
    programme = ProgrammeBriefSerializer(source="wallet.programme")
    beneficiary = BeneficiaryBriefSerializer(source="wallet.beneficiary")
    balance = serializers.IntegerField(help_text="Rupiah.")
    spendable = serializers.BooleanField(help_text="Whether the voucher can pay now.")
    not_spendable_because = serializers.SerializerMethodField()

    def get_not_spendable_because(self, summary: selectors.WalletSummary) -> str | None:
        return str(summary.refusal) if summary.refusal is not None else None


class HistoryItemSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.ChoiceField(
        choices=["issue", "spend", "refund", "expire", "reversal", selectors.RETURNED]
    )
    description = serializers.CharField(source="label")
    amount = serializers.IntegerField(
        help_text="The change in the wallet's balance, in rupiah (negative: spent or expired)."
    )
    moved = serializers.IntegerField(help_text="What moved, in rupiah.")
    seller_name = serializers.CharField(allow_blank=True)
    order_number = serializers.CharField(allow_blank=True)


@extend_schema(tags=["aid"])
class WalletListView(generics.GenericAPIView):
    """The caller's voucher wallets, one per programme, with their balances."""

    access = Access.SIGNED_IN
    serializer_class = WalletSerializer
    pagination_class = None

    @extend_schema(responses={200: WalletSerializer(many=True), **AUTH_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        wallets = selectors.wallets_for_user(request.user)
        return Response(WalletSerializer(wallets, many=True).data)


@extend_schema(tags=["aid"])
class WalletHistoryView(generics.ListAPIView):
    """One of the caller's wallets: its money moves, newest first (paginated)."""

    access = Access.OWNER
    serializer_class = HistoryItemSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no person
            return Transfer.objects.none()
        self.summary = selectors.get_wallet_for_user(
            user=self.request.user, wallet_id=self.kwargs["wallet_id"]
        )
        return selectors.history_transfers([self.summary.wallet.pk])

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        items = selectors.history_items(
            page or [], wallets={self.summary.wallet.pk: self.summary.wallet}
        )
        return self.get_paginated_response(HistoryItemSerializer(items, many=True).data)

    @extend_schema(responses={200: HistoryItemSerializer(many=True), **WALLET_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
