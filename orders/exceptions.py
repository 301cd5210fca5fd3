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

    def __init__(
        self, *, from_status: str, to_status: str, message: str | Promise | None = None
    ) -> None:
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


# --- Cart, delivery, checkout and tenders ---------------------------------------------


class CartEmpty(DomainError):
    code = "cart_empty"

    def __init__(self) -> None:
        super().__init__(_("Your cart is empty."))


class CartLineNotFound(NotFound):
    code = "cart_line_not_found"

    def __init__(self) -> None:
        super().__init__(_("That product is not in your cart."))


class QuantityInvalid(DomainError):
    code = "quantity_invalid"

    def __init__(self) -> None:
        super().__init__(_("The quantity must be a whole number of at least 1."))


class ProductUnavailable(DomainError):
    """The product (or its seller) is not on sale any more, or never was."""

    code = "product_unavailable"
    status_code = 409

    def __init__(self, *, product_id: int, name: str = "") -> None:
        super().__init__(
            _("%(name)s is not on sale any more.") % {"name": name}
            if name
            else _("That product is not on sale."),
            extra={"product_id": product_id},
        )


class TourFull(DomainError):
    """A tour package has fewer places left than asked for. ``extra`` says how many."""

    code = "tour_full"
    status_code = 409

    def __init__(self, *, product_id: int, name: str, available: int, requested: int) -> None:
        super().__init__(
            _("Not enough places left on %(name)s (%(available)s left).")
            % {"name": name, "available": available},
            extra={"product_id": product_id, "available": available, "requested": requested},
        )


class DeliveryUnavailable(DomainError):
    """The chosen way of delivery is not offered by the seller to this address."""

    code = "delivery_unavailable"

    def __init__(self, *, seller_id: int, seller_name: str, method: str | None) -> None:
        super().__init__(
            _("%(seller)s does not offer that delivery to this address.") % {"seller": seller_name},
            extra={"seller_id": seller_id, "method": method},
        )


class AddressInvalid(DomainError):
    """A field of the delivery address is missing or malformed; ``extra['field']`` names it."""

    code = "address_invalid"

    def __init__(self, message: str | Promise, *, field: str) -> None:
        super().__init__(message, extra={"field": field})


class CheckoutKeyInvalid(DomainError):
    code = "idempotency_key_invalid"

    def __init__(self) -> None:
        super().__init__(_("The checkout form expired. Please submit it again."))


class TendersInvalid(DomainError):
    """The list of payment methods cannot pay this order (unknown, repeated, not enough)."""

    code = "tenders_invalid"

    def __init__(self, message: str | Promise, *, code: str = "tenders_invalid") -> None:
        super().__init__(message, code=code)


class NotAllowedToOrderFor(PermissionDenied):
    code = "not_allowed_to_order_for"

    def __init__(self) -> None:
        super().__init__(_("You may not place this order for someone else."))


class CartNotYours(PermissionDenied):
    code = "cart_not_yours"

    def __init__(self) -> None:
        super().__init__(_("That cart belongs to someone else."))


class OrderNotFound(NotFound):
    code = "order_not_found"

    def __init__(self) -> None:
        super().__init__(_("That order does not exist."))
