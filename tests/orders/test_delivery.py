"""Delivery options: pickup, free local delivery in the seller's own village, courier by zone."""

import pytest

from orders.enums import DeliveryMethod, DeliveryZone
from orders.models import SellerDelivery
from orders.services import DeliveryOption, delivery_options, delivery_zone
from tests.factories import VillageFactory
from tests.orders.factories import delivery_options_for, seller_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def villages():
    """Bantul villages in two kecamatan, and one in Sleman."""
    return {
        "panggungharjo": VillageFactory(
            slug="panggungharjo", code="34.02.15.2001", kecamatan="Sewon", kabupaten="Bantul"
        ),
        "bangunharjo": VillageFactory(
            slug="bangunharjo", code="34.02.15.2003", kecamatan="Sewon", kabupaten="Bantul"
        ),
        "sriharjo": VillageFactory(
            slug="sriharjo", code="34.02.10.2002", kecamatan="Imogiri", kabupaten="Bantul"
        ),
        "sardonoharjo": VillageFactory(
            slug="sardonoharjo", code="34.04.12.2004", kecamatan="Ngaglik", kabupaten="Sleman"
        ),
    }


def courier(seller, *, further=30000):
    return delivery_options_for(
        seller,
        courier_enabled=True,
        fee_same_kecamatan=5000,
        fee_same_kabupaten=12000,
        fee_further=further,
    )


def test_a_seller_without_settings_gets_the_defaults_written_once(villages):
    seller = seller_in(villages["panggungharjo"])

    options = delivery_options(seller=seller, delivery_village=villages["panggungharjo"])

    assert options == [
        DeliveryOption(method=DeliveryMethod.PICKUP, fee=0),
        DeliveryOption(method=DeliveryMethod.LOCAL, fee=0),
    ]
    row = SellerDelivery.objects.get(seller=seller)
    assert (row.pickup_enabled, row.local_delivery_enabled, row.courier_enabled) == (
        True,
        True,
        False,
    )
    delivery_options(seller=seller, delivery_village=villages["sriharjo"])
    assert SellerDelivery.objects.filter(seller=seller).count() == 1


def test_free_local_delivery_only_inside_the_sellers_village(villages):
    seller = seller_in(villages["panggungharjo"])

    options = delivery_options(seller=seller, delivery_village=villages["bangunharjo"])

    assert [option.method for option in options] == [DeliveryMethod.PICKUP]


@pytest.mark.parametrize(
    ("village", "zone", "fee"),
    [
        ("panggungharjo", DeliveryZone.SAME_KECAMATAN, 5000),  # own village: nearest fee
        ("bangunharjo", DeliveryZone.SAME_KECAMATAN, 5000),
        ("sriharjo", DeliveryZone.SAME_KABUPATEN, 12000),
        ("sardonoharjo", DeliveryZone.FURTHER, 30000),
    ],
)
def test_courier_fee_by_zone(villages, village, zone, fee):
    seller = seller_in(villages["panggungharjo"])
    courier(seller)

    options = delivery_options(seller=seller, delivery_village=villages[village])

    assert options[-1] == DeliveryOption(method=DeliveryMethod.COURIER, fee=fee, zone=zone)


def test_no_courier_beyond_the_regency_without_a_fee_for_it(villages):
    seller = seller_in(villages["panggungharjo"])
    courier(seller, further=None)
    delivery_options_for(seller, pickup_enabled=False)

    assert delivery_options(seller=seller, delivery_village=villages["sardonoharjo"]) == []


def test_the_code_decides_the_zone_before_the_names(villages):
    # Same kecamatan name in another regency: the code says it is further.
    elsewhere = VillageFactory(
        slug="sewon-lain", code="35.07.15.2001", kecamatan="SEWON", kabupaten="bantul"
    )

    assert delivery_zone(villages["panggungharjo"], elsewhere) == DeliveryZone.FURTHER
    assert delivery_zone(villages["panggungharjo"], villages["panggungharjo"]) is None


def test_names_decide_without_case_when_a_code_is_malformed(villages):
    legacy = VillageFactory.build(pk=10_000, code="", kecamatan="sewon ", kabupaten="BANTUL")
    imogiri = VillageFactory.build(pk=10_001, code="", kecamatan="Imogiri", kabupaten="Bantul")

    assert delivery_zone(villages["panggungharjo"], legacy) == DeliveryZone.SAME_KECAMATAN
    assert delivery_zone(villages["panggungharjo"], imogiri) == DeliveryZone.SAME_KABUPATEN
