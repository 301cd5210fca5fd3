"""The catalog's domain errors. Each has a stable ``code`` for the API and the pages."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError, NotFound


class ProductNotFound(NotFound):
    code = "product_not_found"

    def __init__(self) -> None:
        super().__init__(_("That product does not exist."))


class PhotoNotFound(NotFound):
    code = "photo_not_found"

    def __init__(self) -> None:
        super().__init__(_("That picture does not exist."))


class InsufficientStock(DomainError):
    """Taking goods out would leave less than nothing. ``extra`` names what was short."""

    code = "out_of_stock"
    status_code = 409

    def __init__(self, *, product_id: int, name: str, available: int, requested: int) -> None:
        super().__init__(
            _("Out of stock: %(name)s") % {"name": name},
            extra={"product_id": product_id, "available": available, "requested": requested},
        )


class StockNotTracked(DomainError):
    """Services and tour packages have no stock to change."""

    code = "stock_not_tracked"

    def __init__(self, *, name: str) -> None:
        super().__init__(_("%(name)s is not goods: it has no stock to change.") % {"name": name})


class StockChangeInvalid(DomainError):
    """A quantity or reason that no stock change may have (zero, wrong sign, no reason)."""

    code = "stock_change_invalid"

    def __init__(self, message: str | Promise, *, code: str = "stock_change_invalid") -> None:
        super().__init__(message, code=code)


class PhotoLimitReached(DomainError):
    code = "too_many_photos"

    def __init__(self, *, limit: int) -> None:
        super().__init__(
            _("A product has at most %(limit)s pictures.") % {"limit": limit},
            extra={"limit": limit},
        )


class StockChangeKeyInvalid(DomainError):
    """The ``Idempotency-Key`` of a stock change is empty, too long or not printable."""

    code = "idempotency_key_invalid"

    def __init__(self, *, max_length: int) -> None:
        super().__init__(
            _("The Idempotency-Key must be 1 to %(max)s printable characters.")
            % {"max": max_length},
            extra={"max_length": max_length},
        )


class StockChangeKeyReused(DomainError):
    """The person already made another stock change with this key: nothing was applied."""

    code = "idempotency_key_reused"
    status_code = 409

    def __init__(self) -> None:
        super().__init__(
            _(
                "This Idempotency-Key was already used for a different stock change. "
                "Send a new key for a new change."
            )
        )
