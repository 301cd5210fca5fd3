"""Reads of carts and orders for the buyer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet

from catalog.enums import ProductKind
from catalog.models import Product
from orders.exceptions import OrderNotFound
from orders.models import Cart, CartLine, Fulfilment, Order
from orders.services.cart import available_quantity, places_taken
from villages.models import Seller, Village


@dataclass(frozen=True)
class CartLineView:
    """One line as the buyer should see it now: today's price, and what changed."""

    line: CartLine
    product: Product
    quantity: int
    unit_price: int  # the product's price now: what checkout will charge
    price_when_added: int
    available: int | None  # stock or places left; None: no limit (a service)
    on_sale: bool  # False: the product or its seller was withdrawn

    @property
    def line_total(self) -> int:
        return self.unit_price * self.quantity

    @property
    def price_changed(self) -> bool:
        return self.unit_price != self.price_when_added

    @property
    def shortfall(self) -> int:
        """How many of the wanted quantity cannot be had now (0: all of it)."""
        if self.available is None:
            return 0
        return max(self.quantity - self.available, 0)

    @property
    def has_problem(self) -> bool:
        return not self.on_sale or self.shortfall > 0


@dataclass
class SellerGroup:
    """The lines of one seller: they become one fulfilment at checkout."""

    seller: Seller
    village: Village
    lines: list[CartLineView] = field(default_factory=list)

    @property
    def goods_total(self) -> int:
        return sum(line.line_total for line in self.lines)


@dataclass
class CartSummary:
    cart: Cart
    groups: list[SellerGroup]

    @property
    def goods_total(self) -> int:
        return sum(group.goods_total for group in self.groups)

    @property
    def item_count(self) -> int:
        return sum(line.quantity for group in self.groups for line in group.lines)

    @property
    def is_empty(self) -> bool:
        return not self.groups

    @property
    def has_price_changes(self) -> bool:
        return any(line.price_changed for group in self.groups for line in group.lines)

    @property
    def has_problems(self) -> bool:
        return any(line.has_problem for group in self.groups for line in group.lines)


def cart_summary(cart: Cart) -> CartSummary:
    """The cart grouped by seller (village name, then seller name), with each line's price
    change since it was added and its shortfall against stock or places left.

    Two queries at most (lines with products, sellers and villages; places held on tours),
    however many lines.
    """
    lines = list(
        CartLine.objects.filter(cart_id=cart.pk)
        .select_related("product", "product__seller", "product__seller__village")
        .order_by("created_at", "pk")
    )
    taken = places_taken(line.product_id for line in lines if line.product.kind == ProductKind.TOUR)
    groups: dict[int, SellerGroup] = {}
    for line in lines:
        product = line.product
        seller = product.seller
        group = groups.setdefault(seller.pk, SellerGroup(seller=seller, village=seller.village))
        group.lines.append(
            CartLineView(
                line=line,
                product=product,
                quantity=line.quantity,
                unit_price=product.price,
                price_when_added=line.price_when_added,
                available=available_quantity(product, taken=taken.get(product.pk, 0)),
                on_sale=product.is_active and seller.is_active,
            )
        )
    ordered = sorted(groups.values(), key=lambda g: (g.village.name, g.seller.name, g.seller.pk))
    return CartSummary(cart=cart, groups=ordered)


def get_cart(*, user: Any = None, session_key: str | None = None) -> Cart | None:
    """The cart of a signed-in ``user`` or of ``session_key``, without creating one."""
    if user is not None and getattr(user, "is_authenticated", False):
        return Cart.objects.filter(user=user).first()
    if session_key:
        return Cart.objects.filter(session_key=session_key).first()
    return None


def orders_for_buyer(user: Any) -> QuerySet[Order]:
    """The buyer's orders, newest first, with their fulfilments, sellers and lines."""
    return (
        Order.objects.filter(buyer_id=user.pk)
        .select_related("delivery_village", "placed_by")
        .prefetch_related(
            Prefetch(
                "fulfilments",
                queryset=Fulfilment.objects.select_related("seller", "village").prefetch_related(
                    "lines", "payments"
                ),
            )
        )
    )


def get_order_for_buyer(*, user: Any, number: str) -> Order:
    """The buyer's own order by its number; ``OrderNotFound`` for anyone else's."""
    order = orders_for_buyer(user).filter(number=number).first()
    if order is None:
        raise OrderNotFound()
    return order
