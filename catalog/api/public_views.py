"""Public catalogue API: categories, and products with the same filters as the search page.

Each view parses input, fetches through the storefront selectors or the search, renders.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import remove_query_param, replace_query_param

from catalog import search
from catalog.api import public_serializers as s
from catalog.selectors import storefront
from core.api import ErrorSerializer
from villages.api.views import PublicView


@extend_schema(tags=["catalog"])
class CategoryListView(PublicView):
    """Every category, parents before their children, each naming its parent's slug."""

    @extend_schema(
        operation_id="v1_categories_list", responses={200: s.CategorySerializer(many=True)}
    )
    def get(self, request: Request) -> Response:
        tree = storefront.category_tree()
        ordered = tree.in_tree_order()
        slugs = {c.pk: c.slug for c in tree.categories}
        return Response(s.CategorySerializer(ordered, many=True, slugs=slugs).data)


@extend_schema(tags=["catalog"])
class ProductListView(PublicView):
    """Public products, filtered, sorted and paged exactly like the search page."""

    @extend_schema(
        operation_id="v1_products_list",
        parameters=[s.ProductFiltersSerializer],
        responses={200: s.ProductListSerializer, 400: ErrorSerializer},
    )
    def get(self, request: Request) -> Response:
        tree = storefront.category_tree()
        form = search.ProductSearchForm(
            request.query_params, villages=storefront.villages_for_filter(), tree=tree
        )
        if not form.is_valid():
            raise exceptions.ValidationError(
                {
                    api_settings.NON_FIELD_ERRORS_KEY if name == "__all__" else name: [
                        str(error) for error in errors
                    ]
                    for name, errors in form.errors.items()
                }
            )
        results = search.search_products(form.to_query(), tree=tree)
        url = request.build_absolute_uri()
        previous = None
        if results.has_previous:
            previous = (
                replace_query_param(url, "page", results.previous_number)
                if results.previous_number > 1
                else remove_query_param(url, "page")
            )
        body = {
            "page": results.number,
            "has_next": results.has_next,
            "next": replace_query_param(url, "page", results.next_number)
            if results.has_next
            else None,
            "previous": previous,
            "results": results.products,
        }
        return Response(s.ProductListSerializer(body, context={"request": request}).data)


@extend_schema(tags=["catalog"])
class ProductDetailView(PublicView):
    """One public product with its description, photos and the seller's WhatsApp link."""

    @extend_schema(responses={200: s.ProductDetailSerializer, 404: ErrorSerializer})
    def get(self, request: Request, product_id: int) -> Response:
        product = storefront.get_public_product(product_id=product_id)
        return Response(s.ProductDetailSerializer(product, context={"request": request}).data)
