"""Products: created and edited by the people who run their seller."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from catalog.enums import ProductKind, StockMovementKind
from catalog.models import Category, Product
from catalog.services.access import actor_of, ensure_can_manage, is_whole_number
from catalog.services.stock import move_stock
from villages.models import Seller

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
    if not is_whole_number(price):
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
        elif not is_whole_number(weight) or weight <= 0:
            errors["weight_grams"] = _("Write the weight as a whole number of grams above 0.")
    if not is_whole_number(initial_stock) or initial_stock < 0:
        errors["initial_stock"] = _("The stock must be a whole number, 0 or more.")
    elif initial_stock and kind != ProductKind.GOODS:
        errors["initial_stock"] = _("Only goods keep stock.")
    if kind == ProductKind.TOUR:
        capacity, tour_date = values["capacity"], values["tour_date"]
        if capacity is None:
            errors["capacity"] = _("A tour package needs a capacity in persons.")
        elif not is_whole_number(capacity) or capacity <= 0:
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
    ensure_can_manage(acting_user, seller_id=seller.pk, village_id=seller.village_id)
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
        move_stock(
            product=product,
            quantity=initial_stock,
            kind=StockMovementKind.RESTOCK,
            reason=INITIAL_STOCK_REASON,
            actor=actor_of(acting_user),
        )
    return product


def _merged_update(product: Product, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The product's editable values after ``fields``; raises as ``validate_product_update``."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"update_product() cannot change: {', '.join(sorted(unknown))}")
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
    return merged


def validate_product_update(*, product: Product, **fields: Any) -> None:
    """Check an edit of ``product`` without writing anything; raises like ``update_product``.

    ``product`` must hold the values stored now (not the edited ones).
    """
    _merged_update(product, fields)


@transaction.atomic
def update_product(*, acting_user: Any, product: Product, **fields: Any) -> Product:
    """Change editable fields (``EDITABLE_FIELDS``); stock, seller, village and slug stay.

    Changing the kind clears the fields of the old kind that were not passed. Refuses to
    change goods that still have stock into another kind. Raises like ``create_product``;
    an unknown field name is a ``TypeError`` (a programming mistake).
    """
    if set(fields) - EDITABLE_FIELDS:
        _merged_update(product, fields)  # raises the TypeError
    ensure_can_manage(acting_user, seller_id=product.seller_id, village_id=product.village_id)
    merged = _merged_update(product, fields)
    changed = [name for name in EDITABLE_FIELDS if merged[name] != getattr(product, name)]
    if changed:
        for name in changed:
            setattr(product, name, merged[name])
        product.save(update_fields=[*sorted(changed), "updated_at"])
    return product
