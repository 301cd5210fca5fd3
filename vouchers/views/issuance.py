"""A programme's page for its officials: its terms, each month's issuance and progress."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.exceptions import DomainError, NotFound
from core.views import TenantViewMixin
from vouchers.models import Issuance, Programme
from vouchers.selectors import audit as audit_selectors
from vouchers.selectors import issuance as selectors
from vouchers.services import issuance as services

# While a month is being issued its page reloads itself this often (no JavaScript).
REFRESH_SECONDS = 3


class ProgrammeIssuerView(TenantViewMixin, TemplateView):
    """The officials of the programme's village (and platform admins)."""

    tenant_roles: frozenset[str] = selectors.ISSUERS
    programme: Programme

    def resolve_tenant(self) -> None:
        self.programme = selectors.get_programme_for_issuer(
            user=self.request.user,
            village_slug=self.kwargs["village_slug"],
            programme_id=self.kwargs["programme_id"],
        )

    def back_to_programme(self) -> HttpResponse:
        return redirect(
            "vouchers:programme_detail",
            village_slug=self.programme.village.slug,
            programme_id=self.programme.pk,
        )


class ProgrammeDetailView(ProgrammeIssuerView):
    template_name = "vouchers/programmes/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        overview = selectors.programme_overview(programme=self.programme)
        return super().get_context_data(
            programme=self.programme,
            village=self.programme.village,
            overview=overview,
            refresh_seconds=REFRESH_SECONDS if overview.in_progress else None,
            events=audit_selectors.with_descriptions(
                audit_selectors.events_of_programme(programme=self.programme)
            ),
            **kwargs,
        )


class IssuanceMonthView(ProgrammeIssuerView):
    """One month's progress on a page of its own, for a phone left open on it."""

    template_name = "vouchers/issuance/month.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        try:
            progress = selectors.month_progress(
                programme=self.programme, month=self.kwargs["month"]
            )
        except NotFound as error:
            raise Http404(str(error.message)) from error
        return super().get_context_data(
            programme=self.programme,
            village=self.programme.village,
            progress=progress,
            refresh_seconds=REFRESH_SECONDS if progress.in_progress else None,
            **kwargs,
        )


class IssuanceStartView(ProgrammeIssuerView):
    """POST: issue the month in the URL to every active beneficiary."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        month = self.kwargs["month"]
        try:
            services.start_issuance(
                acting_user=request.user, programme_id=self.programme.pk, month=month
            )
        except DomainError as error:
            level = messages.INFO if error.code == "month_already_issued" else messages.ERROR
            messages.add_message(request, level, str(error.message))
        else:
            messages.success(
                request,
                _("Month %(month)d is being issued to every active beneficiary.")
                % {"month": month},
            )
        return self.back_to_programme()


class IssuanceRetryView(ProgrammeIssuerView):
    """POST: send a failed month's batch again; it goes on where it stopped."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        issuance = Issuance.objects.filter(
            programme=self.programme, month=self.kwargs["month"]
        ).first()
        if issuance is None:
            raise Http404("no issuance")
        try:
            services.retry_issuance(acting_user=request.user, issuance_id=issuance.pk)
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(
                request, _("Month %(month)d is being issued again.") % {"month": issuance.month}
            )
        return self.back_to_programme()
