"""What the public storefront reads: only active products of active sellers.

Every list here costs a fixed number of queries whatever the size of the catalogue: rows come
with their seller, village and category joined, card photos in one prefetch, and pages are
cut with a "has next" probe instead of counting every match.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Case, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.utils.translation import gettext_lazy as _

from catalog.enums import PhotoStatus, ProductKind
from catalog.models import Category, Product, ProductPhoto
from core.exceptions import NotFound
from villages.models import Seller, Village

PER_PAGE = 20
MAX_PAGE = 500  # deeper pages cost an ever larger OFFSET; nobody pages that far on a phone
FLAGSHIPS_PER_VILLAGE = 3
LOW_STOCK = 5  # at or under this many units, the page says how many are left


class StockState(models.TextChoices):
    AVAILABLE = "available", _("In stock")  # goods above LOW_STOCK, every service and tour
    LOW = "low", _("Few left")  # goods with 1..LOW_STOCK units
    OUT = "out", _("Out of stock")  # goods with none


# Card fields: enough for a product card, its links and its stock state; no descriptions.
CARD_FIELDS = (
    "id",
    "name",
    "slug",
    "kind",
    "price",
    "unit",
    "stock",
    "is_flagship",
    "created_at",
    "seller_id",
    "village_id",
    "category_id",
    "seller__name",
    "seller__slug",
    "village__name",
    "village__slug",
    "category__name",
    "category__slug",
    "category__is_staple",
)


def stock_state_expression() -> Case:
    """The stock state computed by the database, so pages and the API agree."""
    return Case(
        When(~Q(kind=ProductKind.GOODS), then=Value(StockState.AVAILABLE)),
        When(stock__lte=0, then=Value(StockState.OUT)),
        When(stock__lte=LOW_STOCK, then=Value(StockState.LOW)),
        default=Value(StockState.AVAILABLE),
        output_field=models.CharField(),
    )


def visible_products() -> QuerySet[Product]:
    """Products anyone may see: active, of an active seller. Nothing joined for display:
    for subqueries and lists of a few fields."""
    return Product.objects.filter(is_active=True, seller__is_active=True)


def public_products() -> QuerySet[Product]:
    """``visible_products``, joined for cards and with their stock state."""
    return (
        visible_products()
        .select_related("seller", "village", "category")
        .annotate(stock_state=stock_state_expression())
    )


def ready_photos() -> Prefetch[str]:
    """Photos whose renditions exist, first one first, as ``product.ready_photos``."""
    return Prefetch(
        "photos",
        queryset=ProductPhoto.objects.filter(status=PhotoStatus.READY).order_by("position", "pk"),
        to_attr="ready_photos",
    )


def product_cards(products: QuerySet[Product]) -> QuerySet[Product]:
    """``products`` trimmed to what a card shows, with their ready photos."""
    return products.only(*CARD_FIELDS).prefetch_related(ready_photos())


# --- pages of products ---------------------------------------------------------------


@dataclass(frozen=True)
class ProductPage:
    """One page of products. ``has_next`` comes from fetching one row more than shown."""

    products: list[Product]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_number(self) -> int:
        return self.number + 1

    @property
    def previous_number(self) -> int:
        return self.number - 1

    @property
    def is_paginated(self) -> bool:
        return self.has_next or self.has_previous


def product_page(products: QuerySet[Product], *, number: int = 1) -> ProductPage:
    """Page ``number`` (from 1) of an ordered queryset, without counting all matches."""
    number = min(max(number, 1), MAX_PAGE)
    start = (number - 1) * PER_PAGE
    rows = list(products[start : start + PER_PAGE + 1])
    return ProductPage(products=rows[:PER_PAGE], number=number, has_next=len(rows) > PER_PAGE)


# --- categories ----------------------------------------------------------------------


@dataclass
class CategoryTree:
    """Every category, read in one query; the tree is walked in memory (it is small)."""

    categories: list[Category]
    by_slug: dict[str, Category] = field(init=False)
    by_pk: dict[int, Category] = field(init=False)
    children: dict[int | None, list[Category]] = field(init=False)

    def __post_init__(self) -> None:
        self.by_slug = {c.slug: c for c in self.categories}
        self.by_pk = {c.pk: c for c in self.categories}
        self.children = {}
        for category in self.categories:
            self.children.setdefault(category.parent_id, []).append(category)

    @property
    def roots(self) -> list[Category]:
        return self.children.get(None, [])

    def get(self, slug: str) -> Category:
        try:
            return self.by_slug[slug]
        except KeyError:
            raise NotFound(_("That category does not exist."), code="category_not_found") from None

    def parent_of(self, category: Category) -> Category | None:
        return self.by_pk.get(category.parent_id) if category.parent_id else None

    def subtree_ids(self, category: Category) -> list[int]:
        """The category and all below it (guards against a cycle in bad data)."""
        ids: list[int] = []
        pending = [category]
        while pending:
            node = pending.pop()
            if node.pk in ids:
                continue
            ids.append(node.pk)
            pending.extend(self.children.get(node.pk, []))
        return ids

    def in_tree_order(self) -> list[Category]:
        """Every category once, each parent before its children (depth first)."""
        ordered: list[Category] = []
        seen: set[int] = set()
        pending = list(reversed(self.roots))
        while pending:
            node = pending.pop()
            if node.pk in seen:
                continue
            seen.add(node.pk)
            ordered.append(node)
            pending.extend(reversed(self.children.get(node.pk, [])))
        return ordered

    def staple_groups(self) -> list[tuple[Category, list[Category]]]:
        """Top-level staple categories with their children, for the market home."""
        return [(root, self.children.get(root.pk, [])) for root in self.roots if root.is_staple]


def category_tree() -> CategoryTree:
    return CategoryTree(list(Category.objects.order_by("position", "name", "pk")))


# --- single objects ------------------------------------------------------------------


def get_public_seller(*, village_slug: str, seller_slug: str) -> Seller:
    seller = (
        Seller.objects.select_related("village")
        .filter(village__slug=village_slug, slug=seller_slug, is_active=True)
        .first()
    )
    if seller is None:
        raise NotFound(_("That seller is not in this village."), code="seller_not_found")
    return seller


def get_public_product(*, product_id: int) -> Product:
    """A product anyone may see, with its seller, village, category and every photo."""
    product = (
        public_products()
        .select_related("category__parent")
        .prefetch_related(
            Prefetch("photos", queryset=ProductPhoto.objects.order_by("position", "pk"))
        )
        .filter(pk=product_id)
        .first()
    )
    if product is None:
        raise NotFound(_("That product is not on sale."), code="product_not_found")
    return product


# --- lists for the pages -------------------------------------------------------------


def village_products(*, village: Village) -> QuerySet[Product]:
    """A village's products, its flagship products first, then the newest."""
    return product_cards(public_products().filter(village=village)).order_by(
        "-is_flagship", "-created_at", "-pk"
    )


