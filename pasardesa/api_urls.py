from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

from core.access import Access


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema: public, it documents only what anyone may call."""

    access = Access.PUBLIC
    permission_classes = [AllowAny]


class DocsView(SpectacularSwaggerView):
    access = Access.PUBLIC
    permission_classes = [AllowAny]


urlpatterns = [
    path("v1/", include("villages.api.urls")),
    path("v1/", include("accounts.api.urls")),
    path("v1/", include("catalog.api.urls")),
    path("v1/", include("orders.api.urls")),
    path("v1/", include("vouchers.api.urls")),
    path("v1/", include("transparency.api_urls")),
    path("schema/", SchemaView.as_view(), name="api-schema"),
    path("docs/", DocsView.as_view(url_name="api-schema"), name="api-docs"),
]
