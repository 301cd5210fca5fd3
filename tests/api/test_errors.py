"""The one error shape, for exceptions that reach the handler from anywhere."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import translation
from rest_framework import exceptions

from core.api import exception_handler
from core.exceptions import DomainError, PermissionDenied


def handle(exc):
    with translation.override("en"):
        response = exception_handler(exc, {})
    return response.status_code, response.data


def test_domain_errors_keep_their_code_status_and_extra():
    error = DomainError("Stock ran out.", code="out_of_stock", extra={"product": 7})

    assert handle(error) == (
        400,
        {"message": "Stock ran out.", "code": "out_of_stock", "extra": {"product": 7}},
    )
    assert handle(PermissionDenied("No.")) == (
        403,
        {"message": "No.", "code": "permission_denied", "extra": {}},
    )


def test_a_django_validation_error_from_a_service_is_invalid_input():
    error = DjangoValidationError({"name": ["Too long."]})

    assert handle(error) == (
        400,
        {
            "message": "Some of the data sent is not valid.",
            "code": "invalid",
            "extra": {"fields": {"name": ["Too long."]}},
        },
    )


def test_errors_not_about_one_field_are_non_field_errors():
    status, data = handle(exceptions.ValidationError("Pick a date."))

    assert status == 400
    assert data["extra"] == {"fields": {"non_field_errors": ["Pick a date."]}}


def test_django_404_becomes_not_found():
    assert handle(Http404()) == (404, {"message": "Not found.", "code": "not_found", "extra": {}})


def test_throttled_names_the_wait():
    assert handle(exceptions.Throttled(wait=12.2)) == (
        429,
        {"message": "Request was throttled.", "code": "throttled", "extra": {"wait": 13}},
    )


def test_unknown_exceptions_are_left_to_the_server():
    assert exception_handler(RuntimeError("boom"), {}) is None
