from django.db import models
from django.utils.translation import gettext_lazy as _


class ProgrammeScope(models.TextChoices):
    VILLAGE = "village", _("Sellers of this village only")
    MARKET = "market", _("Sellers of a market of villages")


class ExpiryRule(models.TextChoices):
    MONTHLY = "monthly", _("Unspent money returns at the end of each month")
    PROGRAMME_END = "programme_end", _("Unspent money returns at the end of the programme")


class ProgrammeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # being set up; nothing issued yet
    ACTIVE = "active", _("Active")  # months may be issued and spent
    CLOSED = "closed", _("Closed")  # ended; nothing more is issued


class IssuanceStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ChargeStatus(models.TextChoices):
    CHARGED = "charged", _("Charged")  # the voucher paid; the fulfilment stands
    REFUNDED = "refunded", _("Returned to the voucher")  # cancelled: back to the wallet
    RETURNED_TO_PROGRAMME = "returned_to_programme", _("Returned to the programme")  # expired


class ChargeChannel(models.TextChoices):
    ONLINE = "online", _("Online order")
    COUNTER = "counter", _("At the counter")


class AidEventKind(models.TextChoices):
    """What an official (or the system) did to a beneficiary or a programme: the audit trail."""

    BENEFICIARY_REGISTERED = "beneficiary_registered", _("Beneficiary registered")  # by hand
    BENEFICIARY_IMPORTED = "beneficiary_imported", _("Beneficiary imported")  # one per CSV row
    BENEFICIARY_DEACTIVATED = "beneficiary_deactivated", _("Beneficiary deactivated")
    BENEFICIARY_REACTIVATED = "beneficiary_reactivated", _("Beneficiary reactivated")
    PIN_ISSUED = "pin_issued", _("Sealed PIN issued")  # first PIN, or a reset by an official
    PIN_CHANGED = "pin_changed", _("PIN changed by the beneficiary")
    CARD_LOCKED = "card_locked", _("Card locked after wrong PINs")  # by the system
    CARD_UNLOCKED = "card_unlocked", _("Card unlocked")  # by an official
    PROGRAMME_CREATED = "programme_created", _("Programme opened")
    PROGRAMME_UPDATED = "programme_updated", _("Programme terms changed")
    PROGRAMME_STATUS_CHANGED = "programme_status_changed", _("Programme status changed")


# The kinds about one beneficiary, and those about one programme (a database constraint
# holds each event to its subject).
BENEFICIARY_EVENT_KINDS = frozenset(
    {
        AidEventKind.BENEFICIARY_REGISTERED,
        AidEventKind.BENEFICIARY_IMPORTED,
        AidEventKind.BENEFICIARY_DEACTIVATED,
        AidEventKind.BENEFICIARY_REACTIVATED,
        AidEventKind.PIN_ISSUED,
        AidEventKind.PIN_CHANGED,
        AidEventKind.CARD_LOCKED,
        AidEventKind.CARD_UNLOCKED,
    }
)
PROGRAMME_EVENT_KINDS = frozenset(
    {
        AidEventKind.PROGRAMME_CREATED,
        AidEventKind.PROGRAMME_UPDATED,
        AidEventKind.PROGRAMME_STATUS_CHANGED,
    }
)
