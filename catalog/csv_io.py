"""A seller's products as CSV: export them, edit them in a spreadsheet, import them back.

The format is documented for sellers in ``docs/csv-products.md``. Export writes every
column; import matches rows to the seller's products by ``slug``, updates those and creates
the others. An import is all or nothing: every row is validated first, and a single bad row
means nothing is written and each problem is reported with its row and column. A good file
is applied in one transaction with bulk statements, and every change of stock is written as
a stock movement, so a product's stock still equals the sum of its movements.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog import services
from catalog.enums import ProductKind, StockMovementKind
from catalog.models import Category, Product, StockMovement
from core.exceptions import DomainError
from villages.exceptions import NotAllowedForVillage
from villages.models import Seller
from villages.tenancy import scope_for

# The columns, in the order export writes them. Import reads them by header name, in any order.
COLUMNS = (
    "slug",
    "name",
    "category",
    "kind",
    "price",
    "unit",
    "weight_grams",
    "stock",
    "is_active",
    "is_flagship",
    "description",
    "capacity",
    "tour_date",
    "meeting_point",
)
REQUIRED_COLUMNS = ("name", "category", "price")
MAX_ROWS = 10_000
MAX_BYTES = 5 * 1024 * 1024
MAX_PRICE = 1_000_000_000_000  # a trillion rupiah: anything above is a typo
MAX_COUNT = 1_000_000_000  # stock, capacity, grams: keeps well inside a 32-bit column
BATCH_SIZE = 500

TRUE_WORDS = frozenset({"1", "true", "yes", "y", "ya", "benar"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "tidak", "salah"})
KIND_WORDS = {
    "goods": ProductKind.GOODS,
    "barang": ProductKind.GOODS,
    "service": ProductKind.SERVICE,
    "jasa": ProductKind.SERVICE,
    "tour": ProductKind.TOUR,
    "wisata": ProductKind.TOUR,
    "paket wisata": ProductKind.TOUR,
}
_CURRENCY = re.compile(r"^(?:rp\.?|idr)\s*", re.IGNORECASE)
_CENTS = re.compile(r"(?:,-|,00)$")
_PLAIN_NUMBER = re.compile(r"^\d+$")
_GROUPED_NUMBER = re.compile(r"^\d{1,3}(?:\.\d{3})+$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class RowError:
    """One problem of an import. ``row`` counts like a spreadsheet: the header is row 1."""

    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    stock_movements: int


class ProductImportInvalid(DomainError):
    """The file, or at least one of its rows, is wrong; nothing was written."""

    code = "csv_invalid"

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(
            gettext_lazy("The file was not imported: fix the rows listed and upload it again."),
            extra={"errors": [error.as_dict() for error in errors]},
        )
        self.errors = errors


class ProductImportConflict(DomainError):
    """The seller's products changed while the file was read; nothing was written."""

    code = "csv_conflict"

    def __init__(self) -> None:
        super().__init__(
            gettext_lazy(
                "The products changed while the file was being imported. Nothing was "
                "imported; please upload the file again."
            )
        )


# --- export -------------------------------------------------------------------------------


def _export_row(product: Product) -> list[str]:
    return [
        product.slug,
        product.name,
        product.category.slug,
        product.kind,
        str(product.price),
        product.unit,
        "" if product.weight_grams is None else str(product.weight_grams),
        str(product.stock),
        "true" if product.is_active else "false",
        "true" if product.is_flagship else "false",
        product.description,
        "" if product.capacity is None else str(product.capacity),
        product.tour_date.isoformat() if product.tour_date else "",
        product.meeting_point,
    ]


class _Echo:
    """A file-like object whose ``write`` hands the text back, for streaming responses."""

    def write(self, value: str) -> str:
        return value


