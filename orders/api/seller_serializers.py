"""Input and output shapes of the seller API: a seller's fulfilments and their steps.

Output serializers render what the seller selectors fetched (lines, payments and events
prefetched); they never query.
"""

from rest_framework import serializers

from orders.api.buyer_serializers import OrderLineSerializer, PaymentSerializer
from orders.enums import DeliveryMethod, EventType, FulfilmentStatus
from villages.api.serializers import VillageRefSerializer


class FulfilmentOrderSerializer(serializers.Serializer):
    """What the seller needs of the order to hand the goods over."""

    number = serializers.CharField()
    created_at = serializers.DateTimeField()
    is_assisted = serializers.BooleanField(help_text="Placed for the buyer by someone else.")
    recipient_name = serializers.CharField()
    contact_phone = serializers.CharField()
    delivery_village = VillageRefSerializer()
    dusun = serializers.CharField()
    rt = serializers.CharField()
    rw = serializers.CharField()
    address_notes = serializers.CharField()


class FulfilmentEventSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=EventType.choices)
    from_status = serializers.CharField(help_text="Blank when the status did not change.")
    to_status = serializers.CharField(help_text="Blank when the status did not change.")
    created_at = serializers.DateTimeField()


class SellerFulfilmentSerializer(serializers.Serializer):
    """One fulfilment as its seller works on it."""

    id = serializers.IntegerField()
    order = FulfilmentOrderSerializer()
    status = serializers.ChoiceField(choices=FulfilmentStatus.choices)
    status_changed_at = serializers.DateTimeField()
    delivery_method = serializers.ChoiceField(choices=DeliveryMethod.choices)
    delivery_fee = serializers.IntegerField(help_text="Whole rupiah.")
    goods_total = serializers.IntegerField(help_text="Whole rupiah.")
    total = serializers.IntegerField(help_text="Whole rupiah.")
    cancel_reason = serializers.CharField()
    lines = OrderLineSerializer(many=True)
    payments = PaymentSerializer(many=True)


class SellerFulfilmentDetailSerializer(SellerFulfilmentSerializer):
    events = FulfilmentEventSerializer(many=True, help_text="Oldest first: the timeline.")


class FulfilmentFiltersSerializer(serializers.Serializer):
    """The GET parameters of the seller's fulfilment list."""

    status = serializers.ChoiceField(
        choices=FulfilmentStatus.choices,
        required=False,
        help_text="Only fulfilments in this status; all of them when absent.",
    )


class SellerTransitionSerializer(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=FulfilmentStatus.choices)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=300,
        help_text="Required to cancel.",
    )


class TransferConfirmationSerializer(serializers.Serializer):
    reference = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=100,
        help_text="The bank's reference of the transfer, kept on the payment.",
    )
