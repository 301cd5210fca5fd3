"""Reads for the people who run a shop: sellers' staff, BUMDes admins, platform admins.

Every function takes the acting user and asks the tenant scope; list queries cost the same
number of queries however many rows they return.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from catalog.enums import ProductKind
from catalog.exceptions import ProductNotFound
from catalog.models import Category, Product, ProductPhoto, StockMovement
from villages.exceptions import NotAllowedForVillage
from villages.models import Seller
from villages.tenancy import scope_for

LOW_STOCK_THRESHOLD = 5


def _with_related(products: QuerySet[Product]) -> QuerySet[Product]:
    return products.select_related("seller", "village", "category").prefetch_related(
        Prefetch("photos", queryset=ProductPhoto.objects.order_by("position", "pk"))
    )


def products_for_manager(
    *,
    user: Any,
    seller: Seller | None,
    search: str = "",
    category: Category | None = None,
    active: bool | None = None,
    low_stock: bool | None = None,
) -> QuerySet[Product]:
    """Products of ``seller`` (or, without one, of every seller ``user`` may manage).

    ``category`` matches the category and its direct children; ``low_stock`` keeps goods
    with at most ``LOW_STOCK_THRESHOLD`` in stock (``False``: the others). Raises
    ``NotAllowedForVillage`` if ``user`` may not manage ``seller``.
    """
    scope = scope_for(user)
    if seller is not None:
        if not scope.can_manage_seller(seller_id=seller.pk, village_id=seller.village_id):
            raise NotAllowedForVillage()
        products = Product.objects.filter(seller=seller)
    else:
        products = scope.filter_sellers(Product.objects.all(), seller_field="seller")
    text = search.strip()
    if text:
        products = products.filter(Q(name__icontains=text) | Q(description__icontains=text))
    if category is not None:
        products = products.filter(Q(category=category) | Q(category__parent=category))
    if active is not None:
        products = products.filter(is_active=active)
    if low_stock is not None:
        is_low = Q(kind=ProductKind.GOODS, stock__lte=LOW_STOCK_THRESHOLD)
        products = products.filter(is_low if low_stock else ~is_low)
    return _with_related(products).order_by("name", "pk")


def get_product_for_manager(*, user: Any, product_id: int, seller: Seller | None = None) -> Product:
    """The product, if ``user`` may manage its seller (and it is ``seller``'s, if given).

    Raises ``ProductNotFound`` for an unknown id or another seller's product, and
    ``NotAllowedForVillage`` if ``user`` may not manage the product's seller.
    """
    products = _with_related(Product.objects.filter(pk=product_id))
    if seller is not None:
        products = products.filter(seller=seller)
    product = products.first()
    if product is None:
        raise ProductNotFound()
    if not scope_for(user).can_manage_seller(
        seller_id=product.seller_id, village_id=product.village_id
    ):
        raise NotAllowedForVillage()
    return product


def stock_history(*, product: Product) -> QuerySet[StockMovement]:
    """The product's stock movements, newest first, with who made them.

    Precondition: the product was fetched through ``get_product_for_manager``.
    """
    return (
        StockMovement.objects.filter(product=product)
        .select_related("actor")
        .order_by("-created_at", "-pk")
    )


def low_stock_products(*, user: Any, threshold: int = LOW_STOCK_THRESHOLD) -> QuerySet[Product]:
    """Active goods with at most ``threshold`` in stock, of every seller ``user`` manages.

    Emptiest first. Platform admins see every village's; anonymous people see nothing.
    """
    scope = scope_for(user)
    if scope.is_anonymous:
        return Product.objects.none()
    products = scope.filter_sellers(
        Product.objects.filter(kind=ProductKind.GOODS, is_active=True, stock__lte=threshold),
        seller_field="seller",
    )
    return _with_related(products).order_by("stock", "name", "pk")
