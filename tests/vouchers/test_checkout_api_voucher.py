"""The checkout API takes a voucher as the page does: it pays the staple lines, the named
method pays the rest; someone else's wallet is refused and nothing is kept."""

import pytest
from rest_framework.test import APIClient

from ledger.selectors import ledger_problems
from orders.models import Order, Payment
from tests.orders.factories import fill_cart
from tests.vouchers import test_spending
from tests.vouchers.factories import BeneficiaryFactory, credit
from tests.vouchers.test_spending import COURIER_FEE, wallet_balance

pytestmark = pytest.mark.django_db

aid = test_spending.aid  # the same buyer, wallet and shop as the checkout page's tests

CHECKOUT = "/api/v1/checkout/"


def body(aid, **changes):
    return {
        "address": {
            "village": aid["home"].slug,
            "recipient_name": "Bu Sumarni",
            "phone": "0812 3456 7890",
            "dusun": "Glondong",
            "rt": "03",
            "rw": "07",
            "notes": "",
        },
        "delivery": {str(aid["shop"].pk): "courier"},
        "payment": "cash",
        **changes,
    }


@pytest.fixture
def api(aid):
    client = APIClient()
    client.force_authenticate(aid["buyer"])
    fill_cart(aid["buyer"], (aid["rice"], 2), (aid["batik"], 1))
    return client


def test_the_voucher_pays_the_rice_and_cash_the_batik_and_the_courier(api, aid):
    response = api.post(
        CHECKOUT,
        body(aid, voucher_wallet=aid["wallet"].pk),
        format="json",
        headers={"Idempotency-Key": "api-1"},
    )

    assert response.status_code == 201, response.json()
    paid = {p["method"]: p["amount"] for p in response.json()["fulfilments"][0]["payments"]}
    assert paid == {"voucher": 28_000, "cash": 150_000 + COURIER_FEE}
    assert wallet_balance(aid) == 300_000 - 28_000
    assert ledger_problems() == []


def test_someone_elses_wallet_is_refused_and_nothing_is_kept(api, aid):
    theirs = credit(BeneficiaryFactory(village=aid["home"]), aid["programme"], 300_000)

    response = api.post(
        CHECKOUT,
        body(aid, voucher_wallet=theirs.pk),
        format="json",
        headers={"Idempotency-Key": "k"},
    )

    assert response.status_code in {400, 404, 409}, response.json()
    assert response.json()["code"]
    assert not Order.objects.exists()
    assert not Payment.objects.exists()
    assert wallet_balance(aid) == 300_000
