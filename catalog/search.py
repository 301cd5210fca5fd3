"""Search across the market: the filter form, and the query behind pages and the API.

On PostgreSQL a product matches when, for every word of the query, its name or description
holds a word starting with it (full-text search, ``simple`` configuration: Indonesian has no
stemmer there) or its name holds a word spelt close to it (trigram similarity against the
list of words used in product names, so ``bras`` finds ``beras``); or when its category's
name matches the query. Results are ranked by trigram word similarity of the name, then the
weighted full-text rank (name over category).

On SQLite (development) a plain ``icontains`` search stands in, tolerating one typo per word
by comparing query words with the words of a bounded set of product and category names.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorField,
    TrigramWordSimilarity,
)
from django.core.cache import cache
from django.db import connection, models
from django.db.models import Case, F, FloatField, Q, QuerySet, Value, When
from django.db.models.expressions import CombinedExpression, RawSQL
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from catalog.enums import ProductKind
from catalog.models import Category, Product
from catalog.selectors.storefront import (
    MAX_PAGE,
    PER_PAGE,
    CategoryTree,
    ProductPage,
    card_page,
    product_cards,
    product_page,
    public_products,
    visible_products,
)
from villages.models import Village

MAX_QUERY_LENGTH = 100
MAX_WORDS = 8
MAX_PRICE = 1_000_000_000_000  # a trillion rupiah: no village sells anything dearer
# Trigram similarity (0..1) at or above which a word of the product names counts as a
# spelling of a query word: ``bras``/``beras`` 0.38, ``telor``/``telur`` 0.33. It is
# pg_trgm's default ``similarity_threshold``, which the ``%`` operator (and so the trigram
# index of the word list) uses.
SPELLING_SIMILARITY = 0.3
SPELLINGS_PER_WORD = 8  # the closest ones; a common short word has many neighbours
# Relevance is computed for at most this many matches (PostgreSQL). A word as common as
# ``beras`` matches a tenth of the market; ranking every match would cost a full pass over
# them on each page. Sorting by newest or price still sees every match.
RANKED_MATCHES = 500
# On SQLite, how many recent product names feed the typo-tolerant vocabulary.
FALLBACK_VOCABULARY_NAMES = 2000
# How long a page of best matches is remembered (seconds; SEARCH_CACHE_SECONDS overrides).
DEFAULT_SEARCH_CACHE_SECONDS = 30
TYPO_CUTOFF = 0.75  # difflib ratio: ``bras``/``beras`` 0.89, ``telor``/``telur`` 0.8


class ProductSort(models.TextChoices):
    RELEVANCE = "relevance", _("Best match")  # only with a query; else the newest first
    NEWEST = "newest", _("Newest")
    PRICE_ASC = "price_asc", _("Cheapest first")
    PRICE_DESC = "price_desc", _("Most expensive first")


@dataclass(frozen=True)
class ProductQuery:
    """What a resident asked for. ``category_ids`` is the chosen category and its subtree."""

    text: str = ""
    village: Village | None = None
    category: Category | None = None
    category_ids: tuple[int, ...] = ()
    staple_only: bool = False
    in_stock: bool = False
    min_price: int | None = None
    max_price: int | None = None
    sort: str = ""
    page: int = 1

    @property
    def effective_sort(self) -> str:
        if self.sort == ProductSort.RELEVANCE or not self.sort:
            return ProductSort.RELEVANCE if self.words else ProductSort.NEWEST
        return self.sort

    @property
    def has_filters(self) -> bool:
        """Anything chosen besides the words, the sort and the page."""
        return bool(
            self.village
            or self.category
            or self.staple_only
            or self.in_stock
            or self.min_price is not None
            or self.max_price is not None
        )

    @property
    def words(self) -> list[str]:
        return query_words(self.text)


SPELLING = re.compile(r"[^\W\d_]+")  # letters only: safe inside a raw tsquery


def query_words(text: str) -> list[str]:
    """Lower-case words of letters and digits, at most MAX_WORDS of them."""
    return re.findall(r"\w+", text.lower())[:MAX_WORDS]


# --- the filter form -----------------------------------------------------------------


SELECTED = mark_safe(" selected")


class OptionsSelect(forms.Select):
    """A select that writes its options itself, in one pass.

    Django's select renders a template per option (and one for its attributes); with every
    village and category to choose from, that was most of the search page's rendering.
    The markup is the same, with the same attributes (``selected``, ``aria-invalid``).
    Flat choices only: no option groups.
    """

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        # The widget without its option groups, which make a dict and attributes per option.
        widget = forms.Widget.get_context(self, name, value, attrs)["widget"]
        chosen = set(widget["value"])
        options = []
        for option_value, label in self.choices:
            text = "" if option_value is None else str(option_value)
            selected = text in chosen
            if selected:
                chosen = set()  # one option selected at most, the first, as Django does
            options.append((text, SELECTED if selected else "", label))
        options_html = format_html_join("\n", '  <option value="{}"{}>{}</option>\n', options)
        return format_html(
            '<select name="{}"{}>\n{}\n</select>',
            widget["name"],
            html_attributes(widget["attrs"]),
            options_html,
        )


class InputWritten:
    """For an input widget: writes its ``<input>`` itself, as Django's ``input.html`` does.

    Django renders two templates per input (the input and its attributes); the search page
    has five. Same markup, attributes in the same order.
    """

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]  # type: ignore[attr-defined]  # a Widget's
        value_attribute = (
            format_html(' value="{}"', str(widget["value"])) if widget["value"] is not None else ""
        )
        return format_html(
            '<input type="{}" name="{}"{}{}>',
            widget["type"],
            widget["name"],
            value_attribute,
            html_attributes(widget["attrs"]),
        )


class SearchInput(InputWritten, forms.TextInput):
    pass


class NumberInput(InputWritten, forms.NumberInput):
    pass


class CheckboxInput(InputWritten, forms.CheckboxInput):
    pass


def html_attributes(attrs: Mapping[str, Any]) -> SafeString:
    """Attributes as Django's ``attrs.html`` writes them: in order, ``True`` bare, ``False``
    and ``None`` left out."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False and value is not None
        ),
    )


