"""Settlement pages of a village (``/desa/<village>/penyelesaian/``, ``/bagi-hasil/``), for
its BUMDes admins: the batches of its markets with its payouts and net transfers, marking
payouts paid, statements as CSV and PDF, and profit sharing (costs, periods, statements).

Other villages' admins are refused (403) and anything not of the village is a 404. Each
view parses a form, fetches through a selector, calls one service, and redirects.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from catalog.views.dashboard import add_service_errors
from core.exceptions import DomainError, NotFound
from core.exceptions import PermissionDenied as DomainPermissionDenied
from core.views import TenantViewMixin
from settlement import selectors, statements
from settlement.forms import (
    CloseMonthForm,
    CommissionReceivedForm,
    CostForm,
    MarkPaidForm,
    VillageTransferPaidForm,
)
from settlement.models import PayoutStatus, SettlementBatch, VillageTransferStatus
from settlement.services import commissions, payouts, profit, village_transfers
from villages.models import Village
from villages.tenancy import scope_for


class SettlementViewMixin(TenantViewMixin):
    """The village named by ``village_slug``: its BUMDes admins act (POST), and its
    officials read along with them (GET); platform admins both."""

    tenant_roles: frozenset[str] = selectors.SETTLEMENT_READERS
    tenant_roles_by_method = {"POST": selectors.SETTLEMENT_ROLES}
    village: Village
    request: HttpRequest
    kwargs: dict[str, Any]

    def resolve_tenant(self) -> None:
        self.village = selectors.get_village_for_settlement(
            user=self.request.user,
            slug=self.kwargs["village_slug"],
            acting=self.request.method not in ("GET", "HEAD"),
        )

    def village_url(self, name: str, **extra: Any) -> str:
        return reverse(f"settlement:{name}", kwargs={"village_slug": self.village.slug, **extra})

    def get_batch(self) -> SettlementBatch:
        try:
            return selectors.get_batch_for_village(
                village=self.village, batch_id=self.kwargs["batch_id"]
            )
        except NotFound as error:
            raise Http404(str(error.message)) from error

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]
        context["village"] = self.village
        # Forms only for those who may act on them; officials read.
        context["can_act"] = scope_for(self.request.user).has_role(
            self.village.pk, selectors.SETTLEMENT_ROLES
        )
        return context


def file_response(content: bytes, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def seller_statement_response(*, batch: Any, seller: Any, file_format: str) -> HttpResponse:
    """``seller``'s statement for ``batch`` as a CSV or PDF download; the caller has
    checked that the person may read it."""
    statement = selectors.seller_statement(batch=batch, seller=seller)
    name = f"penjual-{seller.slug}-{batch.period_end.isoformat()}"
    if file_format == "pdf":
        return file_response(
            statements.seller_pdf(statement), content_type="application/pdf", filename=f"{name}.pdf"
        )
    return file_response(
        statements.seller_csv(statement),
        content_type="text/csv; charset=utf-8",
        filename=f"{name}.csv",
    )


class BatchListView(SettlementViewMixin, TemplateView):
    template_name = "settlement/batch_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            summaries=selectors.batches_for_village(village=self.village), **kwargs
        )


class BatchDetailView(SettlementViewMixin, TemplateView):
    """One batch: the village's payouts (each pending one with its mark-paid form, each
    owing one with its mark-received form) and the village's net transfers (each one it has
    to pay with its mark-paid form); POST marks one payout, or one transfer to another
    village, paid, or one seller's commission received."""

    template_name = "settlement/batch_detail.html"

    def transfer_rows(
        self, transfers: list[Any], failed: VillageTransferPaidForm | None
    ) -> list[tuple[Any, VillageTransferPaidForm | None]]:
        rows = []
        for transfer in transfers:
            form = None
            pays = transfer.from_village_id == self.village.pk
            if pays and transfer.status == VillageTransferStatus.PENDING:
                if failed is not None and failed.prefix == f"t{transfer.pk}":
                    form = failed
                else:
                    form = VillageTransferPaidForm(
                        initial={"transfer": transfer.pk}, prefix=f"t{transfer.pk}"
                    )
            rows.append((transfer, form))
        return rows

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        batch = self.get_batch()
        statement = selectors.village_statement(batch=batch, village=self.village)
        rows = statement.payouts
        failed_transfer = kwargs.pop("failed_transfer_form", None)
        failed: MarkPaidForm | CommissionReceivedForm | None = kwargs.pop("failed_form", None)
        forms: dict[int, MarkPaidForm | CommissionReceivedForm] = {}
        for payout in rows:
            if payout.status == PayoutStatus.OWING:
                if failed is not None and failed.prefix == f"c{payout.pk}":
                    forms[payout.pk] = failed
                else:
                    forms[payout.pk] = CommissionReceivedForm(
                        initial={"commission": payout.pk}, prefix=f"c{payout.pk}"
                    )
            elif payout.status == PayoutStatus.PENDING:
                if failed is not None and failed.prefix == f"p{payout.pk}":
                    forms[payout.pk] = failed
                else:
                    forms[payout.pk] = MarkPaidForm(
                        initial={"payout": payout.pk}, prefix=f"p{payout.pk}"
                    )
        return super().get_context_data(
            batch=batch,
            payout_rows=[(payout, forms.get(payout.pk)) for payout in rows],
            transfers=statement.transfers,
            transfer_rows=self.transfer_rows(statement.transfers, failed_transfer),
            totals=statement.totals,
            **kwargs,
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        batch = self.get_batch()
        if "transfer" in request.POST:
            return self._record(
                request,
                batch,
                field="transfer",
                form_class=VillageTransferPaidForm,
                failed_key="failed_transfer_form",
                already=village_transfers.VillageTransferAlreadyPaid,
                act=lambda data: village_transfers.mark_village_transfer_paid(
                    actor=request.user,
                    transfer_id=data["transfer"],
                    bank_reference=data["bank_reference"],
                    batch_id=batch.pk,
                    paying_village_id=self.village.pk,
                ),
                done=lambda transfer: (
                    _("Transfer to %(village)s marked paid.")
                    % {"village": transfer.to_village.name}
                ),
            )
        if "commission" in request.POST:
            return self._record(
                request,
                batch,
                field="commission",
                form_class=CommissionReceivedForm,
                already=commissions.CommissionAlreadyReceived,
                act=lambda data: commissions.mark_commission_received(
                    acting_user=request.user,
                    village_id=self.village.pk,
                    payout_id=data["commission"],
                    reference=data["reference"],
                    batch_id=batch.pk,
                ),
                done=lambda payout: (
                    _("Commission from %(seller)s marked received.")
                    % {"seller": payout.seller.name}
                ),
            )
        return self._record(
            request,
            batch,
            field="payout",
            form_class=MarkPaidForm,
            already=payouts.PayoutAlreadyPaid,
            act=lambda data: payouts.mark_payout_paid(
                acting_user=request.user,
                village_id=self.village.pk,
                payout_id=data["payout"],
                bank_reference=data["bank_reference"],
                batch_id=batch.pk,
            ),
            done=lambda payout: (
                _("Payout to %(seller)s marked paid.") % {"seller": payout.seller.name}
            ),
        )

    def _record(
        self,
        request: HttpRequest,
        batch: SettlementBatch,
        *,
        field: str,
        form_class: type[Any],
        already: type[DomainError],
        act: Callable[[dict[str, Any]], Any],
        done: Callable[[Any], str],
        failed_key: str = "failed_form",
    ) -> HttpResponse:
        """One row's form (payout, commission or transfer, named by ``field`` in the POST):
        ``act`` records it with its reference; a repeat is told it was done before."""
        row_id = request.POST.get(field, "")
        if not row_id.isdigit():
            return HttpResponse(status=400)
        prefix = f"{field[0]}{row_id}"
        form = form_class({**request.POST.dict(), f"{prefix}-{field}": row_id}, prefix=prefix)
        back = self.village_url("batch_detail", batch_id=batch.pk)
        if form.is_valid():
            try:
                recorded = act(form.cleaned_data)
            except NotFound as error:
                raise Http404(str(error.message)) from error
            except DomainPermissionDenied as error:
                raise PermissionDenied(str(error.message)) from error
            except already as error:
                messages.info(request, str(error.message))
                return redirect(back)
            except DomainError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, done(recorded))
                return redirect(back)
        return self.render_to_response(self.get_context_data(**{failed_key: form}), status=400)