def export_products_csv(*, seller: Seller) -> Iterator[str]:
    """Every product of ``seller`` as CSV lines, header first, with a UTF-8 byte-order mark.

    The mark makes spreadsheet programs read Indonesian text right; import accepts it.
    Two queries whatever the number of products (the products are read in chunks).
    """
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(COLUMNS)
    products = (
        Product.objects.filter(seller=seller).select_related("category").order_by("name", "pk")
    )
    for product in products.iterator(chunk_size=2000):
        yield writer.writerow(_export_row(product))


# --- reading and validating ---------------------------------------------------------------


@dataclass
class _Row:
    """The cleaned cells of one data row; ``None`` means the cell was left empty."""

    number: int
    slug: str | None = None
    name: str = ""
    category: Category | None = None
    kind: str | None = None
    price: int = 0
    unit: str | None = None
    weight_grams: int | None = None
    stock: int | None = None
    is_active: bool | None = None
    is_flagship: bool | None = None
    description: str | None = None
    capacity: int | None = None
    tour_date: datetime.date | None = None
    meeting_point: str | None = None
    errors: list[RowError] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)  # every field the product will have

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.number, column, message))


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ProductImportInvalid(
            [
                RowError(
                    0,
                    "",
                    _(
                        "The file is not UTF-8 text (byte %(position)s). In your spreadsheet "
                        "choose “Save as” → “CSV UTF-8” and upload it again."
                    )
                    % {"position": error.start + 1},
                )
            ]
        ) from error


def _delimiter(text: str) -> str:
    """A comma, or the semicolon that spreadsheets set to Indonesian use instead."""
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def _records(text: str) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    except csv.Error as error:
        raise ProductImportInvalid(
            [
                RowError(
                    0, "", _("The file is not a CSV file we can read: %(error)s") % {"error": error}
                )
            ]
        ) from error


def _header(cells: list[str]) -> list[str]:
    names = [cell.strip().lower() for cell in cells]
    while names and not names[-1]:
        names.pop()  # spreadsheets sometimes write empty trailing columns
    errors = []
    seen: set[str] = set()
    for name in names:
        if name not in COLUMNS:
            errors.append(
                RowError(
                    1,
                    name,
                    _("Unknown column “%(name)s”. The columns are: %(columns)s.")
                    % {"name": name, "columns": ", ".join(COLUMNS)},
                )
            )
        elif name in seen:
            errors.append(RowError(1, name, _("Column “%(name)s” appears twice.") % {"name": name}))
        seen.add(name)
    for name in REQUIRED_COLUMNS:
        if name not in seen:
            errors.append(RowError(1, name, _("Column “%(name)s” is missing.") % {"name": name}))
    if errors:
        raise ProductImportInvalid(errors)
    return names


def parse_rupiah(text: str) -> int | None:
    """``12500``, ``12.500``, ``Rp12.500``, ``Rp 12.500,-`` → ``12500``; ``None`` otherwise."""
    value = _CENTS.sub("", _CURRENCY.sub("", text.strip().replace("\xa0", " "))).replace(" ", "")
    if _PLAIN_NUMBER.match(value) or _GROUPED_NUMBER.match(value):
        return int(value.replace(".", ""))
    return None


def _whole_number(text: str) -> int | None:
    value = text.strip().replace(" ", "")
    if _PLAIN_NUMBER.match(value) or _GROUPED_NUMBER.match(value):
        return int(value.replace(".", ""))
    return None


def _text(row: _Row, column: str, value: str, *, max_length: int) -> str:
    if len(value) > max_length:
        row.error(column, _("At most %(max)s characters.") % {"max": max_length})
    return value


def _count(row: _Row, column: str, value: str, *, minimum: int) -> int | None:
    number = _whole_number(value)
    if number is None or number < minimum or number > MAX_COUNT:
        if minimum > 0:
            row.error(column, _("Enter a whole number above zero, e.g. 25."))
        else:
            row.error(column, _("Enter a whole number, zero or more, e.g. 25."))
        return None
    return number


def _boolean(row: _Row, column: str, value: str) -> bool | None:
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    row.error(column, _("Enter true or false (also accepted: ya/tidak, 1/0)."))
    return None


