"""The OpenAPI schema is public, valid, and documents every endpoint of the API."""

import pytest
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db


def test_schema_is_valid_openapi(api):
    response = api.get("/api/schema/?format=json")

    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    assert set(schema["paths"]) >= {
        "/api/v1/villages/",
        "/api/v1/villages/{village_slug}/",
        "/api/v1/markets/",
        "/api/v1/markets/{market_slug}/",
        "/api/v1/me/",
        "/api/v1/auth/token/",
        "/api/v1/manage/villages/{village_slug}/members/",
        "/api/v1/manage/villages/{village_slug}/sellers/",
        "/api/v1/manage/villages/{village_slug}/sellers/{seller_slug}/",
    }


def test_schema_documents_request_bodies_and_the_error_shape(api):
    schema = api.get("/api/schema/?format=json").json()
    sellers = schema["paths"]["/api/v1/manage/villages/{village_slug}/sellers/"]
    body = sellers["post"]["requestBody"]["content"]["application/json"]["schema"]
    components = schema["components"]["schemas"]

    assert body == {"$ref": "#/components/schemas/SellerCreateRequest"}
    assert components["SellerCreateRequest"]["required"] == ["name"]
    assert sellers["post"]["responses"]["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert components["Error"]["required"] == ["code", "extra", "message"]


def test_docs_page_is_public(api):
    response = api.get("/api/docs/")

    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
