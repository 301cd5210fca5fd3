"""An official's card pages: print a voucher card (or a sheet of them), issue a sealed PIN,
unlock a card. Under ``/desa/<village>/bantuan/``, for the village's officials only; a
beneficiary of another village is a 404.

Cards and PIN slips are never cached (``Cache-Control: no-store``); file names carry the
card number, never the NIK.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from core.exceptions import DomainError
from core.views import TenantViewMixin
from villages.models import Village
from villages.selectors import get_village_for_role
from vouchers import card_pdf
from vouchers.models import Beneficiary
from vouchers.services import cards


def no_store(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)  # includes no-store
    return response


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return no_store(response)


class CardOfficialMixin(TenantViewMixin):
    """The village named by ``village_slug``, for its officials (and platform admins)."""

    tenant_roles: frozenset[str] = cards.CARD_OFFICIALS
    village: Village
    request: HttpRequest
    kwargs: dict[str, Any]

    def resolve_tenant(self) -> None:
        self.village = get_village_for_role(
            user=self.request.user, slug=self.kwargs["village_slug"], roles=self.tenant_roles
        )

    def get_beneficiary(self) -> Beneficiary:
        beneficiary = Beneficiary.objects.filter(
            pk=self.kwargs["beneficiary_id"], village=self.village
        ).first()
        if beneficiary is None:
            raise Http404(_("That beneficiary is not registered in this village."))
        return beneficiary

    def back_url(self) -> str:
        """Where a card action returns: the page it was sent from, or the PIN page."""
        wanted = self.request.POST.get("next", "")
        if wanted and url_has_allowed_host_and_scheme(
            wanted, allowed_hosts={self.request.get_host()}
        ):
            return wanted
        return reverse(
            "vouchers:card_pin",
            kwargs={
                "village_slug": self.village.slug,
                "beneficiary_id": self.kwargs["beneficiary_id"],
            },
        )


class CardPdfView(CardOfficialMixin, View):
    """One beneficiary's voucher card, ID-1 size."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        beneficiary = self.get_beneficiary()
        content = card_pdf.single_card_pdf(
            card_pdf.CardFace(
                village_name=self.village.name,
                holder_name=beneficiary.name,
                card_number=beneficiary.card_number,
            )
        )
        return pdf_response(content, f"kartu-{beneficiary.card_number}.pdf")


class CardSheetPdfView(CardOfficialMixin, View):
    """The cards of every active beneficiary of the village, ten to an A4 page."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        holders = list(
            Beneficiary.objects.filter(village=self.village, is_active=True)
            .order_by("name", "pk")
            .values_list("name", "card_number")
        )
        content = card_pdf.sheet_pdf(card_pdf.faces_for(self.village.name, holders))
        return pdf_response(content, f"kartu-{self.village.slug}.pdf")


class SealedPinView(CardOfficialMixin, TemplateView):
    """GET: confirm issuing a new PIN. POST: issue it and show the slip, this once."""

    template_name = "vouchers/cards/pin_confirm.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            village=self.village, beneficiary=self.get_beneficiary(), **kwargs
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        beneficiary = self.get_beneficiary()
        try:
            pin = cards.issue_sealed_pin(acting_user=request.user, beneficiary_id=beneficiary.pk)
        except DomainError as error:
            messages.error(request, str(error.message))
            return redirect(request.path)
        response = render(
            request,
            "vouchers/cards/pin_slip.html",
            {
                "village": self.village,
                "beneficiary": beneficiary,
                "pin": pin,
                "card_number": card_pdf.group_in_fours(beneficiary.card_number),
            },
        )
        return no_store(response)


class UnlockCardView(CardOfficialMixin, View):
    """POST: unlock a card locked by wrong PINs; the PIN stays the same."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        beneficiary = self.get_beneficiary()
        try:
            cards.unlock_card(acting_user=request.user, beneficiary_id=beneficiary.pk)
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(
                request, _("The card of %(name)s is unlocked.") % {"name": beneficiary.name}
            )
        return redirect(self.back_url())
