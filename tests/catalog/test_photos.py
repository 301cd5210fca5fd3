"""Product photos: checked, cleaned of metadata, turned upright, rendered to WebP after commit."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog import services
from catalog.enums import PhotoStatus
from catalog.exceptions import PhotoLimitReached
from catalog.models import ProductPhoto
from catalog.tasks import make_photo_renditions
from tests.catalog.conftest import picture_upload
from villages.exceptions import NotAllowedForVillage

ORIENTATION = 0x0112
GPS_INFO = 0x8825
ROTATED_90 = 6  # EXIF: the camera was turned; show the picture rotated 90° clockwise


def camera_picture():
    exif = Image.Exif()
    exif[ORIENTATION] = ROTATED_90
    exif[0x010F] = "Kamera Desa"  # Make
    exif[GPS_INFO] = {1: "S", 2: (7.0, 52.0, 0.0)}
    return picture_upload(size=(1200, 900), exif=exif)


@pytest.mark.django_db
def test_a_photo_is_stored_upright_without_metadata_and_rendered_after_commit(
    shop, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        photo = services.add_product_photo(
            acting_user=shop["staff"], product=shop["product"], image=camera_picture()
        )
        assert photo.status == PhotoStatus.PENDING

    assert len(callbacks) == 1
    photo.refresh_from_db()
    assert (photo.status, photo.width, photo.height) == (PhotoStatus.READY, 900, 1200)
    with Image.open(photo.image.path) as stored:
        assert stored.size == (900, 1200)
        assert dict(stored.getexif()) == {}
    with Image.open(photo.small.path) as small, Image.open(photo.large.path) as large:
        assert (small.format, small.size) == ("WEBP", (320, 427))
        assert (large.format, large.size) == ("WEBP", (800, 1067))


@pytest.mark.django_db
def test_renditions_are_made_once(shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        photo = services.add_product_photo(
            acting_user=shop["staff"], product=shop["product"], image=picture_upload()
        )
    photo.refresh_from_db()
    names = (photo.small.name, photo.large.name)

    make_photo_renditions.delay(photo.pk)  # a second delivery of the same task

    photo.refresh_from_db()
    assert (photo.small.name, photo.large.name, photo.status) == (*names, PhotoStatus.READY)


@pytest.mark.django_db
def test_a_small_picture_is_never_enlarged(shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        photo = services.add_product_photo(
            acting_user=shop["staff"],
            product=shop["product"],
            image=picture_upload(size=(200, 100), image_format="PNG", name="a.png", alpha=True),
        )
    photo.refresh_from_db()
    assert photo.image.name.endswith(".png")  # transparency kept
    with Image.open(photo.small.path) as small, Image.open(photo.large.path) as large:
        assert small.size == large.size == (200, 100)


@pytest.mark.django_db
def test_an_unreadable_original_marks_the_photo_failed(shop, django_capture_on_commit_callbacks):
    photo = services.add_product_photo(
        acting_user=shop["staff"], product=shop["product"], image=picture_upload()
    )
    with open(photo.image.path, "wb") as damaged:
        damaged.write(b"not a picture any more")

    make_photo_renditions.delay(photo.pk)

    photo.refresh_from_db()
    assert (photo.status, photo.small.name) == (PhotoStatus.FAILED, "")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("foto.jpg", b"<?php echo 1; ?>", content_type="image/jpeg"),
        picture_upload(image_format="GIF", name="foto.gif"),
    ],
)
def test_files_that_are_not_accepted_pictures_are_refused(shop, upload):
    with pytest.raises(ValidationError) as caught:
        services.add_product_photo(acting_user=shop["staff"], product=shop["product"], image=upload)
    assert set(caught.value.message_dict) == {"image"}
    assert not ProductPhoto.objects.exists()


@pytest.mark.django_db
def test_a_decompression_bomb_is_refused(shop, settings):
    settings.PASARDESA_MAX_IMAGE_PIXELS = 1000 * 1000
    buffer = io.BytesIO()
    Image.new("L", (3000, 3000)).save(buffer, format="PNG")  # tiny file, 9 megapixels
    upload = SimpleUploadedFile("bom.png", buffer.getvalue(), content_type="image/png")
    with pytest.raises(ValidationError):
        services.add_product_photo(acting_user=shop["staff"], product=shop["product"], image=upload)
    assert not ProductPhoto.objects.exists()


@pytest.mark.django_db
def test_photos_are_numbered_and_limited(shop):
    for _ in range(services.MAX_PHOTOS_PER_PRODUCT):
        services.add_product_photo(
            acting_user=shop["staff"], product=shop["product"], image=picture_upload(size=(40, 30))
        )
    with pytest.raises(PhotoLimitReached) as caught:
        services.add_product_photo(
            acting_user=shop["staff"], product=shop["product"], image=picture_upload(size=(40, 30))
        )
    assert caught.value.code == "too_many_photos"
    positions = list(ProductPhoto.objects.values_list("position", flat=True))
    assert positions == list(range(services.MAX_PHOTOS_PER_PRODUCT))


@pytest.mark.django_db
def test_only_those_who_run_the_seller_add_or_remove_photos(
    shop, django_capture_on_commit_callbacks
):
    with pytest.raises(NotAllowedForVillage):
        services.add_product_photo(
            acting_user=shop["outsider"], product=shop["product"], image=picture_upload()
        )
    with django_capture_on_commit_callbacks(execute=True):
        photo = services.add_product_photo(
            acting_user=shop["admin"], product=shop["product"], image=picture_upload()
        )
    with pytest.raises(NotAllowedForVillage):
        services.remove_product_photo(acting_user=shop["other_staff"], photo=photo)
    assert ProductPhoto.objects.count() == 1

    photo.refresh_from_db()
    storage, names = photo.image.storage, [photo.image.name, photo.small.name, photo.large.name]
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_product_photo(acting_user=shop["staff"], photo=photo)
    assert not ProductPhoto.objects.exists()
    assert [storage.exists(name) for name in names] == [False, False, False]
