"""Pillow work for product photos: clean an upload, make WebP renditions, draw demo cards.

Nothing here touches the database. Uploads are checked by ``core.uploads`` first; this
module re-encodes them so that no byte of the original file (EXIF, GPS position, comments,
trailing data) is ever served, and the picture stands the right way up.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw, ImageFont, ImageOps

# Rendition widths in pixels, and the model field each one is stored in.
RENDITION_WIDTHS = {"small": 320, "large": 800}
WEBP_QUALITY = 80
WEBP_METHOD = 2  # encoder effort (0-6): little smaller files beyond this, much slower
JPEG_QUALITY = 88


@dataclass(frozen=True)
class CleanPicture:
    content: ContentFile[bytes]
    width: int
    height: int


def clean_upload(upload: IO[bytes], *, name_stem: str) -> CleanPicture:
    """The upload re-encoded: orientation applied, metadata dropped, JPEG or (with alpha) PNG.

    Precondition: ``upload`` passed ``core.uploads.validate_image_upload``.
    """
    upload.seek(0)
    with Image.open(upload) as opened:
        opened.load()
        picture = ImageOps.exif_transpose(opened)
    has_alpha = picture.mode in {"RGBA", "LA", "PA"} or (
        picture.mode == "P" and "transparency" in picture.info
    )
    buffer = io.BytesIO()
    if has_alpha:
        picture.convert("RGBA").save(buffer, format="PNG", optimize=True)
        extension = "png"
    else:
        picture.convert("RGB").save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        extension = "jpg"
    width, height = picture.size
    return CleanPicture(
        content=ContentFile(buffer.getvalue(), name=f"{name_stem}.{extension}"),
        width=width,
        height=height,
    )


def make_renditions(original: IO[bytes], *, name_stem: str) -> dict[str, ContentFile[bytes]]:
    """WebP renditions keyed by field name (``small``, ``large``); never wider than the original.

    Raises ``OSError`` (or Pillow's errors) if the original cannot be read.
    """
    original.seek(0)
    with Image.open(original) as opened:
        opened.load()
        picture = ImageOps.exif_transpose(opened)
    picture = picture.convert("RGBA" if "A" in picture.getbands() else "RGB")
    renditions: dict[str, ContentFile[bytes]] = {}
    for field_name, target_width in RENDITION_WIDTHS.items():
        width = min(target_width, picture.width)
        height = max(1, round(picture.height * width / picture.width))
        resized = picture if width == picture.width else picture.resize((width, height))
        buffer = io.BytesIO()
        resized.save(buffer, format="WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD)
        renditions[field_name] = ContentFile(
            buffer.getvalue(), name=f"{name_stem}-{target_width}.webp"
        )
    return renditions


def initials(name: str) -> str:
    """Up to two capital letters from the first words of ``name`` ("Beras Merah" → "BM")."""
    letters = [word[0] for word in name.split() if word[:1].isalnum()]
    return "".join(letters[:2]).upper() or "?"


def draw_card(
    *, text: str, colour: tuple[int, int, int], size: tuple[int, int] = (400, 300)
) -> bytes:
    """A small PNG: a coloured card with ``text`` in white in the middle (for demo data)."""
    card = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(card)
    font = ImageFont.load_default(size=size[1] // 3)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    position = ((size[0] - (right - left)) / 2 - left, (size[1] - (bottom - top)) / 2 - top)
    draw.text(position, text, fill=(255, 255, 255), font=font)
    buffer = io.BytesIO()
    card.save(buffer, format="PNG")
    return buffer.getvalue()
