"""How a test is written here. Read this before adding one.

1. Name the test after the behaviour a person relies on, in plain words.
2. Build the world with factories (tests/factories.py) and, where the state matters, with
   the same services the product uses: never write rows a service would refuse.
3. Act once, through the public surface (a service, a page, an endpoint).
4. Assert exact values. When the act must fail, assert the error's ``code`` *and* that
   nothing was written.
5. Pages and endpoints that list things pin their number of queries.
6. Mark tests that need real services: ``@pytest.mark.postgres`` (locking, constraints only
   PostgreSQL enforces), ``@pytest.mark.redis`` (a real broker and worker),
   ``@pytest.mark.browser`` (Chromium). They skip without the service, fail when it is named
   but unreachable.
"""

import pytest
from django.urls import reverse

from tests.factories import SellerFactory
from villages import services
from villages.enums import Role
from villages.exceptions import NotAllowedForVillage
from villages.models import Seller


@pytest.mark.django_db
def test_a_bumdes_admin_adds_a_seller_to_their_village(two_villages):
    village = two_villages["home"]
    admin = two_villages["people"]["home"][Role.BUMDES_ADMIN]

    seller = services.create_seller(acting_user=admin, village=village, name="Warung Bu Sri")

    assert (seller.village, seller.name, seller.slug) == (village, "Warung Bu Sri", "warung-bu-sri")


@pytest.mark.django_db
def test_a_refused_action_leaves_nothing_behind(two_villages):
    outsider = two_villages["people"]["other"][Role.BUMDES_ADMIN]
    before = Seller.objects.count()

    with pytest.raises(NotAllowedForVillage) as caught:
        services.create_seller(acting_user=outsider, village=two_villages["home"], name="X")

    assert caught.value.code == "not_allowed_for_village"
    assert Seller.objects.count() == before


@pytest.mark.django_db
def test_the_market_home_costs_the_same_queries_however_many_sellers(
    client, two_villages, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6) as small:
        client.get(reverse("villages:home"))
    SellerFactory.create_batch(20, village=two_villages["home"])
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("villages:home"))
    assert response.status_code == 200
