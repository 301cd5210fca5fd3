"""Input and output shapes of the accounts API."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from accounts.phone import normalize_phone
from villages.api.serializers import SellerRefSerializer, VillageRefSerializer
from villages.enums import Role


class MembershipSerializer(serializers.Serializer):
    village = VillageRefSerializer()
    role = serializers.ChoiceField(choices=Role.choices)
    seller = SellerRefSerializer(allow_null=True, help_text="Only for seller staff.")


class MeSerializer(serializers.Serializer):
    """The signed-in person and their roles in each village."""

    # Renders {"user": User, "is_platform_admin": bool, "memberships": [Membership]}.

    id = serializers.IntegerField(source="user.pk")
    name = serializers.CharField(source="user.name")
    email = serializers.CharField(source="user.email", help_text="Empty if none.")
    phone = serializers.CharField(source="user.phone", allow_null=True, help_text="+62…")
    phone_verified = serializers.BooleanField(source="user.phone_verified")
    is_platform_admin = serializers.BooleanField()
    memberships = MembershipSerializer(many=True)


class TokenObtainSerializer(serializers.Serializer):
    """Sign-in details: a phone number or an email address, and the password."""

    # Validates to the keywords of authenticate(): ``email`` or ``phone``, and ``password``.

    login = serializers.CharField(
        max_length=254, help_text="Phone number (08…, +62… or 62…) or email address."
    )
    password = serializers.CharField(
        max_length=128, trim_whitespace=False, style={"input_type": "password"}
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        login: str = attrs["login"]
        if "@" in login:
            return {"email": login, "password": attrs["password"]}
        try:
            phone = normalize_phone(login)
        except DjangoValidationError as error:
            raise serializers.ValidationError({"login": error.messages}) from error
        return {"phone": phone, "password": attrs["password"]}


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text='Send as "Authorization: Token <token>".')
