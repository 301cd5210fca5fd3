"""Stock: a ledger of movements; the stock column is their running sum.

One product changes with a conditional ``UPDATE ... WHERE stock + q >= 0``
(``move_stock``); several products change under row locks taken in primary-key order
(``lock_products``). Either way a ``StockMovement`` is appended in the same transaction
(docs/adr/0003-stock-ledger.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.enums import StockMovementKind
from catalog.exceptions import (
    InsufficientStock,
    ProductNotFound,
    StockChangeInvalid,
    StockChangeKeyInvalid,
    StockChangeKeyReused,
    StockNotTracked,
)
from catalog.models import Product, StockMovement
from catalog.services.access import actor_of, ensure_can_manage, is_whole_number

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
    if not is_whole_number(quantity) or quantity == 0:
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


def move_stock(
    *,
    product: Product,
    quantity: int,
    kind: str,
    reason: str,
    actor: Any,
    idempotency_key: str | None = None,
) -> StockMovement:
    """Apply one change with a conditional update; must run inside a transaction.

    The UPDATE takes the row lock, so ``stock_after`` read just after it is ours alone.
    ``idempotency_key``, when given, is written on the movement (``adjust_stock_once``).
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
        idempotency_key=idempotency_key,
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
    ensure_can_manage(acting_user, seller_id=product.seller_id, village_id=product.village_id)
    return move_stock(
        product=product, quantity=quantity, kind=kind, reason=reason, actor=actor_of(acting_user)
    )


IDEMPOTENCY_KEY_MAX_LENGTH = 64


class StockChange(NamedTuple):
    movement: StockMovement
    created: bool  # False: a repeat, answered with the movement its key first wrote


def validate_idempotency_key(key: str) -> str:
    """The key stripped; ``StockChangeKeyInvalid`` if empty, too long or not printable."""
    key = key.strip()
    if not key or len(key) > IDEMPOTENCY_KEY_MAX_LENGTH or not key.isprintable():
        raise StockChangeKeyInvalid(max_length=IDEMPOTENCY_KEY_MAX_LENGTH)
    return key


def adjust_stock_once(
    *,
    acting_user: Any,
    product_id: int,
    quantity: int,
    kind: str,
    reason: str = "",
    idempotency_key: str,
) -> StockChange:
    """``adjust_stock``, applied once per (person, ``idempotency_key``).

    A person's app sends a fresh key with each change and the same key when it retries
    one whose answer was lost. The first call moves the stock and writes the key on the
    movement (``created`` True). A repeat with the same product, kind, quantity and
    reason returns that movement and changes nothing (``created`` False), whatever the
    stock is now. Raises, besides what ``adjust_stock`` raises, ``StockChangeKeyInvalid``
    and ``StockChangeKeyReused`` (the key went with another change); then nothing is
    written. Permission is checked before the key is looked up, and keys are looked up
    among the person's own movements only. ``acting_user`` must be a person, not SYSTEM.
    """
    key = validate_idempotency_key(idempotency_key)
    actor = actor_of(acting_user)
    if actor is None:
        raise ValueError("An idempotency key belongs to a person; trusted code has none.")
    try:
        return _adjust_stock_once(
            acting_user=acting_user,
            key=key,
            product_id=product_id,
            quantity=quantity,
            kind=kind,
            reason=reason,
        )
    except IntegrityError:
        # Two requests with one key raced: the other one's insert came first, ours waited
        # for it to commit, then failed, and our transaction (stock included) rolled back.
        earlier = StockMovement.objects.filter(actor=actor, idempotency_key=key).first()
        if earlier is None:
            raise
        movement = _same_change_or_refuse(
            earlier, product_id=product_id, kind=kind, quantity=quantity, reason=reason
        )
        return StockChange(movement, created=False)


@transaction.atomic
def _adjust_stock_once(
    *, acting_user: Any, key: str, product_id: int, quantity: int, kind: str, reason: str
) -> StockChange:
    product = (
        Product.objects.only("pk", "name", "kind", "seller_id", "village_id", "stock")
        .filter(pk=product_id)
        .first()
    )
    if product is None:
        raise ProductNotFound()
    ensure_can_manage(acting_user, seller_id=product.seller_id, village_id=product.village_id)
    earlier = StockMovement.objects.filter(actor=acting_user, idempotency_key=key).first()
    if earlier is not None:
        movement = _same_change_or_refuse(
            earlier, product_id=product_id, kind=kind, quantity=quantity, reason=reason
        )
        return StockChange(movement, created=False)
    movement = move_stock(
        product=product,
        quantity=quantity,
        kind=kind,
        reason=reason,
        actor=acting_user,
        idempotency_key=key,
    )
    return StockChange(movement, created=True)