def _clean_cell(row: _Row, column: str, raw: str, categories: dict[str, Category]) -> None:
    """Check one non-empty cell and put its value on ``row`` (or an error)."""
    value = raw.strip()
    if column == "slug":
        if not _SLUG.match(value):
            row.error(
                column,
                _("Use only lowercase letters, digits and hyphens, e.g. beras-merah."),
            )
        row.slug = _text(row, column, value, max_length=170)
    elif column == "name":
        row.name = _text(row, column, value, max_length=150)
    elif column == "category":
        row.category = categories.get(value.lower())
        if row.category is None:
            row.error(column, _("No category has the slug “%(slug)s”.") % {"slug": value})
    elif column == "kind":
        row.kind = KIND_WORDS.get(value.lower())
        if row.kind is None:
            row.error(column, _("Kind must be one of: goods, service, tour."))
    elif column == "price":
        price = parse_rupiah(value)
        if price is None or not 0 < price <= MAX_PRICE:
            row.error(
                column,
                _("Enter the price in whole rupiah above zero, e.g. 12500, 12.500 or Rp12.500."),
            )
        else:
            row.price = price
    elif column == "unit":
        row.unit = _text(row, column, value, max_length=20)
    elif column == "weight_grams":
        row.weight_grams = _count(row, column, value, minimum=1)
    elif column == "stock":
        row.stock = _count(row, column, value, minimum=0)
    elif column in ("is_active", "is_flagship"):
        setattr(row, column, _boolean(row, column, value))
    elif column == "description":
        row.description = raw.strip()
    elif column == "capacity":
        row.capacity = _count(row, column, value, minimum=1)
    elif column == "tour_date":
        try:
            row.tour_date = datetime.date.fromisoformat(value)
        except ValueError:
            row.error(column, _("Enter the date as year-month-day, e.g. 2026-08-17."))
    elif column == "meeting_point":
        row.meeting_point = _text(row, column, value, max_length=200)


# Columns whose empty cell keeps the product's current value (or the default, when new).
_OPTIONAL_FIELDS = (
    "kind",
    "unit",
    "weight_grams",
    "is_active",
    "is_flagship",
    "description",
    "capacity",
    "tour_date",
    "meeting_point",
)
_NEW_PRODUCT_DEFAULTS: dict[str, Any] = {
    "kind": ProductKind.GOODS,
    "unit": "pcs",
    "weight_grams": None,
    "is_active": True,
    "is_flagship": False,
    "description": "",
    "capacity": None,
    "tour_date": None,
    "meeting_point": "",
}
# Fields that belong to one kind only: emptied when a row changes the kind and leaves them blank.
_KIND_ONLY_FIELDS = {
    "weight_grams": (ProductKind.GOODS, None),
    "capacity": (ProductKind.TOUR, None),
    "tour_date": (ProductKind.TOUR, None),
    "meeting_point": (ProductKind.TOUR, ""),
}
# What ``validate_product_fields`` takes, of a new product's values.
_CREATE_ARGUMENTS = frozenset(
    {"name", "category", "price", "unit", "kind", "weight_grams", "capacity", "tour_date"}
    | {"meeting_point"}
)
# Keys of the product services' validation errors that are named differently here.
_COLUMN_OF_FIELD = {"initial_stock": "stock"}


def _check_row(row: _Row, current: Product | None) -> None:
    """Work out the values the product will have and check them by the product rules.

    Empty cells keep the current value (or take the default, for a new product). The rules
    are the product services' own (``validate_product_fields`` for a new product,
    ``validate_product_update`` for an existing one), so an import accepts exactly what
    the product form accepts.
    """
    given = {name: getattr(row, name) for name in _OPTIONAL_FIELDS}
    given = {name: value for name, value in given.items() if value is not None}
    given |= {"name": row.name, "category": row.category, "price": row.price}
    try:
        if current is None:
            values = _NEW_PRODUCT_DEFAULTS | given
            services.validate_product_fields(
                initial_stock=row.stock or 0,
                **{k: v for k, v in values.items() if k in _CREATE_ARGUMENTS},
            )
        else:
            services.validate_product_update(product=current, **given)
            values = {name: getattr(current, name) for name in _OPTIONAL_FIELDS} | given
            if values["kind"] != current.kind:  # as update_product: clear the old kind's fields
                for name, (only_kind, empty) in _KIND_ONLY_FIELDS.items():
                    if name not in given and values["kind"] != only_kind:
                        values[name] = empty
            if values["kind"] != ProductKind.GOODS and row.stock:
                row.error("stock", _("Only goods keep stock."))
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            for message in messages:
                row.error(_COLUMN_OF_FIELD.get(key, key), message)
        return
    row.values = values


