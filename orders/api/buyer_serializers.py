"""Input and output shapes of the buyer API: the cart, checkout and the buyer's orders.

Input serializers parse and type the request; the order services apply the rules (stock,
delivery, prices are never taken from the client). Output serializers render what the
selectors fetched; they never query.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orders.enums import DeliveryMethod, FulfilmentStatus, PaymentMethod, PaymentStatus
from orders.models import Order, Payment
from villages.api.serializers import VillageRefSerializer
from villages.models import Village

# What a checkout may be paid with through the API; the voucher plugs in with its issue.
CHECKOUT_PAYMENTS = [PaymentMethod.CASH, PaymentMethod.BANK_TRANSFER]
# The steps a buyer may ask for: cancel while placed, confirm receipt once delivered.
BUYER_STEPS = [FulfilmentStatus.CANCELLED, FulfilmentStatus.COMPLETED]


# --- Shared output pieces ----------------------------------------------------------------


class OrderSellerSerializer(serializers.Serializer):
    """A seller as a cart or an order names it: ``id`` is what checkout's ``delivery`` keys."""

    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()


# --- Cart --------------------------------------------------------------------------------


class CartLineSerializer(serializers.Serializer):
    """A line as the buyer should see it now: today's price, and what changed."""

    product_id = serializers.IntegerField(source="product.pk")
    product_slug = serializers.SlugField(source="product.slug")
    product_name = serializers.CharField(source="product.name")
    unit = serializers.CharField(source="product.unit")
    quantity = serializers.IntegerField()
    unit_price = serializers.IntegerField(help_text="Whole rupiah, today's price.")
    price_when_added = serializers.IntegerField(help_text="Whole rupiah.")
    price_changed = serializers.BooleanField()
    line_total = serializers.IntegerField(help_text="Whole rupiah at today's price.")
    available = serializers.IntegerField(
        allow_null=True, help_text="Stock or places left; null: no limit (a service)."
    )
    shortfall = serializers.IntegerField(help_text="How many of the quantity cannot be had.")
    on_sale = serializers.BooleanField(help_text="False: the product or its seller withdrew.")


class CartGroupSerializer(serializers.Serializer):
    """One seller's lines: they become one fulfilment at checkout."""

    seller = OrderSellerSerializer()
    village = VillageRefSerializer()
    goods_total = serializers.IntegerField(help_text="Whole rupiah.")
    lines = CartLineSerializer(many=True)


class CartSerializer(serializers.Serializer):
    groups = CartGroupSerializer(many=True)
    goods_total = serializers.IntegerField(help_text="Whole rupiah, before delivery.")
    item_count = serializers.IntegerField()
    has_price_changes = serializers.BooleanField()
    has_problems = serializers.BooleanField(help_text="A line is withdrawn or short of stock.")


class CartAddSerializer(serializers.Serializer):
    product_id = serializers.IntegerField(min_value=1)
    quantity = serializers.IntegerField(min_value=1, default=1)


class CartLineUpdateSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=0, help_text="0 removes the line.")


# --- Checkout ----------------------------------------------------------------------------