def _same_change_or_refuse(
    earlier: StockMovement, *, product_id: int, kind: str, quantity: int, reason: str
) -> StockMovement:
    """``earlier`` if it is the change asked for again; ``StockChangeKeyReused`` if not."""
    asked = (product_id, str(kind), quantity, reason.strip())
    if (earlier.product_id, earlier.kind, earlier.quantity, earlier.reason) != asked:
        raise StockChangeKeyReused()
    return earlier


def lock_products(product_ids: Iterable[int]) -> dict[int, Product]:
    """Lock the products' rows in primary-key order (so two callers never deadlock).

    Must run inside a transaction; the locks are held until it ends.
    """
    ids = sorted(set(product_ids))
    locked = Product.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    return {product.pk: product for product in locked}


def _move_stock_for_lines(
    *,
    lines: Sequence[tuple[int, int]],
    kind: StockMovementKind,
    actor: Any,
    reason: str,
    locked: Mapping[int, Product] | None = None,
) -> list[StockMovement]:
    sign = _SIGN_RULES[kind]
    wanted: dict[int, int] = {}
    for product_id, quantity in lines:
        if not is_whole_number(quantity) or quantity <= 0:
            raise StockChangeInvalid(
                _("Each line needs a quantity of at least 1."), code="stock_quantity_invalid"
            )
        wanted[product_id] = wanted.get(product_id, 0) + quantity
    if locked is not None and set(wanted) <= set(locked):
        products = dict(locked)  # the caller holds these rows' locks and read them locked
    else:
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
        movements.append(
            StockMovement(
                product=product,
                kind=kind,
                quantity=delta,
                stock_after=product.stock + delta,  # exact: the row is locked
                reason=reason.strip()[:200],
                actor=actor,
            )
        )
    if connection.vendor == "postgresql" and movements:
        _move_and_record(movements)
    else:
        for movement in movements:
            Product.objects.filter(pk=movement.product_id).update(
                stock=F("stock") + movement.quantity
            )
        StockMovement.objects.bulk_create(movements)
    for product, movement in zip(tracked, movements, strict=True):
        product.stock = movement.stock_after
    return movements


# PostgreSQL: the movements as rows, each product's stock moved by its quantity, and the
# movements inserted, in one statement (a sale in one round trip, whatever its size).
_MOVE_AND_RECORD = """
WITH movement (product_id, kind, quantity, stock_after, reason, actor_id, created_at) AS (
    VALUES {rows}
), moved AS (
    UPDATE catalog_product AS product SET stock = product.stock + movement.quantity
    FROM movement WHERE product.id = movement.product_id
)
INSERT INTO catalog_stockmovement
    (product_id, kind, quantity, stock_after, reason, actor_id, created_at)
SELECT product_id, kind, quantity, stock_after, reason, actor_id, created_at
FROM movement ORDER BY product_id
RETURNING id, product_id
"""
_MOVEMENT_ROW = "(%s::bigint, %s, %s::integer, %s::integer, %s, %s::bigint, %s::timestamptz)"


def _move_and_record(movements: Sequence[StockMovement]) -> None:
    """Apply and insert ``movements`` (one per product); the caller holds the rows' locks."""
    now = timezone.now()
    params: list[Any] = []
    for movement in movements:
        movement.created_at = now
        params += [
            movement.product_id,
            movement.kind,
            movement.quantity,
            movement.stock_after,
            movement.reason,
            movement.actor_id,
            now,
        ]
    sql = _MOVE_AND_RECORD.format(rows=", ".join([_MOVEMENT_ROW] * len(movements)))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = {product_id: pk for pk, product_id in cursor.fetchall()}
    for movement in movements:
        movement.pk = ids[movement.product_id]
        movement._state.adding = False
        movement._state.db = connection.alias


def take_stock_for_lines(
    *,
    lines: Sequence[tuple[int, int]],
    actor: Any,
    reason: str,
    locked: Mapping[int, Product] | None = None,
) -> list[StockMovement]:
    """Take ``(product_id, quantity)`` lines out of stock for a sale, all or nothing.

    Quantities are positive; repeated products are summed. Products that keep no stock
    (services, tours) are passed over. Locks the products in primary-key order and holds
    the locks until the caller's transaction ends. Raises ``InsufficientStock`` for the
    first product (by id) that is short, ``ProductNotFound``, ``StockChangeInvalid``.
    No permission check: the caller (order placement) has decided the sale may happen.
    A caller that has already locked the products (``SELECT … FOR UPDATE`` in primary-key
    order, in this transaction) passes them as ``locked``: they are not locked again.
    """
    if locked is not None:
        # Inside the caller's transaction, which holds the locks: no savepoint of its own
        # (two statements fewer per checkout). Every check comes before the first write,
        # so a refusal leaves that transaction as it was.
        return _move_stock_for_lines(
            lines=lines, kind=StockMovementKind.SALE, actor=actor, reason=reason, locked=locked
        )
    with transaction.atomic():
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
