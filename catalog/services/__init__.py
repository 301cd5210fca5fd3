"""Writes about products, their stock and their photos. Each owns its transaction.

The services nest: a caller (an import of many rows, an order) may wrap several of them in
one transaction, and then holds their row locks until it commits. Import them from here:
``from catalog import services``.
"""

from catalog.services.access import SYSTEM
from catalog.services.batches import add_product_photos, create_product_with_photos
from catalog.services.product_photos import (
    MAX_PHOTOS_PER_PRODUCT,
    add_product_photo,
    make_photo_renditions,
    remove_product_photo,
)
from catalog.services.products import (
    EDITABLE_FIELDS,
    INITIAL_STOCK_REASON,
    create_product,
    update_product,
    validate_product_fields,
    validate_product_update,
)
from catalog.services.stock import (
    StockChange,
    adjust_stock,
    adjust_stock_once,
    lock_products,
    return_stock,
    take_stock_for_lines,
    validate_stock_change,
)

__all__ = [
    "EDITABLE_FIELDS",
    "INITIAL_STOCK_REASON",
    "MAX_PHOTOS_PER_PRODUCT",
    "SYSTEM",
    "StockChange",
    "add_product_photo",
    "add_product_photos",
    "adjust_stock",
    "adjust_stock_once",
    "create_product",
    "create_product_with_photos",
    "lock_products",
    "make_photo_renditions",
    "remove_product_photo",
    "return_stock",
    "take_stock_for_lines",
    "update_product",
    "validate_product_fields",
    "validate_product_update",
    "validate_stock_change",
]
