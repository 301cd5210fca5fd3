"""A double submit of one checkout over the API, on PostgreSQL: one order, the same answer."""

import pytest
from django.db.models import Sum
from rest_framework.test import APIClient

from catalog.models import Product
from orders.models import Order, OrderLine
from tests.factories import UserFactory, VillageFactory
from tests.orders.factories import delivery_options_for, fill_cart, goods, seller_in
from tests.orders.test_checkout_concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_five_submits_of_one_key_make_one_order_and_answer_its_number():
    village = VillageFactory(slug="panggungharjo", name="Panggungharjo", code="34.02.15.2001")
    warung = seller_in(village, name="Warung Bu Sri")
    delivery_options_for(warung)
    rice = goods(warung, stock=10, price=14000, name="Beras Menthik")
    buyer = UserFactory()
    fill_cart(buyer, (rice, 3))
    body = {
        "address": {
            "village": village.slug,
            "recipient_name": "Bu Sumarni",
            "phone": "081234567890",
        },
        "delivery": {str(warung.pk): "pickup"},
        "payment": "cash",
    }

    def submit(_index):
        api = APIClient()
        api.force_authenticate(buyer)
        response = api.post(
            "/api/v1/checkout/", body, format="json", headers={"Idempotency-Key": "dobel"}
        )
        return response.status_code, response.json()

    results = run_together(submit, range(5))

    statuses = sorted(status for status, _body in results)
    assert set(statuses) <= {200, 201}, results
    assert 201 in statuses
    assert {answer["number"] for _status, answer in results} == {Order.objects.get().number}
    assert OrderLine.objects.aggregate(sold=Sum("quantity"))["sold"] == 3
    assert Product.objects.get(pk=rice.pk).stock == 7
