"""Product photos: checked and cleaned on upload, rendered to WebP by a task after commit."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Max
from PIL import Image

from catalog import photos
from catalog.enums import PhotoStatus
from catalog.exceptions import PhotoLimitReached
from catalog.models import Product, ProductPhoto
from catalog.services.access import ensure_can_manage
from catalog.services.stock import lock_products
from core.tasks import enqueue_on_commit
from core.uploads import validate_image_upload

MAX_PHOTOS_PER_PRODUCT = 8


def add_product_photo(*, acting_user: Any, product: Product, image: File[bytes]) -> ProductPhoto:
    """Check, clean (orientation applied, metadata dropped) and store a product photo.

    Renditions are made by a task after commit; until then the photo is PENDING. Raises
    ``NotAllowedForVillage``, ``PhotoLimitReached`` or ``ValidationError`` (key ``image``).
    """
    from catalog.tasks import make_photo_renditions  # the task module imports this one

    ensure_can_manage(acting_user, seller_id=product.seller_id, village_id=product.village_id)
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
    ensure_can_manage(acting_user, seller_id=product.seller_id, village_id=product.village_id)
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
