"""The checkout page with a BLT voucher: what it pays, why not the rest, and the split."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ledger.enums import AccountKind
from ledger.models import Account
from orders.enums import DeliveryMethod, PaymentMethod, PaymentStatus
from orders.models import Order, Payment
from tests.factories import UserFactory, VillageFactory, category
from tests.orders.factories import delivery_options_for, fill_cart, goods, seller_in
from tests.pages.html import read_page
from tests.vouchers.factories import BeneficiaryFactory, ProgrammeFactory, credit
from villages.enums import Role

pytestmark = pytest.mark.django_db

CHECKOUT = "orders:checkout"


@pytest.fixture
def en(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def aid(two_villages):
    home, other = two_villages["home"], two_villages["other"]
    buyer = two_villages["people"]["home"][Role.RESIDENT]
    programme = ProgrammeFactory(village=home, market=two_villages["market"], name="BLT 2026")
    wallet = credit(BeneficiaryFactory(village=home, user=buyer), programme, 300_000)
    shop = seller_in(other, name="Toko Sriharjo")
    delivery_options_for(shop, courier_enabled=True, fee_same_kabupaten=10_000)
    return {
        **two_villages,
        "buyer": buyer,
        "wallet": wallet,
        "shop": shop,
        "rice": goods(shop, stock=50, price=14_000, name="Beras Menthik"),
        "batik": goods(
            shop, stock=5, price=150_000, name="Batik Tulis", category=category("fashion-batik")
        ),
    }


def text_of(response):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def form_data(response, aid, **overrides):
    page = read_page(response)
    form = next(f for f in page.forms if f.attrs.get("id") == "checkout-form")
    key = next(i["value"] for i in form.inputs if i.get("name") == "idempotency_key")
    data = {
        "idempotency_key": key,
        "delivery_village": aid["home"].pk,
        "recipient_name": "Bu Sumarni",
        "phone": "0812 3456 7890",
        "payment_method": PaymentMethod.CASH,
        f"delivery_{aid['shop'].pk}": DeliveryMethod.COURIER,
        "voucher_wallet": str(aid["wallet"].pk),
        "place": "1",
    }
    data.update(overrides)
    return data


def wallet_balance(wallet):
    return Account.objects.get(kind=AccountKind.BENEFICIARY_WALLET, owner_id=wallet.pk).balance


def test_the_page_shows_what_the_voucher_pays_and_why_not_the_rest(en, aid):
    fill_cart(aid["buyer"], (aid["rice"], 5), (aid["batik"], 1))
    en.force_login(aid["buyer"])

    page = en.get(reverse(CHECKOUT))
    data = form_data(page, aid)
    response = en.post(reverse(CHECKOUT), {**data, "update": "1"})

    assert response.status_code == 200
    text = text_of(response)
    assert "Pay with BLT voucher" in text
    assert "BLT 2026 · balance Rp300.000" in text
    html = read_page(response)
    rice = html.element_text(f"checkout-line-{aid['rice'].pk}")
    batik = html.element_text(f"checkout-line-{aid['batik'].pk}")
    assert "Voucher pays Rp70.000" in rice
    assert "The voucher pays only for staple food." in batik
    assert "A voucher never pays the delivery fee." in text
    assert html.element_text("checkout-voucher") == "Rp70.000"
    assert html.element_text("checkout-rest") == "Rp160.000"
    assert "voucher pays Rp70.000, Cash on delivery or at pickup pays Rp160.000" in text
    assert not Order.objects.exists()


def test_placing_with_the_voucher_splits_the_payment(en, aid):
    fill_cart(aid["buyer"], (aid["rice"], 5), (aid["batik"], 1))
    en.force_login(aid["buyer"])

    response = en.post(reverse(CHECKOUT), form_data(en.get(reverse(CHECKOUT)), aid))

    order = Order.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("orders:order", kwargs={"order_number": order.number})
    assert sorted(Payment.objects.values_list("method", "amount", "status")) == [
        (PaymentMethod.CASH, 160_000, PaymentStatus.PENDING),
        (PaymentMethod.VOUCHER, 70_000, PaymentStatus.PAID),
    ]
    assert wallet_balance(aid["wallet"]) == 230_000
    detail = read_page(en.get(response.url))
    voucher = Payment.objects.get(method=PaymentMethod.VOUCHER)
    assert "Rp70.000" in detail.element_text(f"payment-{voucher.pk}")


def test_choosing_no_voucher_pays_everything_in_cash(en, aid):
    fill_cart(aid["buyer"], (aid["rice"], 1))
    en.force_login(aid["buyer"])

    en.post(reverse(CHECKOUT), form_data(en.get(reverse(CHECKOUT)), aid, voucher_wallet=""))

    assert list(Payment.objects.values_list("method", "amount")) == [(PaymentMethod.CASH, 24_000)]
    assert wallet_balance(aid["wallet"]) == 300_000


def test_someone_elses_wallet_sent_with_the_form_is_refused(en, aid):
    theirs = credit(
        BeneficiaryFactory(village=aid["home"], user=UserFactory()),
        aid["wallet"].programme,
        300_000,
    )
    fill_cart(aid["buyer"], (aid["rice"], 1))
    en.force_login(aid["buyer"])

    response = en.post(
        reverse(CHECKOUT), form_data(en.get(reverse(CHECKOUT)), aid, voucher_wallet=theirs.pk)
    )

    assert response.status_code == 200
    assert not Order.objects.exists()
    assert wallet_balance(theirs) == 300_000


def test_a_seller_outside_the_area_is_explained(en, aid):
    far = VillageFactory(name="Janti", slug="janti", code="33.10.11.2003")
    warung = seller_in(far, name="Warung Janti")
    delivery_options_for(warung)
    rice = goods(warung, stock=5, name="Beras Janti")
    fill_cart(aid["buyer"], (rice, 1))
    en.force_login(aid["buyer"])

    html = read_page(en.get(reverse(CHECKOUT)))

    assert "outside the area where the voucher may be spent" in (
        html.element_text(f"checkout-line-{rice.pk}")
    )
    assert html.element_text("checkout-voucher") == "Rp0"


def test_a_buyer_without_a_voucher_is_not_offered_one(en, aid):
    buyer = aid["people"]["home"][Role.BUMDES_ADMIN]
    fill_cart(buyer, (aid["rice"], 1))
    en.force_login(buyer)

    response = en.get(reverse(CHECKOUT))

    assert response.status_code == 200
    assert 'name="voucher_wallet"' not in response.content.decode()


def test_a_voucher_that_cannot_pay_now_is_not_offered_and_the_page_says_why(en, aid):
    fill_cart(aid["buyer"], (aid["rice"], 1))
    aid["wallet"].programme.status = "closed"
    aid["wallet"].programme.save(update_fields=["status"])
    en.force_login(aid["buyer"])

    response = en.get(reverse(CHECKOUT))

    assert 'name="voucher_wallet"' not in response.content.decode()
    assert "The aid programme is not running now." in read_page(response).element_text(
        f"voucher-unusable-{aid['wallet'].pk}"
    )


def test_the_page_runs_as_many_queries_however_many_lines(en, aid):
    en.force_login(aid["buyer"])
    fill_cart(aid["buyer"], (aid["rice"], 1))

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert en.get(reverse(CHECKOUT)).status_code == 200
        return len(queries)

    few = count()
    more = [goods(aid["shop"], stock=5, price=1000 + n) for n in range(4)]
    fill_cart(aid["buyer"], *[(p, 1) for p in more], (aid["batik"], 1))

    assert count() == few
