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
