"""Carts: a signed-in person's or an anonymous session's, merged at sign-in.

A cart only holds intentions. Quantities are checked against stock (goods) and places
left (tours) when they change, but nothing is reserved: checkout takes stock for real,
under locks (``orders.services.checkout``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum

from catalog.enums import ProductKind
from catalog.exceptions import InsufficientStock
from catalog.models import Product
from catalog.services.access import is_whole_number
from orders.enums import FulfilmentStatus
from orders.exceptions import CartLineNotFound, ProductUnavailable, QuantityInvalid, TourFull
from orders.models import Cart, CartLine, OrderLine


def get_or_create_cart(*, user: Any = None, session_key: str | None = None) -> Cart:
    """The cart of a signed-in ``user``, else of the anonymous ``session_key``.

    Raises ``ValueError`` when given neither (a caller's mistake, not the person's).
    """
    is_person = user is not None and getattr(user, "is_authenticated", False)
    if not is_person and not session_key:
        raise ValueError("a cart needs a signed-in user or a session key")
    lookup: dict[str, Any] = {"user": user} if is_person else {"session_key": session_key}
    cart = Cart.objects.filter(**lookup).first()
    if cart is not None:
        return cart
    try:
        with transaction.atomic():
            return Cart.objects.create(**lookup)
    except IntegrityError:  # the same person's other request created it just now
        return Cart.objects.get(**lookup)


def places_taken(product_ids: Iterable[int]) -> dict[int, int]:
    """Places of each tour held by orders that are not cancelled (one query)."""
    ids = list(product_ids)
    if not ids:
        return {}
    rows = (
        OrderLine.objects.filter(product_id__in=ids)
        .exclude(fulfilment__status=FulfilmentStatus.CANCELLED)
        .values("product_id")
        .annotate(taken=Sum("quantity"))
        .values_list("product_id", "taken")
    )
    return {product_id: taken or 0 for product_id, taken in rows}


def available_quantity(product: Product, *, taken: int = 0) -> int | None:
    """How many more a buyer may take: stock for goods, places left for a tour (``taken``
    are the places already sold), None (no limit) for a service."""
    if product.kind == ProductKind.GOODS:
        return max(product.stock, 0)
    if product.kind == ProductKind.TOUR:
        return max((product.capacity or 0) - taken, 0)
    return None


def validate_quantity_available(product: Product, quantity: int, *, taken: int = 0) -> None:
    """Raise ``InsufficientStock`` (goods) or ``TourFull`` (tour) if ``quantity`` is too many."""
    available = available_quantity(product, taken=taken)
    if available is None or quantity <= available:
        return
    if product.kind == ProductKind.TOUR:
        raise TourFull(
            product_id=product.pk, name=product.name, available=available, requested=quantity
        )
    raise InsufficientStock(
        product_id=product.pk, name=product.name, available=available, requested=quantity
    )


def _product_on_sale(product_id: int) -> Product:
    product = (
        Product.objects.select_related("seller")
        .filter(pk=product_id, is_active=True, seller__is_active=True)
        .first()
    )
    if product is None:
        name = Product.objects.filter(pk=product_id).values_list("name", flat=True).first()
        raise ProductUnavailable(product_id=product_id, name=name or "")
    return product


def _validate_quantity(quantity: Any) -> None:
    if not is_whole_number(quantity) or quantity < 1:
        raise QuantityInvalid()


def _taken_for(product: Product) -> int:
    if product.kind != ProductKind.TOUR:
        return 0
    return places_taken([product.pk]).get(product.pk, 0)


@transaction.atomic
def add_to_cart(*, cart: Cart, product_id: int, quantity: int) -> CartLine:
    """Add ``quantity`` of an active product of an active seller to ``cart``.

    A product already in the cart gets the sum, and the price shown now becomes the
    line's ``price_when_added``. Raises ``QuantityInvalid``, ``ProductUnavailable``,
    ``InsufficientStock`` (goods) or ``TourFull`` (tour); then the cart is unchanged.
    """
    _validate_quantity(quantity)
    product = _product_on_sale(product_id)
    line = CartLine.objects.select_for_update().filter(cart=cart, product=product).first()
    wanted = quantity + (line.quantity if line else 0)
    validate_quantity_available(product, wanted, taken=_taken_for(product))
    if line is None:
        return CartLine.objects.create(
            cart=cart, product=product, quantity=wanted, price_when_added=product.price
        )
    line.quantity = wanted
    line.price_when_added = product.price
    line.save(update_fields=["quantity", "price_when_added", "updated_at"])
    return line


@transaction.atomic
def update_cart_line(*, cart: Cart, product_id: int, quantity: int) -> CartLine | None:
    """Set the quantity of a product already in ``cart``; 0 removes the line (returns None).

    Checks as ``add_to_cart`` does; the line keeps the price it was added at.
    """
    if quantity == 0 and is_whole_number(quantity):
        remove_cart_line(cart=cart, product_id=product_id)
        return None
    _validate_quantity(quantity)
    line = CartLine.objects.select_for_update().filter(cart=cart, product_id=product_id).first()
    if line is None:
        raise CartLineNotFound()
    product = _product_on_sale(product_id)
    validate_quantity_available(product, quantity, taken=_taken_for(product))
    line.quantity = quantity
    line.save(update_fields=["quantity", "updated_at"])
    return line


def remove_cart_line(*, cart: Cart, product_id: int) -> None:
    """Take a product out of ``cart``; raises ``CartLineNotFound`` if it was not there."""
    deleted, _ = CartLine.objects.filter(cart=cart, product_id=product_id).delete()
    if not deleted:
        raise CartLineNotFound()


@transaction.atomic
def merge_carts(*, session_key: str | None, user: Any) -> Cart | None:
    """Move the anonymous cart of ``session_key`` into ``user``'s cart, at sign-in.

    Quantities of a product in both are summed, capped at what is available now (never
    below what the person's own cart already held); a product no longer on sale stays
    behind. The session cart is deleted. Returns the person's cart, or None when there
    was no session cart to merge.
    """
    if not session_key:
        return None
    anonymous = Cart.objects.select_for_update().filter(session_key=session_key).first()
    if anonymous is None:
        return None
    cart = get_or_create_cart(user=user)
    if anonymous.pk == cart.pk:
        return cart
    incoming = list(
        anonymous.lines.select_related("product").filter(
            product__is_active=True, product__seller__is_active=True
        )
    )
    own = {
        line.product_id: line
        for line in CartLine.objects.select_for_update().filter(
            cart=cart, product_id__in=[line.product_id for line in incoming]
        )
    }
    taken = places_taken(
        line.product_id for line in incoming if line.product.kind == ProductKind.TOUR
    )
    for line in incoming:
        existing = own.get(line.product_id)
        held = existing.quantity if existing else 0
        wanted = held + line.quantity
        available = available_quantity(line.product, taken=taken.get(line.product_id, 0))
        quantity = wanted if available is None else max(held, min(wanted, available))
        if existing is not None:
            if quantity != held:
                existing.quantity = quantity
                existing.save(update_fields=["quantity", "updated_at"])
        elif quantity > 0:
            CartLine.objects.create(
                cart=cart,
                product_id=line.product_id,
                quantity=quantity,
                price_when_added=line.price_when_added,
            )
    anonymous.delete()
    return cart
