"""Output shapes of the public catalogue API, and the documented shape of its filters.

Output serializers render what the storefront selectors fetched; they never query.
"""

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.phone import whatsapp_url
from catalog.enums import FoodGroup, ProductKind
from catalog.models import Product, ProductPhoto
from catalog.search import MAX_PAGE, MAX_PRICE, MAX_QUERY_LENGTH, ProductSort
from catalog.selectors.storefront import StockState
from core.money import format_rupiah
from villages.api.serializers import SellerRefSerializer, VillageRefSerializer


class CategorySerializer(serializers.Serializer):
    """A category of the tree; ``parent`` is the parent's slug (null at the top)."""

    slug = serializers.SlugField()
    name = serializers.CharField()
    # DRF's metaclass takes declared fields off the class, so this does not hide Field.parent.
    parent = serializers.SerializerMethodField()  # type: ignore[assignment]
    is_staple = serializers.BooleanField(help_text="Staple food: payable with a BLT voucher.")
    food_group = serializers.ChoiceField(choices=FoodGroup.choices, allow_blank=True)

    def __init__(self, *args: Any, slugs: dict[int, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.slugs = slugs or {}

    @extend_schema_field(serializers.SlugField(allow_null=True))
    def get_parent(self, category: Any) -> str | None:
        return self.slugs.get(category.parent_id) if category.parent_id else None


class CategoryRefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    is_staple = serializers.BooleanField()


class PhotoSerializer(serializers.Serializer):
    """A photo whose renditions exist (320 and 800 px wide WebP); ``width``/``height`` are
    the original's, for the aspect ratio."""

    small = serializers.SerializerMethodField()
    large = serializers.SerializerMethodField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()

    def _url(self, file: Any) -> str:
        request = self.context.get("request")
        url: str = file.url
        return request.build_absolute_uri(url) if request is not None else url

    @extend_schema_field(serializers.URLField())
    def get_small(self, photo: ProductPhoto) -> str:
        return self._url(photo.small)

    @extend_schema_field(serializers.URLField())
    def get_large(self, photo: ProductPhoto) -> str:
        return self._url(photo.large or photo.small)


class ProductSerializer(serializers.Serializer):
    """A product as cards show it."""

    # Renders storefront.product_cards(): seller, village and category joined, the
    # ``stock_state`` annotated and ``ready_photos`` prefetched.

    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.SlugField()
    kind = serializers.ChoiceField(choices=ProductKind.choices)
    price = serializers.IntegerField(help_text="Whole rupiah.")
    price_display = serializers.SerializerMethodField(help_text="Rp12.500")
    unit = serializers.CharField()
    stock = serializers.SerializerMethodField(help_text="Units in stock; null if not counted.")
    stock_state = serializers.ChoiceField(choices=StockState.choices)
    is_flagship = serializers.BooleanField()
    voucher_payable = serializers.BooleanField(
        source="category.is_staple", help_text="In a staple category: payable by BLT voucher."
    )
    category = CategoryRefSerializer()
    seller = SellerRefSerializer()
    village = VillageRefSerializer()
    photo = serializers.SerializerMethodField(help_text="The first photo, once it is ready.")
    url = serializers.SerializerMethodField(help_text="The product's page.")

    def get_price_display(self, product: Product) -> str:
        return format_rupiah(product.price)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_stock(self, product: Product) -> int | None:
        return product.stock if product.tracks_stock else None

    @extend_schema_field(PhotoSerializer(allow_null=True))
    def get_photo(self, product: Product) -> dict[str, Any] | None:
        photos = getattr(product, "ready_photos", [])
        return PhotoSerializer(photos[0], context=self.context).data if photos else None

    @extend_schema_field(serializers.URLField())
    def get_url(self, product: Product) -> str:
        path = reverse(
            "catalog:product", kwargs={"product_id": product.pk, "product_slug": product.slug}
        )
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class TourSerializer(serializers.Serializer):
    date = serializers.DateField(source="tour_date")
    capacity = serializers.IntegerField(help_text="Persons.")
    meeting_point = serializers.CharField()


class ProductDetailSerializer(ProductSerializer):
    """A product with its description, every ready photo, and how to reach the seller."""

    # Renders storefront.get_public_product(), which prefetches every photo.

    description = serializers.CharField()
    weight_grams = serializers.IntegerField(allow_null=True)
    tour = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()
    seller_whatsapp_url = serializers.SerializerMethodField()

    @extend_schema_field(PhotoSerializer(allow_null=True))
    def get_photo(self, product: Product) -> dict[str, Any] | None:
        photos = self._ready(product)
        return PhotoSerializer(photos[0], context=self.context).data if photos else None

    @extend_schema_field(TourSerializer(allow_null=True))
    def get_tour(self, product: Product) -> dict[str, Any] | None:
        return TourSerializer(product).data if product.kind == ProductKind.TOUR else None

    @extend_schema_field(PhotoSerializer(many=True))
    def get_photos(self, product: Product) -> list[dict[str, Any]]:
        return list(PhotoSerializer(self._ready(product), many=True, context=self.context).data)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_seller_whatsapp_url(self, product: Product) -> str | None:
        number = product.seller.whatsapp
        return whatsapp_url(number) if number else None

    def _ready(self, product: Product) -> list[ProductPhoto]:
        return [p for p in product.photos.all() if p.status == "ready" and p.small]


class ProductListSerializer(serializers.Serializer):
    """One page of products. Pages are not counted: ``has_next`` says whether more follow."""

    page = serializers.IntegerField()
    has_next = serializers.BooleanField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ProductSerializer(many=True)


class ProductFiltersSerializer(serializers.Serializer):
    """The GET parameters of ``/api/v1/products/`` (documentation: a form parses them)."""

    q = serializers.CharField(
        required=False, max_length=MAX_QUERY_LENGTH, help_text="Words; typos are tolerated."
    )
    village = serializers.SlugField(required=False, help_text="A village's slug.")
    category = serializers.SlugField(
        required=False, help_text="A category's slug; its subcategories are included."
    )
    staple = serializers.BooleanField(required=False, help_text="Staple food only.")
    in_stock = serializers.BooleanField(required=False, help_text="Leave out sold-out goods.")
    min_price = serializers.IntegerField(required=False, min_value=0, max_value=MAX_PRICE)
    max_price = serializers.IntegerField(required=False, min_value=0, max_value=MAX_PRICE)
    sort = serializers.ChoiceField(
        choices=ProductSort.choices,
        required=False,
        help_text="Default: relevance with ``q``, else newest.",
    )
    page = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)
