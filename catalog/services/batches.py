"""Actions that combine product services into one transaction: all or nothing.

A product is added together with its photos, or several photos at once; the services
below nest, so these wrap them in a single transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.files import File
from django.db import transaction

from catalog.exceptions import PhotoLimitReached
from catalog.models import Product, ProductPhoto
from catalog.services.product_photos import MAX_PHOTOS_PER_PRODUCT, add_product_photo
from catalog.services.products import create_product
from villages.models import Seller


@transaction.atomic
def create_product_with_photos(
    *, acting_user: Any, seller: Seller, photos: Sequence[File[bytes]] = (), **fields: Any
) -> Product:
    """``create_product`` and then ``add_product_photo`` per picture.

    Raises what they raise; then nothing is kept (no product, no photo row). The new
    product's row is not visible to anyone else, so its lock costs nobody a wait.
    """
    if len(photos) > MAX_PHOTOS_PER_PRODUCT:
        raise PhotoLimitReached(limit=MAX_PHOTOS_PER_PRODUCT)
    product = create_product(acting_user=acting_user, seller=seller, **fields)
    for image in photos:
        add_product_photo(acting_user=acting_user, product=product, image=image)
    return product


@transaction.atomic
def add_product_photos(
    *, acting_user: Any, product: Product, images: Sequence[File[bytes]]
) -> list[ProductPhoto]:
    """Add every picture, or none of them (e.g. when the last one passes the limit).

    Holds the product's row lock from the first picture to the commit; the caller keeps
    the number of pictures per call small.
    """
    if product.photos.count() + len(images) > MAX_PHOTOS_PER_PRODUCT:
        raise PhotoLimitReached(limit=MAX_PHOTOS_PER_PRODUCT)
    return [
        add_product_photo(acting_user=acting_user, product=product, image=image) for image in images
    ]
