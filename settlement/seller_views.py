"""A seller's own settlement, on the seller dashboard (``/kelola/<village>/<seller>/pembayaran/``).

The same tenant check as the product and order pages (``SellerDashboardMixin``): the
seller's staff see their own seller only, the village's BUMDes admins every seller of the
village. The seller comes from the URL through that check and every read is scoped to it,
so a statement is always the URL's seller's, and a batch of another village's markets is
a 404.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.views import View

from catalog.views.dashboard import DashboardPage, SellerDashboardMixin
from core.exceptions import NotFound
from settlement import selectors
from settlement.views import seller_statement_response

PAGE_SIZE = 20


class SellerPayoutsView(DashboardPage):
    """The seller's payouts, newest first, and what it sold since the last batch."""

    template_name = "settlement/seller_payouts.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        page = Paginator(selectors.payouts_of_seller(seller=self.seller), PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        return super().get_context_data(
            section="payouts",
            page_obj=page,
            payouts=page.object_list,
            unbatched=selectors.unbatched_sales(seller=self.seller),
            **kwargs,
        )


class SellerPayoutStatementView(SellerDashboardMixin, View):
    """The seller's statement for one batch, as CSV or PDF (``file_format``)."""

    file_format = "csv"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            batch = selectors.get_batch_for_seller(
                seller=self.seller, batch_id=self.kwargs["batch_id"]
            )
        except NotFound as error:
            raise Http404(str(error.message)) from error
        return seller_statement_response(
            batch=batch, seller=self.seller, file_format=self.file_format
        )
