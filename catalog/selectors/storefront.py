"""What the public storefront reads: only active products of active sellers.

Every list here costs a fixed number of queries whatever the size of the catalogue: rows come
with their seller, village and category joined, card photos in one prefetch, and pages are
cut with a "has next" probe instead of counting every match.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection, models
from django.db.models import Case, F, Prefetch, Q, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
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


def product_cards(products: QuerySet[Product]) -> QuerySet[Product]:
    """``products`` trimmed to what a card shows; ``card_page`` adds their photos."""
    return products.only(*CARD_FIELDS)


def load_ready_photos(products: Sequence[Product]) -> None:
    """Give each product its photos whose renditions exist, first one first, as
    ``ready_photos``. One query, none without products: what a prefetch would read, without
    building a related manager's query and linking each photo back to its product."""
    photos: dict[int, list[ProductPhoto]] = {product.pk: [] for product in products}
    if photos:
        ready = ProductPhoto.objects.filter(
            product_id__in=list(photos), status=PhotoStatus.READY
        ).order_by("position", "pk")
        for photo in ready:
            photos[photo.product_id].append(photo)
    for product in products:
        product.ready_photos = photos[product.pk]  # type: ignore[attr-defined]  # for the cards


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


# Placeholders for add_product_links: an id this long never occurs in a real URL.
SLUG_PLACEHOLDER = "slug-placeholder"
ID_PLACEHOLDER = 987654321987654321
PLAIN_SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def add_product_links(products: Sequence[Product]) -> None:
    """Give each product its page's address as ``url``, for the cards.

    A ``{% url %}`` per card costs a reverse() apiece; here the pattern is reversed once with
    placeholders, which are replaced by each product's id and slug. Ids and plain slugs need
    no quoting, so the result is what reverse() would give; any other slug goes through
    reverse() itself.
    """
    if not products:
        return
    pattern = reverse(
        "catalog:product", kwargs={"product_id": ID_PLACEHOLDER, "product_slug": SLUG_PLACEHOLDER}
    )
    for product in products:
        if PLAIN_SLUG.fullmatch(product.slug):
            url = pattern.replace(str(ID_PLACEHOLDER), str(product.pk)).replace(
                SLUG_PLACEHOLDER, product.slug
            )
        else:
            url = reverse(
                "catalog:product", kwargs={"product_id": product.pk, "product_slug": product.slug}
            )
        product.url = url  # type: ignore[attr-defined]  # for the template only


def product_page(products: QuerySet[Product], *, number: int = 1) -> ProductPage:
    """Page ``number`` (from 1) of an ordered queryset of ``product_cards``, without counting
    all matches. Two queries: the products, their photos."""
    number = min(max(number, 1), MAX_PAGE)
    start = (number - 1) * PER_PAGE
    return card_page(list(products[start : start + PER_PAGE + 1]), number=number)


def card_page(rows: list[Product], *, number: int) -> ProductPage:
    """Page ``number`` of cards from its rows and one more (which only tells that a next
    page exists), each with its photos and address. One query."""
    products = rows[:PER_PAGE]
    load_ready_photos(products)
    add_product_links(products)
    return ProductPage(products=products, number=number, has_next=len(rows) > PER_PAGE)


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


@dataclass
class Flagship:
    """A flagship product as the market home lists it: by name and price, with the voucher
    badge of a staple category. ``changed`` is when the product last changed; ``url`` is
    for the page to fill in."""

    pk: int
    name: str
    slug: str
    price: int
    is_staple: bool
    changed: datetime.datetime
    url: str = ""


# The newest flagships of each village, each from the partial index
# ``product_flagship_newest`` through a LATERAL subquery that stops after a few rows:
# about 1 ms for 50 villages, where numbering every flagship of the market with a window
# function reads them all (~3,000 rows, 6-10 ms) and a correlated subquery per slot costs
# a subplan and its ORM compilation each.
NEWEST_FLAGSHIPS_SQL = """
    SELECT village.id, f.id, f.name, f.slug, f.price, f.is_staple, f.updated_at
    FROM unnest(%s::bigint[]) WITH ORDINALITY AS village (id, position)
    CROSS JOIN LATERAL (
        SELECT p.id, p.name, p.slug, p.price, c.is_staple, p.updated_at, p.created_at
        FROM catalog_product p
        JOIN villages_seller s ON s.id = p.seller_id
        JOIN catalog_category c ON c.id = p.category_id
        WHERE p.village_id = village.id AND p.is_flagship AND p.is_active AND s.is_active
        ORDER BY p.created_at DESC, p.id DESC
        LIMIT %s
    ) AS f
    ORDER BY village.position, f.created_at DESC, f.id DESC
"""


def newest_flagships(*, village_ids: Sequence[int]) -> dict[int, list[Flagship]]:
    """The newest visible flagship products of each village, up to FLAGSHIPS_PER_VILLAGE,
    newest first, by village id (a village without any is left out). One query for any
    number of villages and products."""
    if not village_ids:
        return {}
    rows: list[tuple[int, int, str, str, int, bool, datetime.datetime]]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(NEWEST_FLAGSHIPS_SQL, [list(village_ids), FLAGSHIPS_PER_VILLAGE])
            rows = cursor.fetchall()
    else:
        # Elsewhere (SQLite in development) a window function numbers every flagship.
        newest_first = (F("created_at").desc(), F("pk").desc())
        rows = list(
            visible_products()
            .filter(village_id__in=village_ids, is_flagship=True)
            .annotate(
                position=Window(RowNumber(), partition_by=F("village_id"), order_by=newest_first)
            )
            .filter(position__lte=FLAGSHIPS_PER_VILLAGE)
            .order_by("village_id", *newest_first)
            .values_list(
                "village_id", "pk", "name", "slug", "price", "category__is_staple", "updated_at"
            )
        )
    flagships: dict[int, list[Flagship]] = {}
    for village_id, pk, name, slug, price, is_staple, changed in rows:
        flagships.setdefault(village_id, []).append(
            Flagship(pk=pk, name=name, slug=slug, price=price, is_staple=is_staple, changed=changed)
        )
    return flagships


def villages_for_filter() -> list[Village]:
    """Villages to choose from in the search filters."""
    return list(Village.objects.only("id", "name", "slug").order_by("name", "pk"))
