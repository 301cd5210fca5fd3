"""Accounts API: who am I, and API tokens for apps that cannot keep a session."""

from collections.abc import Sequence
from typing import Any, cast

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.api import serializers as s
from accounts.models import User
from core.access import Access
from core.api import ErrorSerializer
from core.exceptions import DomainError
from villages.selectors import memberships_for_user
from villages.tenancy import scope_for


class InvalidCredentials(DomainError):
    """Unknown login or wrong password: deliberately not told apart."""

    code = "invalid_credentials"

    def __init__(self, *, by_phone: bool) -> None:
        super().__init__(
            _("The phone number and/or password you specified are not correct.")
            if by_phone
            else _("The email address and/or password you specified are not correct.")
        )


@extend_schema(tags=["accounts"])
class MeView(APIView):
    """Who I am, how I sign in, and my roles in each village."""

    access = Access.SIGNED_IN
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: s.MeSerializer, 401: ErrorSerializer, 403: ErrorSerializer})
    def get(self, request: Request) -> Response:
        me = {
            "user": request.user,
            "is_platform_admin": scope_for(request.user).is_platform_admin,
            "memberships": memberships_for_user(user=request.user),
        }
        return Response(s.MeSerializer(me).data)


@extend_schema(tags=["accounts"])
class TokenView(APIView):
    """POST trades a phone number or email and password for a token; DELETE revokes it.

    Obtaining is open to anyone and throttled (scope ``token``); revoking needs the caller
    to be signed in, with the token itself or a session.
    """

    access = Access.PUBLIC
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    def get_permissions(self) -> Sequence[Any]:
        if self.request.method == "DELETE":
            return [IsAuthenticated()]
        return super().get_permissions()

    @extend_schema(
        summary="Obtain an API token",
        description=(
            "Trades a phone number (08…, +62… or 62…) or an email address and the password "
            "for the person's token (the same one on every call until revoked). Limited to "
            "10 attempts a minute."
        ),
        request=s.TokenObtainSerializer,
        responses={200: s.TokenSerializer, 400: ErrorSerializer, 429: ErrorSerializer},
    )
    def post(self, request: Request) -> Response:
        data = s.TokenObtainSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        credentials: dict[str, Any] = data.validated_data
        user = authenticate(request, **credentials)
        if user is None:
            raise InvalidCredentials(by_phone="phone" in credentials)
        token, _created = Token.objects.get_or_create(user=user)
        return Response(s.TokenSerializer({"token": token.key}).data)

    @extend_schema(
        summary="Revoke my API token",
        description="Deletes the caller's token; a new one must be obtained to call again.",
        request=None,
        responses={204: None, 401: ErrorSerializer, 403: ErrorSerializer},
    )
    def delete(self, request: Request) -> Response:
        user = cast(User, request.user)  # IsAuthenticated admitted only signed-in people
        Token.objects.filter(user=user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
