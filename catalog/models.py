"""What the villages sell. A product belongs to a seller and so to the seller's village."""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from catalog.enums import FoodGroup, PhotoStatus, ProductKind, StockMovementKind
from core.models import TimeStampedModel
from core.uploads import validate_image_upload
from villages.models import Seller, Village


class Category(models.Model):
    """A node of the category tree. Staple categories (pangan pokok) may be paid by voucher."""

    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    is_staple = models.BooleanField(_("staple food (pangan pokok)"), default=False)
    food_group = models.CharField(
        _("food group"), max_length=20, choices=FoodGroup.choices, blank=True
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_staple=False) | ~models.Q(food_group=""),
                name="category_staple_has_food_group",
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")), name="category_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Product(TimeStampedModel):
    seller = models.ForeignKey(
        Seller, on_delete=models.PROTECT, related_name="products", verbose_name=_("seller")
    )
    # The seller's village, kept on the row: every tenant filter and market search uses it.
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="products", verbose_name=_("village")
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=ProductKind.choices, default=ProductKind.GOODS
    )
    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=170)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products", verbose_name=_("category")
    )
    price = models.BigIntegerField(_("price (rupiah)"))
    unit = models.CharField(_("unit"), max_length=20, default="pcs")
    weight_grams = models.PositiveIntegerField(_("weight (grams)"), null=True, blank=True)
    stock = models.IntegerField(_("stock"), default=0)
    capacity = models.PositiveIntegerField(_("capacity (persons)"), null=True, blank=True)
    tour_date = models.DateField(_("tour date"), null=True, blank=True)
    meeting_point = models.CharField(_("meeting point"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_flagship = models.BooleanField(_("flagship product (produk unggulan)"), default=False)
    # The name (weight A) and description (weight D) as one full-text document for the
    # market search. A PostgreSQL trigger writes it on every insert and update (migration
    # 0004), whatever Django sends; on SQLite it stays empty and search does without.
    search_document = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gt=0), name="product_price_positive"),
            models.CheckConstraint(
                condition=models.Q(stock__gte=0), name="product_stock_not_negative"
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=ProductKind.TOUR)
                | models.Q(capacity__isnull=False, tour_date__isnull=False),
                name="product_tour_has_date_and_capacity",
            ),
            models.UniqueConstraint(fields=["seller", "slug"], name="product_slug_per_seller"),
        ]
        indexes = [
            models.Index(fields=["village", "is_active"], name="product_village_active"),
            models.Index(fields=["category", "is_active"], name="product_category_active"),
            models.Index(fields=["-created_at"], name="product_newest"),
            # The market home's newest flagship products per village, without reading
            # every product of the villages.
            models.Index(
                fields=["village", "-created_at", "-id"],
                condition=models.Q(is_flagship=True, is_active=True),
                name="product_flagship_newest",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tracks_stock(self) -> bool:
        return self.kind == ProductKind.GOODS


class ProductPhoto(TimeStampedModel):
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="photos", verbose_name=_("product")
    )
    image = models.ImageField(
        _("picture"), upload_to="products/original/", validators=[validate_image_upload]
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=PhotoStatus.choices, default=PhotoStatus.PENDING
    )
    width = models.PositiveIntegerField(_("width"), default=0)
    height = models.PositiveIntegerField(_("height"), default=0)
    small = models.ImageField(_("small rendition"), upload_to="products/320/", blank=True)
    large = models.ImageField(_("large rendition"), upload_to="products/800/", blank=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("product photo")
        verbose_name_plural = _("product photos")

    def __str__(self) -> str:
        return f"{self.product} #{self.position}"


class StockMovement(models.Model):
    """One change of a product's stock. Append-only: a product's stock is their sum."""

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="stock_movements", verbose_name=_("product")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=StockMovementKind.choices)
    quantity = models.IntegerField(_("quantity"), help_text=_("Positive in, negative out."))
    stock_after = models.IntegerField(_("stock after"))
    reason = models.CharField(_("reason"), max_length=200)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    # NULL when the change came without a key (pages, orders, imports); the sale's raw
    # INSERT leaves the column out, and NULLs never collide in the unique constraint.
    idempotency_key = models.CharField(  # noqa: DJ001  # absent is NULL, not "": see above
        _("idempotency key"),
        max_length=64,
        null=True,
        blank=True,
        help_text=_("Sent by the person's app: a repeat of the change answers this movement."),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(quantity=0), name="stock_movement_changes_something"
            ),
            models.CheckConstraint(
                condition=models.Q(stock_after__gte=0), name="stock_movement_never_negative"
            ),
            # A key is a person's own: each of their stock changes is applied once per key.
            models.UniqueConstraint(
                fields=["actor", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="stock_movement_once_per_key",
            ),
            models.CheckConstraint(
                condition=models.Q(idempotency_key__isnull=True)
                | (models.Q(actor__isnull=False) & ~models.Q(idempotency_key="")),
                name="stock_movement_key_has_a_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.quantity:+d}"
