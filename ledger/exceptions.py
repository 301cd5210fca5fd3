from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError


class InsufficientBalance(DomainError):
    """An account that may not go negative would have."""

    code = "insufficient_balance"
    status_code = 409

    def __init__(self, message=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(message or _("The balance is not enough."), **kwargs)


class TransferUnbalanced(DomainError):
    """A programming error surfaced as a domain error: legs that do not add up to zero."""

    code = "transfer_unbalanced"
    status_code = 500
