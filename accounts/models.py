from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person. Signs in with a verified Indonesian phone number or an email address.

    ``username`` is generated and never shown; people know their phone and email.
    """

    first_name = None  # type: ignore[assignment]  # one ``name`` field fits Indonesian names
    last_name = None  # type: ignore[assignment]
    name = models.CharField(_("full name"), max_length=150, blank=True)
    phone = models.CharField(
        _("phone number"),
        max_length=16,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Stored as +62…"),
    )
    phone_verified = models.BooleanField(_("phone verified"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(phone__isnull=True)
                | models.Q(phone__regex=r"^\+62[0-9]{8,13}$"),
                name="user_phone_is_indonesian_e164",
            ),
            models.CheckConstraint(
                condition=models.Q(phone__isnull=False) | models.Q(phone_verified=False),
                name="user_phone_verified_needs_phone",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.email or self.phone or self.username

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else ""
