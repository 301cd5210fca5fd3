"""API plumbing shared by every app: one error shape, ``{"message", "code", "extra"}``.

``extra`` carries structured details: ``{"fields": {name: [messages]}}`` for invalid input,
``{"wait": seconds}`` when throttled, whatever a domain error attached otherwise.
"""

from functools import cache
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import DomainError


class ErrorSerializer(serializers.Serializer):
    """The body of every error response (documentation only)."""

    message = serializers.CharField(help_text="Translated, safe to show to the person.")
    code = serializers.CharField(help_text="Stable and machine-readable.")
    extra = serializers.DictField(help_text="Structured details, e.g. {'fields': {...}}.")


def _error(message: str, code: str, extra: dict[str, Any], http_status: int) -> Response:
    return Response({"message": message, "code": code, "extra": extra}, status=http_status)


def _as_api_exception(exc: Exception) -> Exception:
    """Django's own exceptions, as the DRF exceptions that mean the same."""
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, DjangoValidationError):
        # A model's full_clean() inside a service: the input was wrong, not the server.
        return exceptions.ValidationError(serializers.as_serializer_error(exc))
    return exc


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return _error(str(exc.message), exc.code, exc.extra, exc.status_code)
    exc = _as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    extra: dict[str, Any] = {}
    if isinstance(exc, exceptions.ValidationError):
        message = _("Some of the data sent is not valid.")
        fields = response.data
        if not isinstance(fields, dict):  # raised outside a serializer: not about one field
            fields = {api_settings.NON_FIELD_ERRORS_KEY: fields}
        extra = {"fields": fields}
    elif isinstance(exc, exceptions.Throttled):
        # DRF appends an untranslated sentence to the detail; the wait goes in ``extra``.
        message = str(exceptions.Throttled.default_detail)
        wait = getattr(exc, "wait", None)
        extra = {"wait": int(wait) if wait is not None else None}
    elif isinstance(exc.detail, list | dict):
        message = str(exc)
    else:
        message = str(exc.detail)
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else "invalid"
    response.data = {"message": message, "code": code, "extra": extra}
    return response


@cache
def _built_once(serializer_class: type[serializers.Serializer]) -> serializers.Serializer:
    return serializer_class()


def render(serializer_class: type[serializers.Serializer], instance: Any) -> dict[str, Any]:
    """What ``serializer_class(instance).data`` gives, for the busiest endpoints.

    DRF deep-copies every declared field, nested serializers included, for each serializer
    it makes; rendering only reads them, so one instance per process renders every request.
    """
    return _built_once(serializer_class).to_representation(instance)  # type: ignore[no-any-return]


def parse(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    """``validated_data`` of ``serializer_class(data=data)``, fields built once per process.

    Raises ``ValidationError`` whose detail is what ``.errors`` would hold. Only for
    serializers whose validation keeps no state on the instance (no context, no
    ``validate`` reading ``self.initial_data``).
    """
    return _built_once(serializer_class).run_validation(data)  # type: ignore[no-any-return]


__all__ = ["ErrorSerializer", "exception_handler", "parse", "render", "status"]
