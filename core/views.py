"""Page-view plumbing: every view states its ``access``; domain errors become 403/404."""

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase

from core.access import Access
from core.exceptions import DomainError, NotFound
from core.exceptions import PermissionDenied as DomainPermissionDenied


class PublicViewMixin:
    access = Access.PUBLIC


class SignedInViewMixin(LoginRequiredMixin):
    access = Access.SIGNED_IN


class TenantViewMixin(LoginRequiredMixin):
    """Signed in, and a role in the tenant the URL names; ``resolve_tenant`` fetches it.

    Subclasses implement ``resolve_tenant()`` with a permission-checked selector. An
    unknown tenant is a 404 and a tenant the person may not act for is a 403.
    """

    access = Access.TENANT

    def resolve_tenant(self) -> None:
        raise NotImplementedError  # each tenant view names its own selector

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        try:
            self.resolve_tenant()
        except NotFound as error:
            raise Http404(str(error.message)) from error
        except DomainPermissionDenied as error:
            raise PermissionDenied(str(error.message)) from error
        response: HttpResponseBase = super().dispatch(request, *args, **kwargs)
        return response


def add_domain_error_to_form(form: Any, error: DomainError) -> None:
    """Show a domain error on the form it came from, as a non-field error."""
    form.add_error(None, str(error.message))