class PriceField(forms.IntegerField):
    default_error_messages = {
        "invalid": _("Write a price as a whole number of rupiah, for example 12500."),
    }

    widget = NumberInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, min_value=0, max_value=MAX_PRICE, **kwargs)


class ProductSearchForm(forms.Form):
    """The filters of the search page and of ``GET /api/v1/products/`` (GET parameters).

    Villages and categories are given by the caller, who has read them already.
    """

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        strip=True,
        widget=SearchInput,
    )
    village = forms.ChoiceField(label=_("Village"), required=False, widget=OptionsSelect)
    category = forms.ChoiceField(label=_("Category"), required=False, widget=OptionsSelect)
    staple = forms.BooleanField(
        label=_("Staple food only (BLT voucher)"), required=False, widget=CheckboxInput
    )
    in_stock = forms.BooleanField(label=_("In stock only"), required=False, widget=CheckboxInput)
    min_price = PriceField(label=_("Lowest price (Rp)"))
    max_price = PriceField(label=_("Highest price (Rp)"))
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[("", _("Best match")), *ProductSort.choices],
        widget=OptionsSelect,
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)

    def __init__(
        self,
        data: Mapping[str, Any] | None,
        *,
        villages: Sequence[Village],
        tree: CategoryTree,
    ) -> None:
        super().__init__(data)
        self.villages = {v.slug: v for v in villages}
        self.tree = tree
        village_field: Any = self.fields["village"]
        village_field.choices = [("", _("All villages")), *((v.slug, v.name) for v in villages)]
        category_field: Any = self.fields["category"]
        category_field.choices = [("", _("All categories")), *self._category_choices()]

    def _category_choices(self) -> list[tuple[str, str]]:
        """Parents before children; a child's label names its parent."""
        choices: list[tuple[str, str]] = []
        for category in self.tree.in_tree_order():
            parent = self.tree.parent_of(category)
            label = f"{parent.name}: {category.name}" if parent else category.name
            choices.append((category.slug, label))
        return choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("min_price"), data.get("max_price")
        if low is not None and high is not None and low > high:
            self.add_error(
                "max_price", _("The highest price must not be lower than the lowest price.")
            )
        return data

    def to_query(self) -> ProductQuery:
        """The validated filters; call only after ``is_valid()`` returned True."""
        data = self.cleaned_data
        category = self.tree.by_slug.get(data["category"]) if data["category"] else None
        return ProductQuery(
            text=data["q"],
            village=self.villages.get(data["village"]) if data["village"] else None,
            category=category,
            category_ids=tuple(self.tree.subtree_ids(category)) if category else (),
            staple_only=data["staple"],
            in_stock=data["in_stock"],
            min_price=data["min_price"],
            max_price=data["max_price"],
            sort=data["sort"],
            page=data["page"] or 1,
        )


