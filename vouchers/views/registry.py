"""The beneficiary registry pages (``/desa/<village>/bantuan/penerima/``), for the village's
officials only: BUMDes admins, sellers and residents are refused, other villages' officials
too. The full NIK and KK numbers appear on the beneficiary's own page and nowhere else.

Each view parses a form, fetches through a selector, calls one service, and redirects with
a message (POST-redirect-GET).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import TemplateView

from catalog.views.dashboard import add_service_errors
from core.exceptions import DomainError, NotFound
from core.views import TenantViewMixin, add_domain_error_to_form
from villages.models import Village
from vouchers import csv_io
from vouchers.forms import BeneficiaryForm, BeneficiaryImportForm, BeneficiarySearchForm
from vouchers.models import Beneficiary
from vouchers.selectors import audit as audit_selectors
from vouchers.selectors import registry as selectors
from vouchers.services import registry as services

PAGE_SIZE = 25


class OfficialViewMixin(TenantViewMixin):
    """The village named by ``village_slug``, for its officials (and platform admins)."""

    tenant_roles: frozenset[str] = selectors.AID_OFFICIALS
    village: Village
    request: HttpRequest
    kwargs: dict[str, Any]

    def resolve_tenant(self) -> None:
        self.village = selectors.get_village_for_official(
            user=self.request.user, slug=self.kwargs["village_slug"]
        )

    def village_url(self, name: str, **extra: Any) -> str:
        return reverse(f"vouchers:{name}", kwargs={"village_slug": self.village.slug, **extra})

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]
        context["village"] = self.village
        return context


class OfficialPage(OfficialViewMixin, TemplateView):
    pass


class BeneficiaryListView(OfficialPage):
    """The village's beneficiaries by name, a page at a time, NIK masked, with a mark on
    those another village has registered too."""

    template_name = "vouchers/registry/beneficiary_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        search_form = BeneficiarySearchForm(self.request.GET or None)
        rows = selectors.beneficiaries_of_village(village=self.village, **search_form.filters())
        page = Paginator(rows, PAGE_SIZE).get_page(self.request.GET.get("page"))
        beneficiaries: list[Beneficiary] = list(page.object_list)
        elsewhere = selectors.other_villages_by_nik_hash(
            village_id=self.village.pk,
            nik_hashes=[b.nik_hash for b in beneficiaries],
        )
        for beneficiary in beneficiaries:
            # For the template only: which other villages registered the same NIK.
            beneficiary.other_villages = elsewhere.get(beneficiary.nik_hash, [])  # type: ignore[attr-defined]
        kept = {k: v for k, v in self.request.GET.items() if k != "page" and v}
        return super().get_context_data(
            search_form=search_form,
            page_obj=page,
            beneficiaries=beneficiaries,
            query_string=urlencode(kept),
            filtered=bool(kept),
            **kwargs,
        )


class BeneficiaryCreateView(OfficialPage):
    template_name = "vouchers/registry/beneficiary_form.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("form", BeneficiaryForm())
        return super().get_context_data(**kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = BeneficiaryForm(request.POST)
        if form.is_valid():
            try:
                beneficiary = services.register_beneficiary(
                    acting_user=request.user, village_id=self.village.pk, **form.cleaned_data
                )
            except (DomainError, ValidationError) as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("%(name)s registered, card number %(card)s.")
                    % {"name": beneficiary.name, "card": beneficiary.card_number},
                )
                return redirect(
                    self.village_url("beneficiary_detail", beneficiary_id=beneficiary.pk)
                )
        return self.render_to_response(self.get_context_data(form=form), status=400)


class BeneficiaryImportView(OfficialPage):
    """Upload the village's KPM list; on any bad row nothing is registered and every
    problem is listed with its row."""

    template_name = "vouchers/registry/beneficiary_import.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("form", BeneficiaryImportForm())
        return super().get_context_data(
            aliases=csv_io.ALIASES,
            max_rows=csv_io.MAX_ROWS,
            max_megabytes=csv_io.MAX_BYTES // (1024 * 1024),
            **kwargs,
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = BeneficiaryImportForm(request.POST, request.FILES)
        row_errors: list[csv_io.RowError] = []
        if form.is_valid():
            try:
                result = services.import_beneficiaries(
                    acting_user=request.user,
                    village_id=self.village.pk,
                    file=form.cleaned_data["file"],
                )
            except csv_io.BeneficiaryImportInvalid as error:
                row_errors = error.errors
                add_domain_error_to_form(form, error)
            except DomainError as error:
                add_domain_error_to_form(form, error)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)s beneficiary registered.",
                        "%(count)s beneficiaries registered.",
                        result.created,
                    )
                    % {"count": result.created},
                )
                if result.registered_elsewhere:
                    messages.warning(
                        request,
                        ngettext(
                            "%(count)s of them is also registered in another village.",
                            "%(count)s of them are also registered in another village.",
                            result.registered_elsewhere,
                        )
                        % {"count": result.registered_elsewhere},
                    )
                return redirect(self.village_url("beneficiary_list"))
        return self.render_to_response(
            self.get_context_data(form=form, row_errors=row_errors), status=400
        )


class BeneficiaryCsvTemplateView(OfficialViewMixin, View):
    """A blank beneficiary list to fill in, in the format the import reads."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = HttpResponse(csv_io.template_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="daftar-penerima.csv"'
        return response


class BeneficiaryDetailView(OfficialPage):
    """One beneficiary, with the full NIK and KK: the one page that shows them."""

    template_name = "vouchers/registry/beneficiary_detail.html"

    def get_beneficiary(self) -> Beneficiary:
        try:
            return selectors.get_beneficiary_for_official(
                village=self.village, beneficiary_id=self.kwargs["beneficiary_id"]
            )
        except NotFound as error:
            raise Http404(str(error.message)) from error

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        beneficiary = self.get_beneficiary()
        other_villages = selectors.other_villages_by_nik_hash(
            village_id=self.village.pk, nik_hashes=[beneficiary.nik_hash]
        ).get(beneficiary.nik_hash, [])
        shown = selectors.may_see_identity(user=self.request.user, beneficiary=beneficiary)
        return super().get_context_data(
            beneficiary=beneficiary,
            identity=selectors.beneficiary_identity(beneficiary=beneficiary) if shown else None,
            other_villages=other_villages,
            events=audit_selectors.with_descriptions(
                audit_selectors.events_of_beneficiary(beneficiary=beneficiary)
            ),
            **kwargs,
        )

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        response = super().render_to_response(context, **kwargs)
        add_never_cache_headers(response)  # personal data: no copy in any cache
        return response


class BeneficiaryActiveView(OfficialViewMixin, TemplateView):
    """Deactivate or reactivate a beneficiary (POST ``active`` = ``1`` or ``0``)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        active = request.POST.get("active")
        if active not in ("0", "1"):
            return HttpResponse(status=400)
        try:
            beneficiary = services.set_beneficiary_active(
                acting_user=request.user,
                village_id=self.village.pk,
                beneficiary_id=self.kwargs["beneficiary_id"],
                active=active == "1",
            )
        except NotFound as error:
            raise Http404(str(error.message)) from error
        if beneficiary.is_active:
            messages.success(request, _("%(name)s is active again.") % {"name": beneficiary.name})
        else:
            messages.success(
                request,
                _("%(name)s is inactive: no more monthly aid is issued to them.")
                % {"name": beneficiary.name},
            )
        return redirect(self.village_url("beneficiary_detail", beneficiary_id=beneficiary.pk))