class AddressSerializer(serializers.Serializer):
    """Where and to whom the order goes; the checkout service checks and normalises it."""

    village = serializers.SlugRelatedField(
        slug_field="slug", queryset=Village.objects.all(), help_text="The village's slug."
    )
    recipient_name = serializers.CharField(max_length=150)
    phone = serializers.CharField(max_length=30, help_text="08… or +62…")
    dusun = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    rt = serializers.CharField(max_length=3, required=False, allow_blank=True, default="")
    rw = serializers.CharField(max_length=3, required=False, allow_blank=True, default="")
    notes = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"type": "string", "enum": list(DeliveryMethod.values)},
        "description": "A delivery method for each seller id in the cart.",
        "example": {"12": "local", "31": "pickup"},
    }
)
class DeliveryChoicesField(serializers.DictField):
    """``{"<seller id>": method}`` parsed into ``{seller_id: method}``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=serializers.ChoiceField(choices=DeliveryMethod.choices), **kwargs)

    def to_internal_value(self, data: Any) -> dict[int, str]:
        parsed = super().to_internal_value(data)
        choices: dict[int, str] = {}
        for key, method in parsed.items():
            try:
                choices[int(key)] = method
            except (TypeError, ValueError):
                raise serializers.ValidationError(_("Seller ids are whole numbers.")) from None
        return choices


@extend_schema_field({"type": "string", "enum": [str(method) for method in CHECKOUT_PAYMENTS]})
class CheckoutPaymentField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=[(m.value, m.label) for m in CHECKOUT_PAYMENTS], **kwargs)


class CheckoutSerializer(serializers.Serializer):
    address = AddressSerializer()
    delivery = DeliveryChoicesField()
    payment = CheckoutPaymentField(
        help_text="cash: on delivery or at pickup. With a voucher: what pays the rest."
    )
    voucher_wallet = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=(
            "A BLT voucher wallet of the buyer (GET /api/v1/bantuan/dompet/): it pays first, "
            "the staple lines its programme allows, never a delivery fee."
        ),
    )


# --- Orders ------------------------------------------------------------------------------


class OrderLineSerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    product_name = serializers.CharField()
    unit = serializers.CharField()
    unit_price = serializers.IntegerField(help_text="Whole rupiah, when ordered.")
    quantity = serializers.IntegerField()
    line_total = serializers.IntegerField()


class PaymentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    amount = serializers.IntegerField(help_text="Whole rupiah.")
    status = serializers.ChoiceField(choices=PaymentStatus.choices)
    has_proof = serializers.SerializerMethodField(
        help_text="A bank transfer: the buyer sent a picture of it."
    )
    reference = serializers.CharField(help_text="A bank transfer: the bank's reference, if noted.")

    def get_has_proof(self, payment: Payment) -> bool:
        return bool(payment.proof)


class FulfilmentSerializer(serializers.Serializer):
    """One seller's part of an order, with its own delivery, status and payments."""

    id = serializers.IntegerField()
    seller = OrderSellerSerializer()
    village = VillageRefSerializer()
    status = serializers.ChoiceField(choices=FulfilmentStatus.choices)
    status_changed_at = serializers.DateTimeField()
    delivery_method = serializers.ChoiceField(choices=DeliveryMethod.choices)
    delivery_fee = serializers.IntegerField(help_text="Whole rupiah.")
    goods_total = serializers.IntegerField(help_text="Whole rupiah.")
    total = serializers.IntegerField(help_text="Whole rupiah.")
    cancel_reason = serializers.CharField()
    lines = OrderLineSerializer(many=True)
    payments = PaymentSerializer(many=True)


class OrderSerializer(serializers.Serializer):
    number = serializers.CharField()
    created_at = serializers.DateTimeField()
    is_assisted = serializers.BooleanField(help_text="Placed for the buyer by someone else.")
    placed_by = serializers.SerializerMethodField(
        help_text="Who placed an assisted order (a BUMDes operator, the seller); else null."
    )
    recipient_name = serializers.CharField()
    contact_phone = serializers.CharField()
    delivery_village = VillageRefSerializer()
    dusun = serializers.CharField()
    rt = serializers.CharField()
    rw = serializers.CharField()
    address_notes = serializers.CharField()
    goods_total = serializers.IntegerField(help_text="Whole rupiah.")
    delivery_total = serializers.IntegerField(help_text="Whole rupiah.")
    total = serializers.IntegerField(help_text="Whole rupiah.")
    fulfilments = FulfilmentSerializer(many=True)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_placed_by(self, order: Order) -> str | None:
        if not order.is_assisted or order.placed_by is None:
            return None
        return order.placed_by.name or order.placed_by.get_username()


@extend_schema_field({"type": "string", "enum": [str(step) for step in BUYER_STEPS]})
class BuyerStepField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=[(s.value, s.label) for s in BUYER_STEPS], **kwargs)


class TransferProofSerializer(serializers.Serializer):
    proof = serializers.FileField(
        help_text="A picture (JPEG, PNG or WebP) of the transfer receipt; a new one replaces "
        "the one sent before."
    )


class BuyerTransitionSerializer(serializers.Serializer):
    to_status = BuyerStepField(
        help_text="cancelled: while the seller has not confirmed; completed: received."
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
