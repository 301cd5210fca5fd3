"""Uploaded pictures are checked by Pillow, not trusted by their name or content type."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}


def validate_image_upload(upload: UploadedFile) -> None:
    """Refuse anything that is not a real JPEG, PNG or WebP within the byte and pixel caps."""
    max_bytes = settings.PASARDESA_MAX_IMAGE_BYTES
    if upload.size is not None and upload.size > max_bytes:
        raise ValidationError(
            _("The picture is too large (at most %(megabytes)s MB).")
            % {"megabytes": max_bytes // (1024 * 1024)},
            code="image_too_large",
        )
    position = upload.tell() if hasattr(upload, "tell") else 0
    try:
        with Image.open(upload) as image:
            if image.format not in ALLOWED_FORMATS:
                raise ValidationError(
                    _("Only JPEG, PNG or WebP pictures are accepted."), code="image_format"
                )
            width, height = image.size
            if width * height > settings.PASARDESA_MAX_IMAGE_PIXELS:
                raise ValidationError(
                    _("The picture has too many pixels."), code="image_too_many_pixels"
                )
            image.verify()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as error:
        raise ValidationError(
            _("The file is not a picture we can read."), code="image_invalid"
        ) from error
    finally:
        upload.seek(position)
