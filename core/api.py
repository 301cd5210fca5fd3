"""API plumbing shared by every app: one error shape, ``{"message", "code", "extra"}``."""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import DomainError


def _error(message: str, code: str, extra: dict[str, Any], http_status: int) -> Response:
    return Response({"message": message, "code": code, "extra": extra}, status=http_status)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return _error(str(exc.message), exc.code, exc.extra, exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        message = _("Some of the data sent is not valid.")
        extra = {"fields": response.data}
    else:
        message = str(exc.detail) if not isinstance(exc.detail, list | dict) else str(exc)
        extra = {}
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else "invalid"
    response.data = {"message": message, "code": code, "extra": extra}
    return response


__all__ = ["exception_handler", "status"]
