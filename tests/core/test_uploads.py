"""Uploaded pictures are opened by Pillow: names and content types are not trusted."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.uploads import validate_image_upload


def picture(fmt="PNG", size=(40, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "green").save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_real_pictures_pass_and_the_file_can_still_be_read(fmt):
    upload = SimpleUploadedFile("foto.bin", picture(fmt))
    validate_image_upload(upload)
    assert upload.read(4)  # the validator rewound the file


def test_a_script_named_like_a_picture_is_refused():
    upload = SimpleUploadedFile("foto.jpg", b"<script>alert(1)</script>", "image/jpeg")
    with pytest.raises(ValidationError) as caught:
        validate_image_upload(upload)
    assert caught.value.code == "image_invalid"


def test_other_image_formats_are_refused():
    upload = SimpleUploadedFile("foto.gif", picture("GIF"), "image/gif")
    with pytest.raises(ValidationError) as caught:
        validate_image_upload(upload)
    assert caught.value.code == "image_format"


def test_too_many_bytes_are_refused(settings):
    settings.PASARDESA_MAX_IMAGE_BYTES = 10
    with pytest.raises(ValidationError) as caught:
        validate_image_upload(SimpleUploadedFile("foto.png", picture()))
    assert caught.value.code == "image_too_large"


def test_a_decompression_bomb_is_refused(settings):
    settings.PASARDESA_MAX_IMAGE_PIXELS = 1000  # 40 by 30 = 1200 pixels is too many here
    with pytest.raises(ValidationError) as caught:
        validate_image_upload(SimpleUploadedFile("foto.png", picture()))
    assert caught.value.code == "image_too_many_pixels"