# --- the search ----------------------------------------------------------------------


def search_products(query: ProductQuery, *, tree: CategoryTree) -> ProductPage:
    """One page of public products matching ``query``, in the order it asks for.

    Queries: one for the close spellings of the words (PostgreSQL, with words only), one for
    the products, one for their photos; SQLite adds one for its typo vocabulary.
    """
    words = query.words
    sort = query.effective_sort
    if words and sort == ProductSort.RELEVANCE and connection.vendor == "postgresql":
        return _best_matches_postgresql(query, words, tree=tree)
    products = filter_products(public_products(), query)
    if words:
        products = match_words(products, words, tree=tree, ranked=sort == ProductSort.RELEVANCE)
    if sort == ProductSort.NEWEST:
        products = products.order_by("-created_at", "-pk")
    elif sort == ProductSort.PRICE_ASC:
        products = products.order_by("price", "pk")
    elif sort == ProductSort.PRICE_DESC:
        products = products.order_by("-price", "-pk")
    else:
        products = products.order_by(F("relevance").desc(), "-created_at", "-pk")
    return product_page(product_cards(products), number=query.page)


def filter_products(products: QuerySet[Product], query: ProductQuery) -> QuerySet[Product]:
    if query.village is not None:
        products = products.filter(village=query.village)
    if query.category_ids:
        products = products.filter(category_id__in=query.category_ids)
    if query.staple_only:
        products = products.filter(category__is_staple=True)
    if query.in_stock:
        products = products.filter(~Q(kind=ProductKind.GOODS) | Q(stock__gt=0))
    if query.min_price is not None:
        products = products.filter(price__gte=query.min_price)
    if query.max_price is not None:
        products = products.filter(price__lte=query.max_price)
    return products


def match_words(
    products: QuerySet[Product], words: list[str], *, tree: CategoryTree, ranked: bool
) -> QuerySet[Product]:
    """Keep the products matching ``words``; if ``ranked``, with a ``relevance`` to order by
    (on PostgreSQL, search_products ranks through _best_matches_postgresql instead)."""
    category_ids = matching_category_ids(words, tree.categories)
    if connection.vendor == "postgresql":
        return _match_postgresql(products, words, category_ids, ranked=ranked)
    return _match_fallback(products, words, category_ids, tree.categories)


@functools.lru_cache(maxsize=4096)
def word_matches(word: str, candidate: str) -> bool:
    """``candidate`` starts with ``word``, or differs from it by about one letter.

    Remembered: every search compares its words with the words of every category name,
    and a difflib ratio costs tens of microseconds."""
    if candidate.startswith(word):
        return True
    return len(word) >= 3 and difflib.SequenceMatcher(None, word, candidate).ratio() >= TYPO_CUTOFF


def matching_category_ids(words: list[str], categories: Sequence[Category]) -> list[int]:
    """Categories whose name has, for every query word, a word that matches it."""
    ids = []
    for category in categories:
        names = query_words(category.name)
        if all(any(word_matches(word, name) for name in names) for word in words):
            ids.append(category.pk)
    return ids


def _match_postgresql(
    products: QuerySet[Product], words: list[str], category_ids: list[int], *, ranked: bool
) -> QuerySet[Product]:
    tsquery = SearchQuery(spelling_tsquery(words), config="simple", search_type="raw")
    # The stored document and its GIN index (migration 0004); the category test is the
    # cheapest, so it comes first.
    matched = products.filter(Q(category_id__in=category_ids) | Q(search_document=tsquery))
    if not ranked:
        return matched
    return matched.annotate(relevance=relevance_expression(words, tsquery, category_ids))


def spelling_tsquery(words: list[str]) -> str:
    """A raw tsquery: every word, each as a prefix anywhere (``ber`` already finds
    ``beras``) or as one of its close spellings in the name (``'beras':A``). Query words are
    word characters and spellings letters only, so it cannot be malformed. One query."""
    spellings = name_spellings(words)
    return " & ".join(
        "(" + " | ".join([f"{word}:*", *(f"{s}:A" for s in spellings[word])]) + ")"
        for word in words
    )


