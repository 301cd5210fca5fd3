"""Catalog fixtures: a seller with its staff, and goods given stock through the services."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog import services
from catalog.enums import StockMovementKind
from tests.factories import ProductFactory, SellerFactory, member
from villages.enums import Role


@pytest.fixture
def shop(two_villages):
    """A seller of the home village, the people around it, and one product of goods.

    Keys: ``seller``, ``staff`` (its seller staff), ``admin`` (home BUMDes admin),
    ``other_staff`` (staff of another home seller), ``outsider`` (other village's BUMDes
    admin), ``resident`` (home resident), ``product`` (goods, stock 0).
    """
    home = two_villages["home"]
    seller = SellerFactory(village=home, name="Warung Bu Sri", slug="warung-bu-sri")
    return {
        "seller": seller,
        "staff": member(home, Role.SELLER_STAFF, seller=seller),
        "admin": two_villages["people"]["home"][Role.BUMDES_ADMIN],
        "other_staff": two_villages["people"]["home"][Role.SELLER_STAFF],
        "outsider": two_villages["people"]["other"][Role.BUMDES_ADMIN],
        "resident": two_villages["people"]["home"][Role.RESIDENT],
        "product": ProductFactory(seller=seller, name="Beras Pandan Wangi"),
    }


def restock(product, quantity, *, reason="Panen"):
    """Give ``product`` stock through the one stock service (as trusted code)."""
    return services.adjust_stock(
        acting_user=services.SYSTEM,
        product_id=product.pk,
        quantity=quantity,
        kind=StockMovementKind.RESTOCK,
        reason=reason,
    )


def picture_upload(*, size=(1200, 900), image_format="JPEG", name="foto.jpg", exif=None, **kw):
    """An uploaded picture made by Pillow; ``exif`` is a ``PIL.Image.Exif`` to embed."""
    buffer = io.BytesIO()
    mode = "RGBA" if image_format == "PNG" and kw.get("alpha") else "RGB"
    image = Image.new(mode, size, (200, 120, 40))
    save_kwargs = {"format": image_format}
    if exif is not None:
        save_kwargs["exif"] = exif
    image.save(buffer, **save_kwargs)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture(scope="session")
def compiled_translations():
    """The Indonesian catalogue compiled from the current .po, for tests that read it."""
    from django.core.management import call_command
    from django.utils.translation import trans_real

    call_command("compile_translations", verbosity=0)
    # Catalogues loaded by earlier tests in this run were read without the fresh .mo file.
    trans_real._translations = {}
    trans_real._default = None