@dataclass
class _Plan:
    rows: list[_Row]
    existing: dict[str, Product]


def _plan(*, seller: Seller, data: bytes) -> _Plan:
    """Every row read and checked against the seller's products; raises on any problem."""
    if len(data) > MAX_BYTES:
        raise ProductImportInvalid(
            [
                RowError(
                    0,
                    "",
                    _("The file is larger than %(megabytes)s MB; split it into smaller files.")
                    % {"megabytes": MAX_BYTES // (1024 * 1024)},
                )
            ]
        )
    records = _records(_decode(data))
    if not records or not any(cell.strip() for cell in records[0]):
        raise ProductImportInvalid(
            [RowError(1, "", _("The file is empty: it needs a header row."))]
        )
    header = _header(records[0])
    body = records[1:]
    if len(body) > MAX_ROWS:
        raise ProductImportInvalid(
            [
                RowError(
                    MAX_ROWS + 2,
                    "",
                    _("The file has more than %(max)s rows; split it into smaller files.")
                    % {"max": MAX_ROWS},
                )
            ]
        )
    categories = {c.slug: c for c in Category.objects.all()}
    existing = {p.slug: p for p in Product.objects.filter(seller=seller).select_related("category")}
    rows: list[_Row] = []
    first_row_of_slug: dict[str, int] = {}
    for index, cells in enumerate(body):
        number = index + 2
        if not any(cell.strip() for cell in cells):
            continue  # a blank line
        row = _Row(number=number)
        extra = [cell for cell in cells[len(header) :] if cell.strip()]
        if extra:
            row.error(
                "",
                _("This row has %(count)s cells but the header has %(expected)s columns.")
                % {"count": len(cells), "expected": len(header)},
            )
        for column, raw in zip(header, cells, strict=False):
            if raw.strip():
                _clean_cell(row, column, raw, categories)
        for column in REQUIRED_COLUMNS:
            position = header.index(column)
            if position >= len(cells) or not cells[position].strip():
                row.error(column, _("This cell is required."))
        if row.slug:
            if row.slug in first_row_of_slug:
                row.error(
                    "slug",
                    _("The slug “%(slug)s” is also used in row %(row)s.")
                    % {"slug": row.slug, "row": first_row_of_slug[row.slug]},
                )
            else:
                first_row_of_slug[row.slug] = number
        if not row.errors:
            _check_row(row, existing.get(row.slug or ""))
        rows.append(row)
    errors = [error for row in rows for error in row.errors]
    if errors:
        raise ProductImportInvalid(errors)
    if not rows:
        raise ProductImportInvalid([RowError(2, "", _("The file has no product rows."))])
    return _Plan(rows=rows, existing=existing)


def validate_products_csv(*, seller: Seller, data: bytes) -> int:
    """Check a file without writing anything; the number of product rows it holds.

    Raises ``ProductImportInvalid`` listing every problem found.
    """
    return len(_plan(seller=seller, data=data).rows)


# --- applying -----------------------------------------------------------------------------


def _new_slugs(rows: Iterable[_Row], taken: set[str]) -> None:
    """Give rows without a slug one made from the name, unique within the seller."""
    for row in rows:
        if row.slug:
            continue
        base = slugify(row.name)[:160] or "produk"
        slug, suffix = base, 2
        while slug in taken:
            slug, suffix = f"{base}-{suffix}", suffix + 1
        row.slug = slug
        taken.add(slug)


def import_products(
    *, acting_user: Any, seller: Seller, data: bytes, filename: str = ""
) -> ImportResult:
    """Create and update ``seller``'s products from CSV ``data``: all rows, or none.

    Preconditions: ``acting_user`` may manage ``seller`` (else ``NotAllowedForVillage``).
    Raises ``ProductImportInvalid`` (with every row error) before writing anything.
    Postconditions: in one transaction, products matched by slug are updated, the others
    created, and each product whose ``stock`` cell differs from its stock gets one stock
    movement of the difference (a restock for a new product, a correction otherwise), so
    stock equals the sum of movements. The seller's matched products are locked in
    primary-key order while their stock is set.
    """
    if not scope_for(acting_user).can_manage_seller(
        seller_id=seller.pk, village_id=seller.village_id
    ):
        raise NotAllowedForVillage()
    plan = _plan(seller=seller, data=data)
    _new_slugs(plan.rows, set(plan.existing) | {r.slug for r in plan.rows if r.slug})
    reason = (_("CSV import %(file)s") % {"file": filename[:150]}).strip()
    try:
        return _apply(acting_user=acting_user, seller=seller, plan=plan, reason=reason)
    except IntegrityError as error:  # a product with one of the new slugs appeared meanwhile
        raise ProductImportConflict() from error


def _current(product: Product, name: str) -> Any:
    # The category is compared by id: reading ``product.category`` would cost a query.
    return product.category_id if name == "category" else getattr(product, name)


def _apply(*, acting_user: Any, seller: Seller, plan: _Plan, reason: str) -> ImportResult:
    now = timezone.now()
    updates = [row for row in plan.rows if row.slug in plan.existing]
    creations = [row for row in plan.rows if row.slug not in plan.existing]
    changed: list[Product] = []
    changed_fields: set[str] = set()
    movements: list[StockMovement] = []
    unchanged = 0
    with transaction.atomic(durable=True):
        locked = {
            product.slug: product
            for product in Product.objects.select_for_update()
            .filter(pk__in=[plan.existing[str(row.slug)].pk for row in updates])
            .order_by("pk")
        }
        if len(locked) != len(updates):
            raise ProductImportConflict()
        for row in updates:
            product = locked[str(row.slug)]
            fields = {
                name: value
                for name, value in row.values.items()
                if _current(product, name) != (value.pk if name == "category" else value)
            }
            if row.stock is not None and row.stock != product.stock:
                movements.append(
                    StockMovement(
                        product=product,
                        kind=StockMovementKind.CORRECTION,
                        quantity=row.stock - product.stock,
                        stock_after=row.stock,
                        reason=reason,
                        actor=acting_user,
                    )
                )
                fields["stock"] = row.stock
            if not fields:
                unchanged += 1
                continue
            for name, value in fields.items():
                setattr(product, name, value)
            product.updated_at = now
            changed.append(product)
            changed_fields.update(fields)
        if changed:
            Product.objects.bulk_update(
                changed, sorted(changed_fields | {"updated_at"}), batch_size=BATCH_SIZE
            )
        new_products = [
            Product(
                seller=seller,
                village_id=seller.village_id,
                slug=str(row.slug),
                stock=row.stock or 0,
                **row.values,
            )
            for row in creations
        ]
        Product.objects.bulk_create(new_products, batch_size=BATCH_SIZE)
        movements.extend(
            StockMovement(
                product=product,
                kind=StockMovementKind.RESTOCK,
                quantity=product.stock,
                stock_after=product.stock,
                reason=reason,
                actor=acting_user,
            )
            for product in new_products
            if product.stock
        )
        StockMovement.objects.bulk_create(movements, batch_size=BATCH_SIZE)
    return ImportResult(
        created=len(new_products),
        updated=len(changed),
        unchanged=unchanged,
        stock_movements=len(movements),
    )
