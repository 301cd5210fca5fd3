"""Order test data: sellers with delivery options, products with stock or capacity.

Stock goes in through the catalog's stock service; orders are placed through
``orders.services.place_order`` where their content matters.
"""

import datetime

from catalog import services as catalog_services
from catalog.enums import ProductKind, StockMovementKind
from orders.models import SellerDelivery
from tests.factories import ProductFactory, SellerFactory, category


def seller_in(village, **fields):
    """A seller of ``village``."""
    return SellerFactory(village=village, **fields)


def delivery_options_for(seller, **fields):
    """The seller's delivery row with ``fields`` set (created if missing)."""
    row, _created = SellerDelivery.objects.get_or_create(seller=seller)
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()
    return row


def goods(seller, *, stock=0, price=14000, **fields):
    """A product of goods of ``seller`` holding ``stock`` units (restocked as trusted code)."""
    product = ProductFactory(seller=seller, price=price, **fields)
    if stock:
        catalog_services.adjust_stock(
            acting_user=catalog_services.SYSTEM,
            product_id=product.pk,
            quantity=stock,
            kind=StockMovementKind.RESTOCK,
            reason="Panen",
        )
        product.refresh_from_db()
    return product


def service(seller, *, price=25000, **fields):
    """A service (pitulungan): no stock, no limit."""
    fields.setdefault("category", category("jasa-pitulungan"))
    return ProductFactory(
        seller=seller,
        kind=ProductKind.SERVICE,
        price=price,
        unit="kali",
        weight_grams=None,
        **fields,
    )


def tour(seller, *, capacity=10, price=150000, days_ahead=14, **fields):
    """A tour package for ``capacity`` persons, ``days_ahead`` days from today."""
    fields.setdefault("category", category("paket-wisata"))
    return ProductFactory(
        seller=seller,
        kind=ProductKind.TOUR,
        price=price,
        unit="orang",
        weight_grams=None,
        capacity=capacity,
        tour_date=datetime.date.today() + datetime.timedelta(days=days_ahead),
        **fields,
    )


def buyer_address(village, **fields):
    """A valid delivery address in ``village`` (an ``orders.services.Address``)."""
    from orders.services import Address

    values = {
        "delivery_village": village,
        "recipient_name": "Bu Sumarni",
        "phone": "0812 3456 7890",
        "dusun": "Glondong",
        "rt": "03",
        "rw": "07",
        "notes": "Rumah cat hijau",
    }
    values.update(fields)
    return Address(**values)


def fill_cart(user, *items):
    """``user``'s cart holding ``(product, quantity)`` items, added through the services."""
    from orders import services

    cart = services.get_or_create_cart(user=user)
    for product, quantity in items:
        services.add_to_cart(cart=cart, product_id=product.pk, quantity=quantity)
    return cart


def placed_order(buyer, *items, delivery=None, tenders=(("cash", None),), key="checkout-1"):
    """An order of ``buyer`` for ``(product, quantity)`` items, placed through the services.

    ``delivery`` is a ``DeliveryMethod`` for every seller (default: free local delivery in
    the buyer's village when it is the seller's, else pickup). Returns the order.
    """
    from orders import services
    from orders.enums import DeliveryMethod

    cart = fill_cart(buyer, *items)
    sellers = {product.seller for product, _quantity in items}
    for seller in sellers:
        delivery_options_for(seller)
    village = next(iter(sellers)).village
    choices = {
        seller.pk: delivery
        or (DeliveryMethod.LOCAL if seller.village_id == village.pk else DeliveryMethod.PICKUP)
        for seller in sellers
    }
    return services.place_order(
        buyer=buyer,
        cart=cart,
        address=buyer_address(village),
        delivery_choices=choices,
        tenders=[tuple(tender) for tender in tenders],
        idempotency_key=key,
    )
