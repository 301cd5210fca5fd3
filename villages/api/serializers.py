"""Input and output shapes of the villages API. Output serializers render, never query."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.phone import mask_phone, normalize_phone, whatsapp_url
from villages.enums import Role, SellerKind
from villages.models import Membership, Seller

# --- public ---------------------------------------------------------------------------


class VillageRefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class MarketRefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class SellerRefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class VillageSummarySerializer(serializers.Serializer):
    """A village and its number of active sellers."""

    # Renders villages_with_seller_counts(), which annotates ``seller_count``.

    name = serializers.CharField()
    slug = serializers.SlugField()
    code = serializers.CharField(help_text="Kemendagri area code, NN.NN.NN.NNNN.")
    kecamatan = serializers.CharField()
    kabupaten = serializers.CharField()
    provinsi = serializers.CharField()
    seller_count = serializers.IntegerField(help_text="Active sellers of the village.")


class BumdesSerializer(serializers.Serializer):
    name = serializers.CharField()
    legal_name = serializers.CharField()


class PublicSellerSerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.SlugField()
    kind = serializers.ChoiceField(choices=SellerKind.choices)
    whatsapp_url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_whatsapp_url(self, seller: Seller) -> str | None:
        return whatsapp_url(seller.whatsapp) if seller.whatsapp else None


class VillageDetailSerializer(serializers.Serializer):
    """A village with its BUMDes, its markets and its active sellers."""

    # Renders get_public_village(), which prefetches all three.

    name = serializers.CharField()
    slug = serializers.SlugField()
    code = serializers.CharField()
    kecamatan = serializers.CharField()
    kabupaten = serializers.CharField()
    provinsi = serializers.CharField()
    description = serializers.CharField()
    bumdes = BumdesSerializer(allow_null=True)
    markets = MarketRefSerializer(many=True)
    sellers = PublicSellerSerializer(many=True, source="active_sellers")


class MarketSerializer(serializers.Serializer):
    """A pasar bersama and its number of villages."""

    # Renders public_markets(), which annotates ``village_count``.

    name = serializers.CharField()
    slug = serializers.SlugField()
    description = serializers.CharField()
    village_count = serializers.IntegerField()


class MarketDetailSerializer(serializers.Serializer):
    """A pasar bersama with its villages, each with its number of active sellers."""

    # Renders {"market": Market, "villages": villages_with_seller_counts(market=...)}.

    name = serializers.CharField(source="market.name")
    slug = serializers.SlugField(source="market.slug")
    description = serializers.CharField(source="market.description")
    villages = VillageSummarySerializer(many=True)


# --- tenant ---------------------------------------------------------------------------


class MemberSerializer(serializers.Serializer):
    """A membership as its village's stewards see it: the phone number masked."""

    name = serializers.CharField(source="user.name")
    role = serializers.ChoiceField(choices=Role.choices)
    seller = SellerRefSerializer(allow_null=True)
    phone = serializers.SerializerMethodField(help_text="Masked: +62812••••7890.")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_phone(self, membership: Membership) -> str | None:
        phone = membership.user.phone
        return mask_phone(phone) if phone else None


class ManagedSellerSerializer(serializers.Serializer):
    """A seller as those who run it see it, inactive ones included."""

    slug = serializers.SlugField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=SellerKind.choices)
    description = serializers.CharField()
    whatsapp = serializers.CharField(help_text="+62…, or empty.")
    phone = serializers.CharField(help_text="+62…, or empty.")
    is_active = serializers.BooleanField()


def _clean_phone(value: str) -> str:
    if not value:
        return value
    try:
        return normalize_phone(value)
    except DjangoValidationError as error:
        raise serializers.ValidationError(error.messages) from error


class SellerCreateSerializer(serializers.Serializer):
    """A new seller; phone numbers may be written 08…, +62… or 62…."""

    name = serializers.CharField(max_length=150, label=_("Seller name"))
    kind = serializers.ChoiceField(choices=SellerKind.choices, default=SellerKind.UMKM)
    whatsapp = serializers.CharField(
        max_length=24, default="", allow_blank=True, help_text="08…, +62… or 62…"
    )
    phone = serializers.CharField(
        max_length=24, default="", allow_blank=True, help_text="08…, +62… or 62…"
    )
    description = serializers.CharField(default="", allow_blank=True)

    def validate_whatsapp(self, value: str) -> str:
        return _clean_phone(value)

    def validate_phone(self, value: str) -> str:
        return _clean_phone(value)
