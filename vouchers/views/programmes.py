"""Programme set-up pages (``/desa/<village>/bantuan/``), for the village's officials.

The aid home lists the village's programmes and links to the beneficiary registry; a
programme is opened as a draft, edited, then activated and at last closed. A programme's
own page (``vouchers:programme_detail``: issuance and figures) lives elsewhere.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from catalog.views.dashboard import add_service_errors
from core.exceptions import DomainError, NotFound
from vouchers.enums import ProgrammeStatus
from vouchers.forms import ProgrammeForm, ProgrammeStatusForm
from vouchers.models import Programme
from vouchers.selectors import programmes as selectors
from vouchers.services import programmes as services
from vouchers.views.registry import OfficialPage, OfficialViewMixin


class ProgrammeListView(OfficialPage):
    """The aid home of a village: its programmes, and the way to its beneficiaries."""

    template_name = "vouchers/programmes/programme_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            programmes=list(selectors.programmes_of_village(village=self.village)), **kwargs
        )


class ProgrammeFormMixin(OfficialViewMixin):
    def programme_form(self, *args: Any, **kwargs: Any) -> ProgrammeForm:
        return ProgrammeForm(
            *args,
            categories=selectors.staple_categories(),
            markets=selectors.markets_of_village(village=self.village),
            **kwargs,
        )

    def saved(self, request: HttpRequest, programme: Programme, message: str) -> HttpResponse:
        messages.success(request, message % {"name": programme.name})
        return redirect(self.village_url("programme_detail", programme_id=programme.pk))


class ProgrammeCreateView(ProgrammeFormMixin, OfficialPage):
    template_name = "vouchers/programmes/programme_form.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("form", self.programme_form())
        return super().get_context_data(**kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.programme_form(request.POST)
        if form.is_valid():
            try:
                programme = services.create_programme(
                    acting_user=request.user,
                    village_id=self.village.pk,
                    **form.service_arguments(),
                )
            except (DomainError, ValidationError) as error:
                add_service_errors(form, error)
            else:
                return self.saved(request, programme, _("Programme %(name)s opened as a draft."))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ProgrammeEditView(ProgrammeFormMixin, OfficialPage):
    template_name = "vouchers/programmes/programme_form.html"
    programme: Programme

    def get_programme(self) -> Programme:
        try:
            return selectors.get_programme_for_official(
                village=self.village, programme_id=self.kwargs["programme_id"]
            )
        except NotFound as error:
            raise Http404(str(error.message)) from error

    def edit_form(self, programme: Programme, *args: Any) -> ProgrammeForm:
        return self.programme_form(
            *args,
            initial={
                "name": programme.name,
                "amount_per_month": programme.amount_per_month,
                "first_month": programme.first_month,
                "months": programme.months,
                "allowed_categories": [c.pk for c in programme.allowed_categories.all()],
                "scope": programme.scope,
                "market": programme.market_id,
                "expiry_rule": programme.expiry_rule,
            },
            fixed_terms=bool(getattr(programme, "has_issuance", False)),
            closed=programme.status == ProgrammeStatus.CLOSED,
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        programme = kwargs.pop("programme", None) or self.get_programme()
        kwargs.setdefault("form", self.edit_form(programme))
        moves = sorted(services.ALLOWED_TRANSITIONS[programme.status])
        return super().get_context_data(
            programme=programme,
            status_moves=[(status, ProgrammeStatus(status).label) for status in moves],
            **kwargs,
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        programme = self.get_programme()
        form = self.edit_form(programme, request.POST)
        if form.is_valid():
            try:
                programme = services.update_programme(
                    acting_user=request.user,
                    village_id=self.village.pk,
                    programme_id=programme.pk,
                    **form.service_arguments(),
                )
            except NotFound as error:
                raise Http404(str(error.message)) from error
            except (DomainError, ValidationError) as error:
                add_service_errors(form, error)
            else:
                return self.saved(request, programme, _("Programme %(name)s saved."))
        return self.render_to_response(
            self.get_context_data(form=form, programme=programme), status=400
        )


class ProgrammeStatusView(OfficialPage):
    """Move a programme along draft → active → closed (POST ``status``)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = ProgrammeStatusForm(request.POST)
        programme_id = self.kwargs["programme_id"]
        if not form.is_valid():
            return HttpResponse(status=400)
        try:
            programme = services.set_programme_status(
                acting_user=request.user,
                village_id=self.village.pk,
                programme_id=programme_id,
                status=form.cleaned_data["status"],
            )
        except NotFound as error:
            raise Http404(str(error.message)) from error
        except DomainError as error:
            messages.error(request, str(error.message))
            return redirect(self.village_url("programme_edit", programme_id=programme_id))
        messages.success(
            request,
            _("%(name)s is now %(status)s.")
            % {"name": programme.name, "status": ProgrammeStatus(programme.status).label},
        )
        return redirect(self.village_url("programme_edit", programme_id=programme.pk))
