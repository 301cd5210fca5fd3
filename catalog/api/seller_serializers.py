"""Input and output shapes of the seller API: a seller's own products and their stock.

Input serializers parse and type the request; the product services apply the rules.
Output serializers render what the dashboard selectors fetched; they never query.
"""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.enums import ProductKind, StockMovementKind
from catalog.models import Category, ProductPhoto

STOCK_CHANGE_KINDS = [StockMovementKind.RESTOCK, StockMovementKind.CORRECTION]


# The kinds of stock change are documented inline: the field is called ``kind`` like the
# product's, and a named enum component per value set would collide in the schema.
@extend_schema_field({"type": "string", "enum": [str(kind) for kind in STOCK_CHANGE_KINDS]})
class StockChangeKindField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=[(k.value, k.label) for k in STOCK_CHANGE_KINDS], **kwargs)


@extend_schema_field({"type": "string", "enum": list(StockMovementKind.values)})
class StockMovementKindField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=StockMovementKind.choices, **kwargs)


class ManagedPhotoSerializer(serializers.Serializer):
    """A product photo as its seller sees it, renditions or not."""

    id = serializers.IntegerField()
    status = serializers.CharField(help_text="pending, ready or failed.")
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    small = serializers.SerializerMethodField(help_text="320 px WebP, once ready.")

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_small(self, photo: ProductPhoto) -> str | None:
        if not photo.small:
            return None
        request = self.context.get("request")
        url: str = photo.small.url
        return request.build_absolute_uri(url) if request is not None else url


class ManagedProductSerializer(serializers.Serializer):
    """A product with everything its seller may change, inactive ones included."""

    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=ProductKind.choices)
    category = serializers.SlugField(source="category.slug")
    price = serializers.IntegerField(help_text="Whole rupiah.")
    unit = serializers.CharField()
    weight_grams = serializers.IntegerField(allow_null=True)
    stock = serializers.IntegerField(help_text="Goods only; 0 for services and tours.")
    capacity = serializers.IntegerField(allow_null=True, help_text="Tours: persons.")
    tour_date = serializers.DateField(allow_null=True)
    meeting_point = serializers.CharField()
    description = serializers.CharField()
    is_active = serializers.BooleanField(help_text="Shown in the market.")
    is_flagship = serializers.BooleanField(help_text="Produk unggulan.")
    photos = ManagedPhotoSerializer(many=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ProductFiltersSerializer(serializers.Serializer):
    """The GET parameters of the seller's product list."""

    q = serializers.CharField(required=False, max_length=100, help_text="In name or description.")
    category = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Category.objects.all(),
        required=False,
        help_text="A category's slug; its direct subcategories are included.",
    )
    active = serializers.BooleanField(required=False, allow_null=True, default=None)
    low_stock = serializers.BooleanField(required=False, allow_null=True, default=None)


class ProductWriteSerializer(serializers.Serializer):
    """Fields a seller sets on a product; the product services check the rules across them."""

    name = serializers.CharField(max_length=150)
    category = serializers.SlugRelatedField(slug_field="slug", queryset=Category.objects.all())
    price = serializers.IntegerField(min_value=1, help_text="Whole rupiah above 0.")
    unit = serializers.CharField(max_length=20, default="pcs")
    kind = serializers.ChoiceField(choices=ProductKind.choices, default=ProductKind.GOODS)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    weight_grams = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    capacity = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    tour_date = serializers.DateField(required=False, allow_null=True)
    meeting_point = serializers.CharField(
        required=False, allow_blank=True, max_length=200, default=""
    )
    is_active = serializers.BooleanField(required=False, default=True)
    is_flagship = serializers.BooleanField(required=False, default=False)


class ProductCreateSerializer(ProductWriteSerializer):
    initial_stock = serializers.IntegerField(
        required=False, min_value=0, default=0, help_text="Goods only: stock to start with."
    )


class ProductUpdateSerializer(ProductWriteSerializer):
    """Send only the fields to change (PATCH); stock changes through the stock endpoint."""


class StockChangeSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(
        help_text="Signed: positive adds stock, negative takes it out (corrections only)."
    )
    kind = StockChangeKindField(help_text="restock: goods came in; correction: a count.")
    reason = serializers.CharField(max_length=200)


class StockMovementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = StockMovementKindField()
    quantity = serializers.IntegerField()
    stock_after = serializers.IntegerField()
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()
