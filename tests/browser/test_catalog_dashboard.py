"""A BUMDes admin adds a product with a photo; a resident finds it by a misspelt search."""

from __future__ import annotations

import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from catalog.enums import FoodGroup
from catalog.models import Product
from tests.factories import (
    PASSWORD,
    CategoryFactory,
    MarketFactory,
    SellerFactory,
    VillageFactory,
    member,
)
from villages.enums import Role

pytestmark = pytest.mark.browser

PRODUCT_NAME = "Beras Rojolele Organik"


@pytest.fixture
def village_shop(transactional_db):
    village = VillageFactory(name="Panggungharjo", slug="panggungharjo", code="34.02.15.2001")
    MarketFactory(name="Pasar Desa Bantul", slug="bantul", villages=[village])
    seller = SellerFactory(village=village, name="Lumbung Desa", slug="lumbung-desa")
    admin = member(village, Role.BUMDES_ADMIN, email="admin@panggungharjo.id")
    # Seeded by a migration, but an earlier test on a live server may have emptied the table.
    rice = CategoryFactory(
        slug="beras", name="Beras", is_staple=True, food_group=FoodGroup.CARBOHYDRATE
    )
    return {"village": village, "seller": seller, "admin": admin, "rice": rice}


@pytest.fixture
def photo_file(tmp_path):
    path = tmp_path / "beras.png"
    Image.new("RGB", (64, 48), (230, 220, 190)).save(path, format="PNG")
    return path


def test_bumdes_admin_adds_a_product_with_a_photo_and_a_resident_finds_it(
    page, village_shop, photo_file
):
    seller = village_shop["seller"]
    page.goto("/akun/login/")
    login = page.locator("form", has=page.locator("input[name=password]"))
    login.locator("input[name=login]").fill("admin@panggungharjo.id")
    login.locator("input[name=password]").fill(PASSWORD)
    login.locator("button[type=submit]:not([form])").click()
    expect(page).to_have_url(re.compile(r"/akun/$"))

    # From the village's management page to the seller's products, then "add product".
    page.goto("/desa/panggungharjo/kelola/")
    page.locator("#seller-dashboards a").first.click()
    expect(page).to_have_url(re.compile(r"/kelola/panggungharjo/lumbung-desa/produk/$"))
    page.goto("/kelola/panggungharjo/lumbung-desa/produk/baru/")
    form = page.locator("#product-form")
    form.locator("input[name=name]").fill(PRODUCT_NAME)
    form.locator("select[name=category]").select_option(value=str(village_shop["rice"].pk))
    form.locator("input[name=price]").fill("Rp15.000")
    form.locator("input[name=unit]").fill("kg")
    form.locator("input[name=initial_stock]").fill("25")
    form.locator("input[name=weight_grams]").fill("1000")
    form.locator("input[name=photos]").set_input_files(str(photo_file))
    form.locator("button[type=submit]").click()

    product = Product.objects.get(seller=seller, name=PRODUCT_NAME)
    expect(page).to_have_url(re.compile(rf"/produk/{product.pk}/$"))
    expect(page.locator("#photos li")).to_have_count(1)
    assert (product.price, product.stock, product.photos.count()) == (15000, 25, 1)

    page.goto("/kelola/panggungharjo/lumbung-desa/produk/")
    expect(page.locator("#products")).to_contain_text(PRODUCT_NAME)

    # A resident, not signed in, searches with a typo: "bras" for "beras".
    page.context.clear_cookies()
    page.goto("/cari/?q=bras")
    expect(page.locator("main")).to_contain_text(PRODUCT_NAME)
