from django.db import models
from django.utils.translation import gettext_lazy as _


class PostingStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be posted")  # completed; its money not in the ledger yet
    POSTED = "posted", _("Posted")  # its transfers are in the ledger
    FAILED = "failed", _("Failed")  # the last attempt failed; the sweeper and admins retry it
