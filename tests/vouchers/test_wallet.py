"""A beneficiary's own aid: the pages under /akun/bantuan/ and the wallet API."""

import pytest
from django.contrib.auth.hashers import check_password
from django.urls import reverse
from rest_framework.test import APIClient

from orders import services
from orders.enums import DeliveryMethod, FulfilmentStatus, PaymentMethod
from tests.api.helpers import error_of
from tests.factories import UserFactory
from tests.orders.factories import buyer_address, delivery_options_for, fill_cart, goods, seller_in
from tests.pages.html import read_page
from tests.vouchers.factories import BeneficiaryFactory, ProgrammeFactory, credit
from villages.enums import Role
from vouchers.enums import ProgrammeStatus
from vouchers.models import Beneficiary

pytestmark = pytest.mark.django_db

NIK = "3402151234560001"
PIN = "246810"
WALLETS = "/api/v1/bantuan/dompet/"


def history_url(wallet):
    return f"/api/v1/bantuan/dompet/{wallet.pk}/riwayat/"


@pytest.fixture
def en(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def api():
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"  # the site answers in Indonesian otherwise
    return client


def order_rice(world, quantity, key):
    buyer = world["buyer"]
    return services.place_order(
        buyer=buyer,
        cart=fill_cart(buyer, (world["rice"], quantity)),
        address=buyer_address(world["home"]),
        delivery_choices={world["shop"].pk: DeliveryMethod.PICKUP},
        tenders=[(PaymentMethod.VOUCHER, world["wallet"].pk), (PaymentMethod.CASH, None)],
        idempotency_key=key,
    )


def cancel(world, order):
    services.transition_fulfilment(
        actor=world["buyer"],
        fulfilment_id=order.fulfilments.get().pk,
        to_status=FulfilmentStatus.CANCELLED,
    )


@pytest.fixture
def world(two_villages):
    """A beneficiary who received Rp300.000, spent Rp70.000 and had it refunded, then spent
    Rp14.000 and — the programme closed meanwhile — had it returned to the programme."""
    home = two_villages["home"]
    buyer = two_villages["people"]["home"][Role.RESIDENT]
    beneficiary = BeneficiaryFactory(village=home, user=buyer, nik=NIK, pin=PIN)
    programme = ProgrammeFactory(village=home, market=two_villages["market"], name="BLT 2026")
    shop = seller_in(two_villages["other"], name="Toko Sriharjo")
    delivery_options_for(shop)
    world = {
        **two_villages,
        "buyer": buyer,
        "beneficiary": beneficiary,
        "programme": programme,
        "wallet": credit(beneficiary, programme, 300_000),
        "shop": shop,
        "rice": goods(shop, stock=50, price=14_000, name="Beras Menthik"),
    }
    world["refunded"] = order_rice(world, 5, "satu")
    cancel(world, world["refunded"])
    world["returned"] = order_rice(world, 1, "dua")
    programme.status = ProgrammeStatus.CLOSED
    programme.save(update_fields=["status"])
    cancel(world, world["returned"])
    return world


# --- Pages ------------------------------------------------------------------------------


def test_the_beneficiary_sees_balance_card_masked_nik_and_history(en, world):
    en.force_login(world["buyer"])

    response = en.get(reverse("vouchers:wallet"))

    assert response.status_code == 200
    page = read_page(response)
    body = response.content.decode()
    assert NIK not in body
    beneficiary = f"beneficiary-{world['beneficiary'].pk}"
    assert "3402••••••••0001" in page.element_text(beneficiary)
    assert world["beneficiary"].card_number in page.element_text(beneficiary)
    assert "Rp286.000" in page.element_text(f"wallet-{world['wallet'].pk}")
    history = page.element_text("history")
    for words in (
        "Aid received",
        "Rp300.000",
        f"Spent · Toko Sriharjo · {world['refunded'].number} -Rp70.000",
        "Refunded to the voucher",
        f"Spent · Toko Sriharjo · {world['returned'].number} -Rp14.000",
        "returned to the programme",
    ):
        assert words in history, words
    assert history.index("returned to the programme") < history.index("Aid received")


def test_someone_else_sees_none_of_it(en, world):
    en.force_login(UserFactory())

    response = en.get(reverse("vouchers:wallet"))

    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="not-a-beneficiary"' in body
    assert world["beneficiary"].card_number not in body
    assert "Rp286.000" not in body


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    for name in ("vouchers:wallet", "vouchers:wallet_pin"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


def test_the_page_runs_as_many_queries_however_long_the_history(
    client, world, django_assert_num_queries
):
    client.force_login(world["buyer"])
    url = reverse("vouchers:wallet")
    client.get(url)

    # session, user, beneficiaries, wallets, history count, history page, sellers
    with django_assert_num_queries(7):
        assert client.get(url).status_code == 200
    world["programme"].status = ProgrammeStatus.ACTIVE
    world["programme"].save(update_fields=["status"])
    for index in range(5):
        order_rice(world, 1, f"lagi-{index}")
    with django_assert_num_queries(7):
        assert client.get(url).status_code == 200


def pin_form(**fields):
    return {"current_pin": PIN, "new_pin": "318529", "new_pin_again": "318529", **fields}


def test_the_beneficiary_changes_their_pin(en, world):
    en.force_login(world["buyer"])
    data = pin_form(card=world["beneficiary"].pk)

    response = en.post(reverse("vouchers:wallet_pin"), data)

    assert response.status_code == 302
    assert response.url == reverse("vouchers:wallet")
    beneficiary = Beneficiary.objects.get(pk=world["beneficiary"].pk)
    assert check_password("318529", beneficiary.pin_hash)
    assert beneficiary.pin_failures == 0


def test_a_wrong_current_pin_is_counted_and_changes_nothing(en, world):
    en.force_login(world["buyer"])
    before = world["beneficiary"].pin_hash

    response = en.post(
        reverse("vouchers:wallet_pin"), pin_form(card=world["beneficiary"].pk, current_pin="135790")
    )

    assert response.status_code == 400
    assert "wrong PIN (4 tries left)" in response.content.decode()
    beneficiary = Beneficiary.objects.get(pk=world["beneficiary"].pk)
    assert (beneficiary.pin_hash, beneficiary.pin_failures) == (before, 1)


@pytest.mark.parametrize(
    "fields",
    [
        {"new_pin_again": "318520"},  # the two new PINs differ
        {"new_pin": "111111", "new_pin_again": "111111"},  # weak
        {"new_pin": "12345", "new_pin_again": "12345"},  # too short
    ],
)
def test_a_bad_new_pin_is_refused_without_counting(en, world, fields):
    en.force_login(world["buyer"])

    response = en.post(
        reverse("vouchers:wallet_pin"), pin_form(card=world["beneficiary"].pk, **fields)
    )

    assert response.status_code == 400
    beneficiary = Beneficiary.objects.get(pk=world["beneficiary"].pk)
    assert check_password(PIN, beneficiary.pin_hash)
    assert beneficiary.pin_failures == 0


def test_someone_elses_card_cannot_have_its_pin_changed(en, world):
    stranger = BeneficiaryFactory(village=world["home"], user=UserFactory(), pin=PIN)
    en.force_login(world["buyer"])

    response = en.post(reverse("vouchers:wallet_pin"), pin_form(card=stranger.pk))

    assert response.status_code == 400
    assert check_password(PIN, Beneficiary.objects.get(pk=stranger.pk).pin_hash)


def test_the_pin_page_offers_only_the_persons_own_card(en, world):
    BeneficiaryFactory(village=world["home"], user=UserFactory(), pin=PIN)
    en.force_login(world["buyer"])

    form = next(
        f
        for f in read_page(en.get(reverse("vouchers:wallet_pin"))).forms
        if f.attrs.get("id") == "pin-form"
    )

    card = next(i for i in form.inputs if i.get("name") == "card")
    assert card["value"] == str(world["beneficiary"].pk)


# --- API --------------------------------------------------------------------------------


def test_the_api_lists_the_callers_wallets_with_the_nik_masked(api, world):
    other_programme = ProgrammeFactory(village=world["home"], name="BLT Lansia")
    second = credit(world["beneficiary"], other_programme, 50_000)
    credit(BeneficiaryFactory(village=world["home"], user=UserFactory()), other_programme, 9)
    api.force_authenticate(world["buyer"])

    response = api.get(WALLETS)

    assert response.status_code == 200
    assert NIK not in response.content.decode()
    body = {wallet["id"]: wallet for wallet in response.json()}
    assert set(body) == {world["wallet"].pk, second.pk}
    closed = body[world["wallet"].pk]
    assert (closed["balance"], closed["spendable"], closed["programme"]["name"]) == (
        286_000,
        False,
        "BLT 2026",
    )
    assert closed["not_spendable_because"] == "The aid programme is not running now."
    assert closed["beneficiary"]["nik_masked"] == "3402••••••••0001"
    assert (body[second.pk]["balance"], body[second.pk]["spendable"]) == (50_000, True)


def test_the_api_pages_a_wallets_history(api, world, django_assert_num_queries):
    api.force_authenticate(world["buyer"])

    with django_assert_num_queries(4):  # wallet, count, page, sellers
        response = api.get(history_url(world["wallet"]))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 5
    kinds = [item["kind"] for item in body["results"]]
    assert kinds == ["returned", "spend", "refund", "spend", "issue"]
    spend = body["results"][1]
    assert (spend["amount"], spend["order_number"], spend["seller_name"]) == (
        -14_000,
        world["returned"].number,
        "Toko Sriharjo",
    )
    assert (body["results"][0]["amount"], body["results"][0]["moved"]) == (0, 14_000)


def test_someone_elses_wallet_is_not_found(api, world):
    api.force_authenticate(UserFactory())

    error_of(api.get(history_url(world["wallet"])), 404, "wallet_not_found")
    assert api.get(WALLETS).json() == []


def test_anonymous_callers_get_401(api, world):
    assert api.get(WALLETS).status_code == 401
    assert api.get(history_url(world["wallet"])).status_code == 401
