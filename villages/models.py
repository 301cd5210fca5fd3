"""Villages are the tenants. Everything private belongs to exactly one village."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from core.uploads import validate_image_upload
from villages.enums import BumdesKind, Role, SellerKind

KEMENDAGRI_CODE_PATTERN = r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}$"


class Village(TimeStampedModel):
    """A desa, identified by its Kemendagri area code (province.regency.district.village)."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    code = models.CharField(
        _("Kemendagri code"),
        max_length=13,
        unique=True,
        validators=[
            RegexValidator(
                KEMENDAGRI_CODE_PATTERN,
                _("Write the Kemendagri code as NN.NN.NN.NNNN, for example 34.02.15.2001."),
            )
        ],
    )
    kecamatan = models.CharField(_("district (kecamatan)"), max_length=100)
    kabupaten = models.CharField(_("regency (kabupaten)"), max_length=100)
    provinsi = models.CharField(_("province (provinsi)"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    photo = models.ImageField(
        _("photo"), upload_to="villages/", blank=True, validators=[validate_image_upload]
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=KEMENDAGRI_CODE_PATTERN),
                name="village_code_is_kemendagri",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Bumdes(TimeStampedModel):
    """A village-owned enterprise: one village's own, or a BUM Desa Bersama of several."""

    name = models.CharField(_("name"), max_length=150)
    legal_name = models.CharField(_("legal name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=BumdesKind.choices)
    # Set for a BUM Desa: each village has at most one of its own.
    village = models.OneToOneField(
        Village,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bumdes",
        verbose_name=_("village"),
    )
    # Set for a BUM Desa Bersama: the villages that own it together.
    member_villages = models.ManyToManyField(
        Village, blank=True, related_name="shared_bumdes", verbose_name=_("member villages")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("BUMDes")
        verbose_name_plural = _("BUMDes")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind=BumdesKind.DESA, village__isnull=False)
                    | models.Q(kind=BumdesKind.BERSAMA, village__isnull=True)
                ),
                name="bumdes_desa_has_one_village",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Market(TimeStampedModel):
    """A pasar bersama: villages that agreed to trade with each other."""

    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    villages = models.ManyToManyField(
        Village, through="MarketVillage", related_name="markets", verbose_name=_("villages")
    )

    class Meta:
        ordering = ["created_at", "name"]
        verbose_name = _("market")
        verbose_name_plural = _("markets")

    def __str__(self) -> str:
        return self.name


class MarketVillage(models.Model):
    market = models.ForeignKey(Market, on_delete=models.CASCADE, related_name="memberships")
    village = models.ForeignKey(
        Village, on_delete=models.CASCADE, related_name="market_memberships"
    )
    joined_on = models.DateField(_("joined on"), auto_now_add=True)

    class Meta:
        verbose_name = _("market village")
        verbose_name_plural = _("market villages")
        constraints = [
            models.UniqueConstraint(fields=["market", "village"], name="market_village_once"),
        ]

    def __str__(self) -> str:
        return f"{self.market} · {self.village}"


class Seller(TimeStampedModel):
    """Sells in one village: a resident's UMKM, or a business unit of the village's BUMDes."""

    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="sellers", verbose_name=_("village")
    )
    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=SellerKind.choices)
    bumdes = models.ForeignKey(
        Bumdes,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
        verbose_name=_("BUMDes"),
        help_text=_("Only for a BUMDes business unit."),
    )
    description = models.TextField(_("description"), blank=True)
    whatsapp = models.CharField(_("WhatsApp number"), max_length=16, blank=True)
    phone = models.CharField(_("phone number"), max_length=16, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["village__name", "name"]
        verbose_name = _("seller")
        verbose_name_plural = _("sellers")
        constraints = [
            models.UniqueConstraint(fields=["village", "slug"], name="seller_slug_per_village"),
            models.CheckConstraint(
                condition=(
                    models.Q(kind=SellerKind.BUMDES_UNIT, bumdes__isnull=False)
                    | models.Q(kind=SellerKind.UMKM, bumdes__isnull=True)
                ),
                name="seller_bumdes_unit_has_bumdes",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(TimeStampedModel):
    """A person's role in a village. Seller staff also name the seller they work for."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    village = models.ForeignKey(
        Village, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("village")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    seller = models.ForeignKey(
        Seller,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="staff_memberships",
        verbose_name=_("seller"),
    )

    class Meta:
        ordering = ["village__name", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(role=Role.SELLER_STAFF, seller__isnull=False)
                    | (~models.Q(role=Role.SELLER_STAFF) & models.Q(seller__isnull=True))
                ),
                name="membership_seller_staff_names_seller",
            ),
            models.UniqueConstraint(
                fields=["user", "village", "role"],
                condition=models.Q(seller__isnull=True),
                name="membership_role_once_per_village",
            ),
            models.UniqueConstraint(
                fields=["user", "seller"],
                condition=models.Q(seller__isnull=False),
                name="membership_staff_once_per_seller",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.village}"
