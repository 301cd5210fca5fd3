"""The base of every domain error: a stable code, a message for people, and details."""

from typing import Any

from django.utils.functional import Promise


class DomainError(Exception):
    """A rule of the domain refused an action.

    ``code`` is stable and machine-readable; ``message`` is already translated (or lazy)
    and safe to show to the person who acted; ``extra`` holds structured details.
    """

    code = "domain_error"
    status_code = 400

    def __init__(
        self,
        message: str | Promise,
        *,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.message = message
        if code is not None:
            self.code = code
        self.extra = extra or {}


class PermissionDenied(DomainError):
    code = "permission_denied"
    status_code = 403


class NotFound(DomainError):
    code = "not_found"
    status_code = 404