class SellerStatementView(SettlementViewMixin, View):
    """A seller's statement for a batch's period, as CSV or PDF (``format`` in the URL)."""

    file_format = "csv"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        batch = self.get_batch()
        try:
            seller = selectors.get_seller_of_village(
                village=self.village, seller_slug=self.kwargs["seller_slug"]
            )
        except NotFound as error:
            raise Http404(str(error.message)) from error
        return seller_statement_response(batch=batch, seller=seller, file_format=self.file_format)


class VillageStatementView(SettlementViewMixin, View):
    file_format = "csv"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        batch = self.get_batch()
        statement = selectors.village_statement(batch=batch, village=self.village)
        name = f"desa-{self.village.slug}-{batch.period_end.isoformat()}"
        if self.file_format == "pdf":
            return file_response(
                statements.village_pdf(statement),
                content_type="application/pdf",
                filename=f"{name}.pdf",
            )
        return file_response(
            statements.village_csv(statement),
            content_type="text/csv; charset=utf-8",
            filename=f"{name}.csv",
        )


class ProfitView(SettlementViewMixin, TemplateView):
    """The village's BUMDes (and BUM Desa Bersama): rule, costs with a form to add one,
    closed periods with statements, and a form to close a month now."""

    template_name = "settlement/profit.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        failed_cost: CostForm | None = kwargs.pop("cost_form", None)
        failed_close: CloseMonthForm | None = kwargs.pop("close_form", None)
        sections = []
        for page in selectors.profit_pages(village=self.village):
            bumdes_id = page.bumdes.pk
            cost_form = (
                failed_cost
                if failed_cost is not None and failed_cost.data.get("bumdes") == str(bumdes_id)
                else CostForm(initial={"bumdes": bumdes_id}, auto_id=f"id_b{bumdes_id}_%s")
            )
            close_form = (
                failed_close
                if failed_close is not None and failed_close.data.get("bumdes") == str(bumdes_id)
                else CloseMonthForm(initial={"bumdes": bumdes_id}, auto_id=f"id_c{bumdes_id}_%s")
            )
            sections.append((page, cost_form, close_form))
        return super().get_context_data(sections=sections, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.POST.get("action") == "close":
            return self.close_month(request)
        form = CostForm(request.POST)
        if form.is_valid():
            bumdes = self.bumdes(form.cleaned_data["bumdes"])
            try:
                cost, created = profit.record_cost(
                    acting_user=request.user,
                    bumdes_id=bumdes.pk,
                    amount=form.cleaned_data["amount"],
                    description=form.cleaned_data["description"],
                    spent_on=form.cleaned_data["spent_on"],
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
            except DomainError as error:
                add_service_errors(form, error)
            else:
                if created:
                    messages.success(
                        request, _("Cost %(what)s recorded.") % {"what": cost.description}
                    )
                else:
                    messages.info(request, _("This cost was recorded already."))
                return redirect(self.village_url("profit"))
        return self.render_to_response(self.get_context_data(cost_form=form), status=400)

    def close_month(self, request: HttpRequest) -> HttpResponse:
        form = CloseMonthForm(request.POST)
        if form.is_valid():
            bumdes = self.bumdes(form.cleaned_data["bumdes"])
            start, end = profit.month_of(form.cleaned_data["month"])
            try:
                _share, created = profit.close_profit_period(
                    bumdes_id=bumdes.pk, period_start=start, period_end=end
                )
            except DomainError as error:
                add_service_errors(form, error)
            else:
                if created:
                    messages.success(request, _("The month is closed and its profit shared."))
                else:
                    messages.info(request, _("That month was closed already."))
                return redirect(self.village_url("profit"))
        return self.render_to_response(self.get_context_data(close_form=form), status=400)

    def bumdes(self, bumdes_id: int) -> Any:
        try:
            return selectors.get_bumdes_for_village(village=self.village, bumdes_id=bumdes_id)
        except NotFound as error:
            raise Http404(str(error.message)) from error


class ProfitStatementView(SettlementViewMixin, View):
    file_format = "csv"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            share = selectors.get_share_for_village(
                village=self.village, share_id=self.kwargs["share_id"]
            )
        except NotFound as error:
            raise Http404(str(error.message)) from error
        costs = selectors.costs_of_share(share=share)
        name = f"bagi-hasil-{share.bumdes.slug}-{share.period_end.isoformat()}"
        if self.file_format == "pdf":
            return file_response(
                statements.profit_pdf(share, costs),
                content_type="application/pdf",
                filename=f"{name}.pdf",
            )
        return file_response(
            statements.profit_csv(share, costs),
            content_type="text/csv; charset=utf-8",
            filename=f"{name}.csv",
        )
