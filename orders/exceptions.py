"""The orders' domain errors. Each has a stable ``code`` for the API and the pages."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError, NotFound, PermissionDenied

# --- Fulfilment lifecycle and payment steps -------------------------------------------


class FulfilmentNotFound(NotFound):
    code = "fulfilment_not_found"

    def __init__(self) -> None:
        super().__init__(_("That order does not exist."))


class PaymentNotFound(NotFound):
    code = "payment_not_found"

    def __init__(self) -> None:
        super().__init__(_("That payment does not exist."))


class TransitionNotAllowed(DomainError):
    """The state machine has no such step from the current status (or not for this delivery)."""

    code = "transition_not_allowed"
    status_code = 409

    def __init__(self, *, from_status: str, to_status: str, message: str | Promise | None = None) -> None:
        super().__init__(
            message
            or _("An order that is %(current)s cannot become %(wanted)s.")
            % {"current": _status_label(from_status), "wanted": _status_label(to_status)},
            extra={"from_status": from_status, "to_status": to_status},
        )


class AlreadyInStatus(TransitionNotAllowed):
    """The fulfilment already has the wanted status: a retry or a race someone else won."""

    def __init__(self, *, status: str) -> None:
        super().__init__(
            from_status=status,
            to_status=status,
            message=_("The order is already %(status)s.") % {"status": _status_label(status)},
        )
        self.extra["already"] = True


class NotAllowedForFulfilment(PermissionDenied):
    code = "not_allowed_for_fulfilment"

    def __init__(self) -> None:
        super().__init__(_("You may not do this with this order."))


class ReasonRequired(DomainError):
    code = "reason_required"

    def __init__(self) -> None:
        super().__init__(_("Say why the order is cancelled."))


class PaymentStepNotAllowed(DomainError):
    """A payment step that does not fit the payment's method or status."""

    code = "payment_step_not_allowed"
    status_code = 409


def _status_label(status: str) -> str:
    from orders.enums import FulfilmentStatus

    try:
        return str(FulfilmentStatus(status).label).lower()
    except ValueError:
        return status