def seller_products(*, seller: Seller) -> QuerySet[Product]:
    return product_cards(public_products().filter(seller=seller)).order_by("-created_at", "-pk")


def category_products(*, category_ids: Sequence[int]) -> QuerySet[Product]:
    return product_cards(public_products().filter(category_id__in=category_ids)).order_by(
        "-created_at", "-pk"
    )


# What the market home shows of a flagship product: its name, price and voucher badge.
FLAGSHIP_FIELDS = (
    "id",
    "name",
    "slug",
    "price",
    "village_id",
    "category_id",
    "category__is_staple",
)


def with_flagships(villages: QuerySet[Village]) -> list[Village]:
    """Villages, each with up to FLAGSHIPS_PER_VILLAGE flagship products as ``flagships``,
    the newest first. Two queries for any number of villages and products (see below)."""
    rows = with_flagship_ids(villages)
    load_flagships(rows)
    return rows


def with_flagship_ids(villages: QuerySet[Village]) -> list[Village]:
    """Villages, each with the ids of its newest flagship products (up to
    FLAGSHIPS_PER_VILLAGE) as ``flagship_ids`` and when each was last changed as
    ``flagships_changed``. One query.

    Each id comes from a small correlated subquery, answered by the partial index
    ``product_flagship_newest`` from the few rows it needs, rather than numbering every
    flagship of the market.
    """
    newest = (
        visible_products()
        .filter(village=OuterRef("pk"), is_flagship=True)
        .order_by("-created_at", "-pk")
    )
    slots = range(FLAGSHIPS_PER_VILLAGE)
    annotations: dict[str, Subquery] = {}
    for i in slots:
        annotations[f"flagship_{i}"] = Subquery(newest.values("pk")[i : i + 1])
        annotations[f"flagship_{i}_changed"] = Subquery(newest.values("updated_at")[i : i + 1])
    rows = list(villages.annotate(**annotations))
    for row in rows:
        ids = [getattr(row, f"flagship_{i}") for i in slots]
        changed = [getattr(row, f"flagship_{i}_changed") for i in slots]
        row.flagship_ids = [pk for pk in ids if pk is not None]  # type: ignore[attr-defined]
        row.flagships_changed = [when for when in changed if when is not None]  # type: ignore[attr-defined]
    return rows


def load_flagships(villages: Sequence[Village]) -> None:
    """Give each village of ``with_flagship_ids`` its products as ``flagships``. One query.

    Without photos, sellers or villages: the market home lists them by name and price.
    """
    ids = [pk for village in villages for pk in getattr(village, "flagship_ids", [])]
    products = (
        {
            product.pk: product
            for product in visible_products()
            .select_related("category")
            .only(*FLAGSHIP_FIELDS)
            .filter(pk__in=ids)
        }
        if ids
        else {}
    )
    for village in villages:
        found = (products.get(pk) for pk in getattr(village, "flagship_ids", []))
        village.flagships = [product for product in found if product is not None]  # type: ignore[attr-defined]


def villages_for_filter() -> list[Village]:
    """Villages to choose from in the search filters."""
    return list(Village.objects.only("id", "name", "slug").order_by("name", "pk"))
