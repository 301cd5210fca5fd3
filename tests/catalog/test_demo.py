"""Demo products: realistic, spread over the five villages, stocked through the ledger.

Seeding is the slow part, so one test seeds (twice, to prove it is idempotent) and checks
what the demo promises.
"""

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum
from django.utils import timezone

from catalog.demo import DEMO_STOCK_REASON
from catalog.enums import PhotoStatus, ProductKind
from catalog.models import Product, ProductPhoto, StockMovement

VILLAGES = {"panggungharjo", "ngestiharjo", "guwosari", "wirokerten", "sriharjo"}


@pytest.mark.django_db
def test_the_demo_market_has_a_few_hundred_stocked_pictured_products(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks() as callbacks:
        call_command("seed_demo")
    counts = (Product.objects.count(), StockMovement.objects.count(), ProductPhoto.objects.count())
    call_command("seed_demo")

    # Idempotent: the second run created nothing.
    assert (
        Product.objects.count(),
        StockMovement.objects.count(),
        ProductPhoto.objects.count(),
    ) == counts
    # A few hundred, in every village, with flagship products everywhere and every kind.
    assert counts[0] >= 200
    per_village = dict(
        Product.objects.values_list("village__slug").annotate(n=Count("pk")).order_by()
    )
    assert set(per_village) == VILLAGES
    assert min(per_village.values()) >= 20
    flagship_villages = Product.objects.filter(is_flagship=True).values_list("village__slug")
    assert {slug for (slug,) in flagship_villages} == VILLAGES
    assert set(Product.objects.values_list("kind", flat=True)) == set(ProductKind.values)
    for tour in Product.objects.filter(kind=ProductKind.TOUR):
        assert tour.tour_date > timezone.localdate()
        assert tour.capacity > 0
    for name in ["Beras Pandan Wangi 5 kg", "Telur Ayam Kampung", "Gula Semut 250 g"]:
        assert Product.objects.filter(name=name).exists(), name
    # Stock is the ledger's sum: restocks by nobody, with the demo reason.
    stock = Product.objects.aggregate(total=Sum("stock"))["total"]
    assert stock == StockMovement.objects.aggregate(total=Sum("quantity"))["total"] > 0
    assert set(StockMovement.objects.values_list("kind", "reason", "actor").distinct()) == {
        ("restock", DEMO_STOCK_REASON, None)
    }
    assert not Product.objects.exclude(kind=ProductKind.GOODS).exclude(stock=0).exists()
    # Every product has a picture through the upload pipeline; renditions follow the commit.
    assert counts[2] == counts[0]
    assert len(callbacks) == counts[0]
    callbacks[0]()
    photo = ProductPhoto.objects.exclude(status=PhotoStatus.PENDING).get()
    assert (photo.status, photo.width, photo.height) == (PhotoStatus.READY, 400, 300)
    assert photo.small.name.endswith(".webp")
