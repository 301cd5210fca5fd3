"""The officials' aid API: a village's programmes, their months' issuance, their reports.

Under ``desa/<village_slug>/bantuan/program/``, for the perangkat desa of that village
(``HasVillageRole``). A programme id of another village is a 404, like an unknown one.
Each view parses input, fetches through a selector, calls at most one service, renders.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from core.access import Access
from core.api import ErrorSerializer
from villages.api.permissions import HasVillageRole
from villages.models import Village
from vouchers.api import serializers_officials as s
from vouchers.models import Programme
from vouchers.selectors import reports as selectors

TENANT_ERRORS = {401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}
INPUT_ERRORS = {400: ErrorSerializer, **TENANT_ERRORS}


@extend_schema(tags=["aid"])
class OfficialView(generics.GenericAPIView):
    """Base of the officials' endpoints: sets ``self.village`` (by ``HasVillageRole``)."""

    access = Access.TENANT
    permission_classes = [HasVillageRole]
    tenant_roles = selectors.REPORT_READERS
    village: Village

    def programme(self) -> Programme:
        """The programme of the URL, which must be the village's (else 404)."""
        return selectors.get_village_programme(
            village=self.village, programme_id=self.kwargs["programme_id"]
        )


class ProgrammeListView(OfficialView):
    """The village's aid programmes, newest first, with how many months were issued."""

    serializer_class = s.ProgrammeSerializer

    @extend_schema(responses={200: s.ProgrammeSerializer(many=True), **TENANT_ERRORS})
    def get(self, request: Request, village_slug: str) -> Response:
        programmes = selectors.village_programmes(village=self.village)
        return Response(s.ProgrammeSerializer(programmes, many=True).data)


class ProgrammeDetailView(OfficialView):
    """A programme's terms and each month's issuance status."""

    serializer_class = s.ProgrammeDetailSerializer

    @extend_schema(responses={200: s.ProgrammeDetailSerializer, **TENANT_ERRORS})
    def get(self, request: Request, village_slug: str, programme_id: int) -> Response:
        detail = selectors.programme_detail(programme=self.programme())
        return Response(s.ProgrammeDetailSerializer(detail).data)


class IssuanceStartView(OfficialView):
    """Issue a month of the programme to every active beneficiary of the village.

    Answers 202 at once with the queued issuance; a batch credits the wallets, and
    ``penerbitan/<month>/`` tells its progress. A month is issued once: a second start is
    a 400 ``month_already_issued``.
    """

    serializer_class = s.IssuanceSerializer

    @extend_schema(
        request=s.IssuanceStartSerializer,
        responses={202: s.IssuanceSerializer, **INPUT_ERRORS},
    )
    def post(self, request: Request, village_slug: str, programme_id: int) -> Response:
        from vouchers.services.issuance import start_issuance

        programme = self.programme()
        data = s.IssuanceStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issuance = start_issuance(
            acting_user=request.user,
            programme_id=programme.pk,
            month=data.validated_data["month"],
        )
        # Without a broker the batch has already run by now (after commit, in-process).
        issuance.refresh_from_db()
        return Response(s.IssuanceSerializer(issuance).data, status=status.HTTP_202_ACCEPTED)


class IssuanceProgressView(OfficialView):
    """How far the issuance of a month has come: ``not_issued`` before it was started."""

    serializer_class = s.MonthStatusSerializer

    @extend_schema(responses={200: s.MonthStatusSerializer, **INPUT_ERRORS})
    def get(self, request: Request, village_slug: str, programme_id: int, month: int) -> Response:
        programme = self.programme()
        s.ProgrammeMonthSerializer(
            data={"month": month}, context={"programme": programme}
        ).is_valid(raise_exception=True)
        return Response(s.MonthStatusSerializer(selectors.month_status(programme, month)).data)


class ReportView(OfficialView):
    """The programme's report (``?bulan=N`` for one month), reconciled with the ledger."""

    serializer_class = s.ReportSerializer

    @extend_schema(
        parameters=[s.MonthQuerySerializer], responses={200: s.ReportSerializer, **INPUT_ERRORS}
    )
    def get(self, request: Request, village_slug: str, programme_id: int) -> Response:
        programme = self.programme()
        query = s.MonthQuerySerializer(data=request.query_params, context={"programme": programme})
        query.is_valid(raise_exception=True)
        report = selectors.programme_report(programme, query.validated_data.get("bulan"))
        return Response(s.ReportSerializer(report).data)
