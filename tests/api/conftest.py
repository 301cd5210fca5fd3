"""Fixtures of the API tests: clients and a small public market."""

import pytest
from rest_framework.test import APIClient

from tests.factories import BumdesFactory, MarketFactory, SellerFactory, VillageFactory
from villages.enums import SellerKind


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def api_en():
    """A client that chose English with the language switch."""
    client = APIClient()
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def bantul(db):
    """Two villages of one market: Panggungharjo with a BUMDes and sellers, Sriharjo bare.

    Panggungharjo's sellers: two active UMKM (one without WhatsApp), one BUMDes unit and
    one inactive UMKM that the public never sees.
    """
    panggung = VillageFactory(
        name="Panggungharjo",
        slug="panggungharjo",
        code="34.02.15.2001",
        kecamatan="Sewon",
        description="Desa dengan Kampung Mataraman.",
    )
    sriharjo = VillageFactory(
        name="Sriharjo",
        slug="sriharjo",
        code="34.02.10.2002",
        kecamatan="Imogiri",
        description="",
    )
    market = MarketFactory(
        name="Pasar Desa Bantul",
        slug="bantul",
        description="Pasar bersama lima desa.",
        villages=[panggung, sriharjo],
    )
    bumdes = BumdesFactory(
        village=panggung,
        name="BUMDes Panggung Lestari",
        legal_name="BUM Desa Panggung Lestari",
        slug="panggung-lestari",
    )
    SellerFactory(
        village=panggung, name="Warung Bu Sri", slug="warung-bu-sri", whatsapp="+6281234567890"
    )
    SellerFactory(village=panggung, name="Kopi Mbah Kromo", slug="kopi-mbah-kromo", whatsapp="")
    SellerFactory(
        village=panggung,
        name="Unit Air Bersih",
        slug="unit-air-bersih",
        kind=SellerKind.BUMDES_UNIT,
        bumdes=bumdes,
        whatsapp="+6285712345678",
    )
    SellerFactory(village=panggung, name="Toko Tutup", slug="toko-tutup", is_active=False)
    return {"panggung": panggung, "sriharjo": sriharjo, "market": market, "bumdes": bumdes}