def relevance_expression(
    words: list[str], tsquery: SearchQuery, category_ids: list[int]
) -> CombinedExpression:
    """How well a product matches (PostgreSQL); RANKED_PAGE_SQL and PAGE_RELEVANCE_SQL
    compute the same.

    Weights: a close name counts most, then the category, then the words anywhere in the
    name (A), category (B) or description (D, stored); a match in the description alone
    ranks last.
    """
    weighted = CombinedExpression(
        F("search_document"),
        "||",
        SearchVector("category__name", config="simple", weight="B"),
        output_field=SearchVectorField(),
    )
    in_category = Case(
        When(category_id__in=category_ids or [0], then=Value(0.3)),
        default=Value(0.0),
        output_field=FloatField(),
    )
    return (
        TrigramWordSimilarity(" ".join(words), "name") + SearchRank(weighted, tsquery) + in_category
    )


# The ids of one page of the best matches, in order, and one more to tell whether a next
# page exists. ``{candidates}`` is the query of the matches (id, name, stored document,
# category, creation time), cut at RANKED_MATCHES; they are ranked from the rows it read,
# without reading them again, and each category's document is made once rather than per
# match. The relevance is relevance_expression's.
RANKED_PAGE_SQL = """
    WITH category_document AS MATERIALIZED (
        SELECT id, setweight(to_tsvector('simple', coalesce(name, '')), 'B') AS document
        FROM catalog_category
    )
    SELECT match.id
    FROM ({candidates}) AS match (id, name, document, category_id, created_at)
    JOIN category_document ON category_document.id = match.category_id
    ORDER BY
        word_similarity(%s, match.name)
        + ts_rank(match.document || category_document.document, to_tsquery('simple', %s))
        + CASE WHEN match.category_id = ANY(%s::bigint[]) THEN 0.3 ELSE 0.0 END DESC,
        match.created_at DESC,
        match.id DESC
    LIMIT %s OFFSET %s
"""


# relevance_expression for the page's products, whose query joins each product's category
# (``public_products``) under its table's name; written out, it costs a fraction of
# building the expression.
PAGE_RELEVANCE_SQL = """
    word_similarity(%s, "catalog_product"."name")
    + ts_rank(
        "catalog_product"."search_document"
        || setweight(to_tsvector('simple', coalesce("catalog_category"."name", '')), 'B'),
        to_tsquery('simple', %s)
    )
    + CASE WHEN "catalog_product"."category_id" = ANY(%s::bigint[]) THEN 0.3 ELSE 0.0 END
"""


def search_cache_seconds() -> int:
    """How long the ids of a page of best matches are kept (``SEARCH_CACHE_SECONDS``,
    default 30); 0 turns the cache off."""
    return int(getattr(settings, "SEARCH_CACHE_SECONDS", DEFAULT_SEARCH_CACHE_SECONDS))


def _ranked_page_key(query: ProductQuery, words: list[str], number: int) -> str:
    """The cache key of a page of best matches: the words and every filter that chose them."""
    asked = repr(
        (
            words,
            query.village.pk if query.village is not None else None,
            query.category_ids,
            query.staple_only,
            query.in_stock,
            query.min_price,
            query.max_price,
            number,
        )
    )
    return "catalog:best-matches:v1:" + hashlib.sha256(asked.encode()).hexdigest()


