"""Writes about products, their stock and their photos. Each owns its transaction.

Stock changes only here. One product: a conditional ``UPDATE ... WHERE stock + q >= 0``
(``_move_stock``). Several products: row locks taken in primary-key order
(``lock_products``). Either way a ``StockMovement`` is appended in the same transaction, so
a product's stock always equals the sum of its movements (docs/adr/0003-stock-ledger.md).

The services nest: a caller (an import of many rows, an order) may wrap several of them in
one transaction, and then holds their row locks until it commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from PIL import Image

from catalog import photos
from catalog.enums import PhotoStatus, ProductKind, StockMovementKind
from catalog.exceptions import (
    InsufficientStock,
    PhotoLimitReached,
    ProductNotFound,
    StockChangeInvalid,
    StockNotTracked,
)
from catalog.models import Category, Product, ProductPhoto, StockMovement
from core.tasks import enqueue_on_commit
from core.uploads import validate_image_upload
from villages.exceptions import NotAllowedForVillage
from villages.models import Seller
from villages.tenancy import scope_for


class _System:
    """The acting user of trusted code that runs without a person (demo data, commands)."""

    def __repr__(self) -> str:
        return "SYSTEM"


# Pass as ``acting_user`` from management commands and demo data only; never from a request.
# Permission checks pass and stock movements record no actor.
SYSTEM = _System()

MAX_PHOTOS_PER_PRODUCT = 8
INITIAL_STOCK_REASON = "Stok awal"  # data, in the villages' language, like category names
EDITABLE_FIELDS = frozenset(
    {
        "name",
        "category",
        "price",
        "unit",
        "kind",
        "description",
        "weight_grams",
        "capacity",
        "tour_date",
        "meeting_point",
        "is_active",
        "is_flagship",
    }
)
# Fields that only apply to one kind; they are cleared when an update changes the kind.
KIND_ONLY_FIELDS = {
    "weight_grams": ProductKind.GOODS,
    "capacity": ProductKind.TOUR,
    "tour_date": ProductKind.TOUR,
    "meeting_point": ProductKind.TOUR,
}
_EMPTY: dict[str, Any] = {"weight_grams": None, "capacity": None, "tour_date": None}


# --- permissions ------------------------------------------------------------------------


def _ensure_can_manage(acting_user: Any, *, seller_id: int, village_id: int) -> None:
    if acting_user is SYSTEM:
        return
    if not scope_for(acting_user).can_manage_seller(seller_id=seller_id, village_id=village_id):
        raise NotAllowedForVillage()


def _actor(acting_user: Any) -> Any:
    return None if acting_user is SYSTEM else acting_user


# --- products ---------------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _product_errors(values: Mapping[str, Any], *, initial_stock: int, new_date: bool) -> None:
    """Raise ``ValidationError`` keyed by field if ``values`` break a product rule."""
    errors: dict[str, Any] = {}
    kind = values["kind"]
    if not values["name"]:
        errors["name"] = _("Give the product a name.")
    elif len(values["name"]) > 150:
        errors["name"] = _("The name is too long (at most 150 characters).")
    if not isinstance(values["category"], Category):
        errors["category"] = _("Choose a category.")
    price = values["price"]
    if not _is_int(price):
        errors["price"] = _("Write the price as a whole number of rupiah.")
    elif price <= 0:
        errors["price"] = _("The price must be more than Rp0.")
    if not values["unit"]:
        errors["unit"] = _("Give a unit, for example kg, liter, butir or pcs.")
    elif len(values["unit"]) > 20:
        errors["unit"] = _("The unit is too long (at most 20 characters).")
    if kind not in ProductKind.values:
        errors["kind"] = _("Choose goods, a service or a tour package.")
    weight = values["weight_grams"]
    if weight is not None:
        if kind != ProductKind.GOODS:
            errors["weight_grams"] = _("Only goods have a weight.")
        elif not _is_int(weight) or weight <= 0:
            errors["weight_grams"] = _("Write the weight as a whole number of grams above 0.")
    if not _is_int(initial_stock) or initial_stock < 0:
        errors["initial_stock"] = _("The stock must be a whole number, 0 or more.")
    elif initial_stock and kind != ProductKind.GOODS:
        errors["initial_stock"] = _("Only goods keep stock.")
    if kind == ProductKind.TOUR:
        capacity, tour_date = values["capacity"], values["tour_date"]
        if capacity is None:
            errors["capacity"] = _("A tour package needs a capacity in persons.")
        elif not _is_int(capacity) or capacity <= 0:
            errors["capacity"] = _("The capacity must be a whole number of persons above 0.")
        if not isinstance(tour_date, date):
            errors["tour_date"] = _("A tour package needs a date.")
        elif new_date and tour_date < timezone.localdate():
            errors["tour_date"] = _("The tour date has already passed.")
        if len(values["meeting_point"]) > 200:
            errors["meeting_point"] = _("The meeting point is too long (at most 200 characters).")
    else:
        for field_name in ("capacity", "tour_date"):
            if values[field_name] is not None:
                errors[field_name] = _("Only tour packages have a date and a capacity.")
        if values["meeting_point"]:
            errors["meeting_point"] = _("Only tour packages have a meeting point.")
    if errors:
        raise ValidationError(errors)


def _normalized(fields: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(fields)
    for text_field in ("name", "unit", "description", "meeting_point"):
        if isinstance(values.get(text_field), str):
            values[text_field] = values[text_field].strip()
    return values


def validate_product_fields(
    *,
    name: str,
    category: Category | None,
    price: int,
    unit: str,
    kind: str = ProductKind.GOODS,
    weight_grams: int | None = None,
    initial_stock: int = 0,
    capacity: int | None = None,
    tour_date: date | None = None,
    meeting_point: str = "",
) -> None:
    """Check a new product's fields without writing anything (e.g. every row of an import).

    Raises ``ValidationError`` with a message per field key; returns ``None`` when valid.
    """
    values = _normalized(
        {
            "name": name,
            "category": category,
            "price": price,
            "unit": unit,
            "kind": kind,
            "weight_grams": weight_grams,
            "capacity": capacity,
            "tour_date": tour_date,
            "meeting_point": meeting_point,
        }
    )
    _product_errors(values, initial_stock=initial_stock, new_date=True)


def _unique_product_slug(*, seller: Seller, name: str) -> str:
    base = slugify(name)[:150] or "produk"
    taken = set(
        Product.objects.filter(seller=seller, slug__startswith=base).values_list("slug", flat=True)
    )
    slug, suffix = base, 2
    while slug in taken:
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug


@transaction.atomic
def create_product(
    *,
    acting_user: Any,
    seller: Seller,
    name: str,
    category: Category,
    price: int,
    unit: str,
    kind: str = ProductKind.GOODS,
    description: str = "",
    weight_grams: int | None = None,
    initial_stock: int = 0,
    capacity: int | None = None,
    tour_date: date | None = None,
    meeting_point: str = "",
    is_active: bool = True,
    is_flagship: bool = False,
) -> Product:
    """Add a product to ``seller`` (and so to its village), with a slug unique per seller.

    Raises ``NotAllowedForVillage`` or ``ValidationError`` (keyed by field; nothing written).
    A positive ``initial_stock`` is written as a RESTOCK movement.
    """
    _ensure_can_manage(acting_user, seller_id=seller.pk, village_id=seller.village_id)
    values = _normalized(
        {
            "name": name,
            "category": category,
            "price": price,
            "unit": unit,
            "kind": kind,
            "description": description,
            "weight_grams": weight_grams,
            "capacity": capacity,
            "tour_date": tour_date,
            "meeting_point": meeting_point,
            "is_active": bool(is_active),
            "is_flagship": bool(is_flagship),
        }
    )
    _product_errors(values, initial_stock=initial_stock, new_date=True)
    product = Product(
        seller=seller,
        village_id=seller.village_id,
        slug=_unique_product_slug(seller=seller, name=values["name"]),
        **values,
    )
    product.save()
    if initial_stock:
        _move_stock(
            product=product,
            quantity=initial_stock,
            kind=StockMovementKind.RESTOCK,
            reason=INITIAL_STOCK_REASON,
            actor=_actor(acting_user),
        )
    return product


@transaction.atomic
def update_product(*, acting_user: Any, product: Product, **fields: Any) -> Product:
    """Change editable fields (``EDITABLE_FIELDS``); stock, seller, village and slug stay.

    Changing the kind clears the fields of the old kind that were not passed. Refuses to
    change goods that still have stock into another kind. Raises like ``create_product``;
    an unknown field name is a ``TypeError`` (a programming mistake).
    """
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"update_product() cannot change: {', '.join(sorted(unknown))}")
    _ensure_can_manage(acting_user, seller_id=product.seller_id, village_id=product.village_id)
    current = {name: getattr(product, name) for name in EDITABLE_FIELDS}
    merged = current | _normalized(fields)
    kind_changed = merged["kind"] != current["kind"]
    if kind_changed:
        for field_name, only_kind in KIND_ONLY_FIELDS.items():
            if field_name not in fields and merged["kind"] != only_kind:
                merged[field_name] = _EMPTY.get(field_name, "")
        stock = Product.objects.values_list("stock", flat=True).get(pk=product.pk)
        if current["kind"] == ProductKind.GOODS and stock:
            raise ValidationError(
                {"kind": _("Bring the stock to 0 before turning goods into another kind.")}
            )
    _product_errors(
        merged,
        initial_stock=0,
        new_date=kind_changed or merged["tour_date"] != current["tour_date"],
    )
    changed = [name for name in EDITABLE_FIELDS if merged[name] != current[name]]
    if changed:
        for name in changed:
            setattr(product, name, merged[name])
        product.save(update_fields=[*sorted(changed), "updated_at"])
    return product


# --- stock ------------------------------------------------------------------------------

_SIGN_RULES = {
    StockMovementKind.RESTOCK: 1,
    StockMovementKind.RETURN: 1,
    StockMovementKind.SALE: -1,
    StockMovementKind.CORRECTION: 0,  # either way
}


def validate_stock_change(*, quantity: int, kind: str, reason: str) -> None:
    """Raise ``StockChangeInvalid`` if no product could take this change.

    ``quantity`` is signed: positive in, negative out. A correction needs a reason.
    """
    if not _is_int(quantity) or quantity == 0:
        raise StockChangeInvalid(
            _("The quantity must be a whole number other than 0."), code="stock_quantity_invalid"
        )
    if kind not in _SIGN_RULES:
        raise StockChangeInvalid(_("Unknown kind of stock change."), code="stock_kind_invalid")
    sign = _SIGN_RULES[StockMovementKind(kind)]
    if sign > 0 and quantity < 0:
        raise StockChangeInvalid(
            _("A restock or a return adds goods: give a positive quantity."),
            code="stock_quantity_sign",
        )
    if sign < 0 and quantity > 0:
        raise StockChangeInvalid(
            _("A sale takes goods out: give a negative quantity."), code="stock_quantity_sign"
        )
    if kind == StockMovementKind.CORRECTION and not reason.strip():
        raise StockChangeInvalid(_("Say why the stock is corrected."), code="stock_reason_required")
    if len(reason.strip()) > 200:
        raise StockChangeInvalid(
            _("The reason is too long (at most 200 characters)."), code="stock_reason_too_long"
        )


def _move_stock(
    *, product: Product, quantity: int, kind: str, reason: str, actor: Any
) -> StockMovement:
    """Apply one change with a conditional update; must run inside a transaction.

    The UPDATE takes the row lock, so ``stock_after`` read just after it is ours alone.
    """
    validate_stock_change(quantity=quantity, kind=kind, reason=reason)
    if not product.tracks_stock:
        raise StockNotTracked(name=product.name)
    updated = Product.objects.filter(pk=product.pk, stock__gte=-quantity).update(
        stock=F("stock") + quantity
    )
    if not updated:
        available = Product.objects.filter(pk=product.pk).values_list("stock", flat=True).first()
        if available is None:
            raise ProductNotFound()
        raise InsufficientStock(
            product_id=product.pk, name=product.name, available=available, requested=-quantity
        )
    stock_after = Product.objects.values_list("stock", flat=True).get(pk=product.pk)
    product.stock = stock_after
    return StockMovement.objects.create(
        product=product,
        kind=kind,
        quantity=quantity,
        stock_after=stock_after,
        reason=reason.strip(),
        actor=actor,
    )


@transaction.atomic
def adjust_stock(
    *, acting_user: Any, product_id: int, quantity: int, kind: str, reason: str = ""
) -> StockMovement:
    """The one way a person changes a product's stock: restock, correction, sale or return.

    ``quantity`` is signed (positive in, negative out). On return the product's stock has
    changed by ``quantity`` and the movement records it. Raises ``ProductNotFound``,
    ``NotAllowedForVillage``, ``StockChangeInvalid``, ``StockNotTracked`` or
    ``InsufficientStock`` (code ``out_of_stock``), and then nothing is written.
    """
    product = (
        Product.objects.only("pk", "name", "kind", "seller_id", "village_id", "stock")
        .filter(pk=product_id)
        .first()
    )
    if product is None:
        raise ProductNotFound()
    _ensure_can_manage(acting_user, seller_id=product.seller_id, village_id=product.village_id)
    return _move_stock(
        product=product, quantity=quantity, kind=kind, reason=reason, actor=_actor(acting_user)
    )


def lock_products(product_ids: Iterable[int]) -> dict[int, Product]:
    """Lock the products' rows in primary-key order (so two callers never deadlock).

    Must run inside a transaction; the locks are held until it ends.
    """
    ids = sorted(set(product_ids))
    locked = Product.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    return {product.pk: product for product in locked}


def _move_stock_for_lines(
    *, lines: Sequence[tuple[int, int]], kind: StockMovementKind, actor: Any, reason: str
) -> list[StockMovement]:
    sign = _SIGN_RULES[kind]
    wanted: dict[int, int] = {}
    for product_id, quantity in lines:
        if not _is_int(quantity) or quantity <= 0:
            raise StockChangeInvalid(
                _("Each line needs a quantity of at least 1."), code="stock_quantity_invalid"
            )
        wanted[product_id] = wanted.get(product_id, 0) + quantity
    products = lock_products(wanted)
    if set(wanted) - set(products):
        raise ProductNotFound()
    tracked = [products[pk] for pk in sorted(wanted) if products[pk].tracks_stock]
    for product in tracked:
        if product.stock + sign * wanted[product.pk] < 0:
            raise InsufficientStock(
                product_id=product.pk,
                name=product.name,
                available=product.stock,
                requested=wanted[product.pk],
            )
    movements = []
    for product in tracked:
        delta = sign * wanted[product.pk]
        Product.objects.filter(pk=product.pk).update(stock=F("stock") + delta)
        product.stock += delta  # exact: the row is locked
        movements.append(
            StockMovement(
                product=product,
                kind=kind,
                quantity=delta,
                stock_after=product.stock,
                reason=reason.strip()[:200],
                actor=actor,
            )
        )
    return StockMovement.objects.bulk_create(movements)


@transaction.atomic
def take_stock_for_lines(
    *, lines: Sequence[tuple[int, int]], actor: Any, reason: str
) -> list[StockMovement]:
    """Take ``(product_id, quantity)`` lines out of stock for a sale, all or nothing.

    Quantities are positive; repeated products are summed. Products that keep no stock
    (services, tours) are passed over. Locks the products in primary-key order and holds
    the locks until the caller's transaction ends. Raises ``InsufficientStock`` for the
    first product (by id) that is short, ``ProductNotFound``, ``StockChangeInvalid``.
    No permission check: the caller (order placement) has decided the sale may happen.
    """
    return _move_stock_for_lines(
        lines=lines, kind=StockMovementKind.SALE, actor=actor, reason=reason
    )


@transaction.atomic
def return_stock(
    *, lines: Sequence[tuple[int, int]], actor: Any, reason: str
) -> list[StockMovement]:
    """Put ``(product_id, quantity)`` lines back (a cancelled order); as ``take_stock_for_lines``.

    Quantities are positive; the movements are RETURNs.
    """
    return _move_stock_for_lines(
        lines=lines, kind=StockMovementKind.RETURN, actor=actor, reason=reason
    )


# --- photos -----------------------------------------------------------------------------


def add_product_photo(*, acting_user: Any, product: Product, image: File[bytes]) -> ProductPhoto:
    """Check, clean (orientation applied, metadata dropped) and store a product photo.

    Renditions are made by a task after commit; until then the photo is PENDING. Raises
    ``NotAllowedForVillage``, ``PhotoLimitReached`` or ``ValidationError`` (key ``image``).
    """
    from catalog.tasks import make_photo_renditions  # the task module imports this one

    _ensure_can_manage(acting_user, seller_id=product.seller_id, village_id=product.village_id)
    try:
        validate_image_upload(image)  # type: ignore[arg-type]  # any binary file will do
    except ValidationError as error:
        raise ValidationError({"image": error.error_list}) from error
    # Pillow work happens before the transaction: no lock is held while it runs.
    picture = photos.clean_upload(image, name_stem=f"{product.pk}-{uuid.uuid4().hex[:10]}")
    with transaction.atomic():
        lock_products([product.pk])  # one upload at a time per product: limit and position
        existing = ProductPhoto.objects.filter(product_id=product.pk)
        if existing.count() >= MAX_PHOTOS_PER_PRODUCT:
            raise PhotoLimitReached(limit=MAX_PHOTOS_PER_PRODUCT)
        last = existing.aggregate(last=Max("position"))["last"]
        photo = ProductPhoto(
            product=product,
            position=0 if last is None else last + 1,
            width=picture.width,
            height=picture.height,
            status=PhotoStatus.PENDING,
        )
        photo.image.save(picture.content.name or "photo", picture.content, save=False)
        photo.save()
        enqueue_on_commit(make_photo_renditions, photo.pk)
    return photo


def _delete_files(names: Iterable[tuple[Any, str]]) -> None:
    for storage, name in names:
        if name:
            storage.delete(name)


@transaction.atomic
def remove_product_photo(*, acting_user: Any, photo: ProductPhoto) -> None:
    """Delete the photo; its files go once the deletion has committed."""
    product = Product.objects.only("seller_id", "village_id").get(pk=photo.product_id)
    _ensure_can_manage(acting_user, seller_id=product.seller_id, village_id=product.village_id)
    files = [(f.storage, f.name or "") for f in (photo.image, photo.small, photo.large)]
    photo.delete()
    transaction.on_commit(lambda: _delete_files(files))


def make_photo_renditions(*, photo_id: int) -> ProductPhoto | None:
    """Make the photo's WebP renditions and mark it READY (FAILED if it cannot be read).

    Idempotent: a READY or deleted photo is left alone; when two runs race, the first to
    record its renditions wins and the other removes its files. Returns the photo, if any.
    """
    photo = ProductPhoto.objects.filter(pk=photo_id).first()
    if photo is None or photo.status == PhotoStatus.READY:
        return photo
    try:
        with photo.image.open("rb") as original:
            renditions = photos.make_renditions(
                original, name_stem=f"{photo.product_id}-{photo.pk}"
            )
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        ProductPhoto.objects.filter(pk=photo_id).exclude(status=PhotoStatus.READY).update(
            status=PhotoStatus.FAILED
        )
        photo.refresh_from_db()
        return photo
    saved: dict[str, str] = {}
    for field_name, content in renditions.items():
        field_file = getattr(photo, field_name)
        target = field_file.field.generate_filename(photo, content.name)
        saved[field_name] = field_file.storage.save(target, content)
    updated = (
        ProductPhoto.objects.filter(pk=photo_id)
        .exclude(status=PhotoStatus.READY)
        .update(status=PhotoStatus.READY, **saved)
    )
    if not updated:  # another run finished first, or the photo was deleted meanwhile
        _delete_files((getattr(photo, name).storage, saved[name]) for name in saved)
    return ProductPhoto.objects.filter(pk=photo_id).first()
