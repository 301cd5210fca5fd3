"""Carts, orders, one fulfilment per seller, their lines, payments and events."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from catalog.models import Category, Product
from core.models import TimeStampedModel
from core.uploads import validate_image_upload
from orders.enums import DeliveryMethod, EventType, FulfilmentStatus, PaymentMethod, PaymentStatus
from villages.models import Seller, Village


class Cart(TimeStampedModel):
    """A signed-in person's cart, or an anonymous session's; merged at sign-in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="cart",
    )
    session_key = models.CharField(max_length=40, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("cart")
        verbose_name_plural = _("carts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | models.Q(session_key__isnull=False),
                name="cart_has_an_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"cart {self.pk}"


class CartLine(TimeStampedModel):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    # The price the buyer saw when adding: a later change is shown, not hidden.
    price_when_added = models.BigIntegerField(_("price when added"))

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("cart line")
        verbose_name_plural = _("cart lines")
        constraints = [
            models.UniqueConstraint(fields=["cart", "product"], name="cart_line_once_per_product"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="cart_line_quantity"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_id}"


class SellerDelivery(models.Model):
    """How a seller hands goods over, and what a courier costs per zone (rupiah)."""

    seller = models.OneToOneField(Seller, on_delete=models.CASCADE, related_name="delivery")
    pickup_enabled = models.BooleanField(_("pickup at the seller"), default=True)
    local_delivery_enabled = models.BooleanField(
        _("free delivery inside the village"), default=True
    )
    courier_enabled = models.BooleanField(_("courier delivery"), default=False)
    fee_same_kecamatan = models.BigIntegerField(_("courier fee, same district"), default=0)
    fee_same_kabupaten = models.BigIntegerField(_("courier fee, same regency"), default=0)
    fee_further = models.BigIntegerField(
        _("courier fee, further"),
        null=True,
        blank=True,
        help_text=_("Empty: no courier beyond the regency."),
    )
    pickup_address = models.CharField(_("pickup address"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("seller delivery options")
        verbose_name_plural = _("seller delivery options")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fee_same_kecamatan__gte=0, fee_same_kabupaten__gte=0)
                & (models.Q(fee_further__isnull=True) | models.Q(fee_further__gte=0)),
                name="seller_delivery_fees_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return str(self.seller)


class Order(TimeStampedModel):
    """One checkout: one payment decision, one fulfilment per seller."""

    number = models.CharField(_("order number"), max_length=16, unique=True)
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("buyer"),
    )
    # Someone else placed it for the buyer (a BUMDes operator at the counter, by phone).
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="orders_placed_for_others",
        null=True,
        blank=True,
        verbose_name=_("placed by"),
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=64)
    recipient_name = models.CharField(_("recipient"), max_length=150)
    contact_phone = models.CharField(_("phone number"), max_length=16)
    delivery_village = models.ForeignKey(
        Village,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("delivery village"),
    )
    dusun = models.CharField(_("hamlet (dusun)"), max_length=100, blank=True)
    rt = models.CharField(_("RT"), max_length=3, blank=True)
    rw = models.CharField(_("RW"), max_length=3, blank=True)
    address_notes = models.CharField(_("address notes"), max_length=300, blank=True)
    goods_total = models.BigIntegerField(_("goods total"))
    delivery_total = models.BigIntegerField(_("delivery total"))
    total = models.BigIntegerField(_("total"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.UniqueConstraint(
                fields=["buyer", "idempotency_key"], name="order_once_per_checkout"
            ),
            models.CheckConstraint(
                condition=models.Q(goods_total__gte=0, delivery_total__gte=0)
                & models.Q(total=models.F("goods_total") + models.F("delivery_total")),
                name="order_total_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_assisted(self) -> bool:
        return self.placed_by_id is not None and self.placed_by_id != self.buyer_id


class Fulfilment(TimeStampedModel):
    """The part of an order one seller fulfils, with its own delivery and status."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="fulfilments")
    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="fulfilments")
    # The seller's village, kept on the row for tenant filters and settlement.
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="fulfilments")
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=FulfilmentStatus.choices,
        default=FulfilmentStatus.PLACED,
    )
    delivery_method = models.CharField(_("delivery"), max_length=10, choices=DeliveryMethod.choices)
    delivery_fee = models.BigIntegerField(_("delivery fee"), default=0)
    goods_total = models.BigIntegerField(_("goods total"))
    total = models.BigIntegerField(_("total"))
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"))

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("fulfilment")
        verbose_name_plural = _("fulfilments")
        constraints = [
            models.UniqueConstraint(fields=["order", "seller"], name="fulfilment_once_per_seller"),
            models.CheckConstraint(
                condition=models.Q(delivery_fee__gte=0, goods_total__gte=0)
                & models.Q(total=models.F("goods_total") + models.F("delivery_fee")),
                name="fulfilment_total_adds_up",
            ),
        ]
        indexes = [
            models.Index(fields=["seller", "status"], name="fulfilment_seller_status"),
            models.Index(fields=["status", "status_changed_at"], name="fulfilment_status_age"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.seller_id}"


class OrderLine(models.Model):
    """What was bought, at the price of that moment (the product may change later)."""

    fulfilment = models.ForeignKey(Fulfilment, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    product_name = models.CharField(_("product"), max_length=150)
    unit = models.CharField(_("unit"), max_length=20)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    is_staple = models.BooleanField(_("staple food"))
    unit_price = models.BigIntegerField(_("unit price"))
    quantity = models.PositiveIntegerField(_("quantity"))
    line_total = models.BigIntegerField(_("line total"))

    class Meta:
        ordering = ["pk"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(unit_price__gt=0, quantity__gt=0)
                & models.Q(line_total=models.F("unit_price") * models.F("quantity")),
                name="order_line_total_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_name}"


class Payment(TimeStampedModel):
    """One tender paying part of a fulfilment; several may pay one (split tender)."""

    fulfilment = models.ForeignKey(Fulfilment, on_delete=models.CASCADE, related_name="payments")
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices)
    amount = models.BigIntegerField(_("amount"))
    status = models.CharField(
        _("status"), max_length=24, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    proof = models.ImageField(
        _("transfer proof"),
        upload_to="payments/proof/",
        blank=True,
        validators=[validate_image_upload],
    )
    reference = models.CharField(_("reference"), max_length=100, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="payment_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.amount}"


class FulfilmentEvent(models.Model):
    """Append-only history of a fulfilment: who did what, when."""

    fulfilment = models.ForeignKey(Fulfilment, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(_("type"), max_length=20, choices=EventType.choices)
    from_status = models.CharField(max_length=20, choices=FulfilmentStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=FulfilmentStatus.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("fulfilment event")
        verbose_name_plural = _("fulfilment events")

    def __str__(self) -> str:
        return f"{self.fulfilment_id} {self.type} {self.to_status}"