def _best_matches_postgresql(
    query: ProductQuery, words: list[str], *, tree: CategoryTree
) -> ProductPage:
    """Page ``query.page`` of the matches by relevance.

    When the matches fill the page and more (a common word: a staple's name, often
    misspelt), the ids of the page and of the one match more that tells a next page exists
    are kept in the cache for ``search_cache_seconds()``, so the word is ranked once in
    that time. A remembered page costs two queries: its products by id (still public: one
    withdrawn meanwhile leaves a gap; prices and stock are today's), their photos. A product
    renamed or added meanwhile is ranked when the entry expires. Fewer matches than a page
    are not remembered (a new or renamed product is found at once), nor are sorts by newest
    or price.

    Otherwise three queries: close spellings, the page's products (chosen by
    RANKED_PAGE_SQL, then ordered by the same relevance, PAGE_RELEVANCE_SQL, which costs
    little for one page), their photos.

    Only the first RANKED_MATCHES matches are ranked: a word as common as ``beras`` matches
    a tenth of the market, and ranking every match would cost a full pass over them on
    each page. Sorting by newest or price still sees every match.
    """
    number = min(max(query.page, 1), MAX_PAGE)
    seconds = search_cache_seconds()
    key = _ranked_page_key(query, words, number) if seconds > 0 else ""
    cached_ids = cache.get(key) if key else None
    if cached_ids is not None:
        shown = cached_ids[:PER_PAGE]
        by_id = {p.pk: p for p in product_cards(public_products().filter(pk__in=shown))}
        page = card_page([by_id[pk] for pk in shown if pk in by_id], number=number)
        return dataclasses.replace(page, has_next=len(cached_ids) > PER_PAGE)
    category_ids = matching_category_ids(words, tree.categories)
    raw_tsquery = spelling_tsquery(words)
    tsquery = SearchQuery(raw_tsquery, config="simple", search_type="raw")
    candidates = (
        filter_products(visible_products(), query)
        .filter(Q(category_id__in=category_ids) | Q(search_document=tsquery))
        .order_by()
        .values_list("pk", "name", "search_document", "category_id", "created_at")
    )[:RANKED_MATCHES]
    candidates_sql, candidates_params = candidates.query.sql_with_params()
    page_ids = RawSQL(  # noqa: S611  # our constant SQL around the ORM's; every value a parameter
        RANKED_PAGE_SQL.format(candidates=candidates_sql),
        (
            *candidates_params,
            " ".join(words),
            raw_tsquery,
            category_ids,
            PER_PAGE + 1,
            (number - 1) * PER_PAGE,
        ),
    )
    relevance = RawSQL(  # noqa: S611  # our constant SQL; every value a parameter
        PAGE_RELEVANCE_SQL, (" ".join(words), raw_tsquery, category_ids), FloatField()
    )
    products = list(
        product_cards(
            public_products()
            .filter(pk__in=page_ids)
            .annotate(relevance=relevance)
            .order_by(F("relevance").desc(), "-created_at", "-pk")
        )
    )
    if key and len(products) > PER_PAGE:  # a common word: it fills a page and more
        cache.set(key, [product.pk for product in products], seconds)
    return card_page(products, number=number)


def name_spellings(words: list[str]) -> dict[str, list[str]]:
    """For each query word of three letters or more, the words of product names spelt close
    to it (PostgreSQL, one query): up to SPELLINGS_PER_WORD, the closest first.

    The word list ``catalog_search_word`` is kept by a trigger (migration 0004); the ``%``
    operator lets its trigram index find the neighbours without reading every word.
    """
    spellings: dict[str, list[str]] = {word: [] for word in words}
    long_words = [word for word in spellings if len(word) >= 3]
    if not long_words:
        return spellings
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT query.word, near.word
            FROM unnest(%s::text[]) AS query (word)
            CROSS JOIN LATERAL (
                SELECT w.word FROM catalog_search_word w
                WHERE w.word %% query.word AND similarity(w.word, query.word) >= %s
                ORDER BY similarity(w.word, query.word) DESC, w.word
                LIMIT %s
            ) AS near
            """,
            [long_words, SPELLING_SIMILARITY, SPELLINGS_PER_WORD],
        )
        for word, spelling in cursor.fetchall():
            if spelling != word and SPELLING.fullmatch(spelling):
                spellings[word].append(spelling)
    return spellings


def _match_fallback(
    products: QuerySet[Product],
    words: list[str],
    category_ids: list[int],
    categories: Sequence[Category],
) -> QuerySet[Product]:
    vocabulary = _fallback_vocabulary(categories)
    relevance: Any = Value(0)
    for word in words:
        spellings = [word, *difflib.get_close_matches(word, vocabulary, n=3, cutoff=TYPO_CUTOFF)]
        in_name = Q()
        in_text = Q()
        for spelling in dict.fromkeys(spellings):
            in_name |= Q(name__icontains=spelling)
            in_text |= Q(description__icontains=spelling) | Q(category__name__icontains=spelling)
        products = products.filter(in_name | in_text | Q(category_id__in=category_ids))
        relevance = relevance + Case(
            When(in_name, then=Value(3)), When(in_text, then=Value(1)), default=Value(0)
        )
    return products.annotate(relevance=relevance)


def _fallback_vocabulary(categories: Sequence[Category]) -> list[str]:
    """Words of the newest product names (a bounded set) and of every category name."""
    names = (
        Product.objects.filter(is_active=True)
        .order_by("-created_at")
        .values_list("name", flat=True)[:FALLBACK_VOCABULARY_NAMES]
    )
    words: set[str] = set()
    for name in [*names, *(c.name for c in categories)]:
        words.update(w for w in query_words(name) if len(w) >= 3)
    return sorted(words)


__all__ = [
    "ProductPage",
    "ProductQuery",
    "ProductSearchForm",
    "ProductSort",
    "search_products",
]
