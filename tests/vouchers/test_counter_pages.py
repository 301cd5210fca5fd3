"""The seller's counter page: card and goods, the split, the PIN, one sale, its receipt."""

import pytest
from django.urls import reverse

from tests.factories import member
from tests.vouchers.counter_world import PIN, counter_world, stocked
from villages.enums import Role
from vouchers.models import Beneficiary, CounterSale
from vouchers.services.counter import charge_at_counter

TOKEN = "counter-form-token-0001"


@pytest.fixture
def world(two_villages):
    return counter_world(two_villages)


def counter_url(world, seller=None):
    seller = seller or world["seller"]
    return reverse(
        "vouchers:counter", kwargs={"village_slug": seller.village.slug, "seller_slug": seller.slug}
    )


def receipt_url(world, sale, seller=None):
    seller = seller or world["seller"]
    return reverse(
        "vouchers:counter_receipt",
        kwargs={
            "village_slug": seller.village.slug,
            "seller_slug": seller.slug,
            "sale_id": sale.pk,
        },
    )


def form(world, action, pin="", card=None, **quantities):
    data = {
        "token": TOKEN,
        "card_number": card or world["beneficiary"].card_number,
        "pin": pin,
        "action": action,
    }
    for key, quantity in quantities.items():
        data[f"qty_{world[key].pk}"] = quantity
    return data


@pytest.mark.django_db
def test_the_counter_page_lists_the_sellers_goods_in_constant_queries(
    client, world, django_assert_num_queries
):
    client.force_login(world["cashier"])
    url = counter_url(world)
    client.get(url)  # warm up: session and content types
    with django_assert_num_queries(6) as first:
        response = client.get(url)
    assert response.status_code == 200
    assert f'name="qty_{world["rice"].pk}"'.encode() in response.content
    assert b'name="card_number"' in response.content
    assert b'name="pin"' not in response.content  # asked for at confirmation
    for n in range(5):
        stocked(world["seller"], name=f"Barang {n}", slug="beras", price=1_000)
        charge_at_counter(
            acting_user=world["cashier"],
            seller_id=world["seller"].pk,
            card_number=world["beneficiary"].card_number,
            pin=PIN,
            lines=[(world["soap"].pk, 1)],
            idempotency_key=f"earlier-{n}",
        )
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get(url)
    assert response.content.count(b'href="/kelola/') >= 5


@pytest.mark.django_db
def test_the_split_is_shown_before_confirming_and_nothing_is_charged(client, world):
    client.force_login(world["cashier"])
    response = client.post(counter_url(world), form(world, "preview", rice=2, eggs=1, soap=3))

    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="split-voucher">Rp56.000<' in content
    assert 'id="split-cash">Rp15.000<' in content
    assert 'name="pin"' in content
    assert f'name="qty_{world["soap"].pk}" value="3"' in content
    assert TOKEN in content
    assert CounterSale.objects.count() == 0


@pytest.mark.django_db
def test_confirm_with_the_pin_makes_the_sale_and_shows_the_receipt(client, world):
    client.force_login(world["cashier"])
    response = client.post(counter_url(world), form(world, "charge", pin=PIN, rice=2, soap=3))

    sale = CounterSale.objects.get()
    assert response.status_code == 302
    assert response.url == receipt_url(world, sale)
    assert (sale.voucher_amount, sale.cash_amount, sale.idempotency_key) == (28_000, 15_000, TOKEN)
    receipt = client.get(response.url).content.decode()
    assert 'id="receipt-voucher">Rp28.000<' in receipt
    assert 'id="receipt-cash">Rp15.000<' in receipt
    assert world["beneficiary"].card_number not in receipt  # masked
    assert world["beneficiary"].card_number[-4:] in receipt


@pytest.mark.django_db
def test_the_same_form_sent_twice_makes_one_sale(client, world):
    client.force_login(world["cashier"])
    first = client.post(counter_url(world), form(world, "charge", pin=PIN, rice=1))
    second = client.post(counter_url(world), form(world, "charge", pin=PIN, rice=1))
    assert first.status_code == second.status_code == 302
    assert first.url == second.url
    assert CounterSale.objects.count() == 1


@pytest.mark.django_db
def test_a_wrong_pin_is_shown_counted_and_may_be_typed_again(client, world):
    client.force_login(world["cashier"])
    client.cookies["django_language"] = "en"
    response = client.post(counter_url(world), form(world, "charge", pin="135790", rice=1))

    assert response.status_code == 400
    assert b"wrong PIN (4 tries left)" in response.content
    assert b'id="split-voucher"' in response.content  # still on the confirm step
    assert Beneficiary.objects.get(pk=world["beneficiary"].pk).pin_failures == 1
    assert CounterSale.objects.count() == 0

    again = client.post(counter_url(world), form(world, "charge", pin=PIN, rice=1))
    assert again.status_code == 302
    assert CounterSale.objects.count() == 1


@pytest.mark.django_db
def test_an_unknown_card_gets_a_clear_message(client, world):
    client.force_login(world["cashier"])
    client.cookies["django_language"] = "en"
    response = client.post(
        counter_url(world), form(world, "preview", card="1111 2222 3333 4444", rice=1)
    )
    assert response.status_code == 400
    assert b"No voucher card has that number" in response.content


@pytest.mark.django_db
def test_a_locked_card_is_refused_at_the_preview(client, world):
    Beneficiary.objects.filter(pk=world["beneficiary"].pk).update(
        pin_failures=5, card_locked_at="2026-01-01T00:00Z"
    )
    client.force_login(world["cashier"])
    client.cookies["django_language"] = "en"
    response = client.post(counter_url(world), form(world, "preview", rice=1))
    assert response.status_code == 400
    assert b"card locked" in response.content


@pytest.mark.django_db
def test_no_goods_chosen_is_refused(client, world):
    client.force_login(world["cashier"])
    response = client.post(counter_url(world), form(world, "preview"))
    assert response.status_code == 400
    assert CounterSale.objects.count() == 0


@pytest.mark.django_db
def test_staff_of_another_seller_cannot_open_or_use_this_counter(client, world):
    client.force_login(member(world["home"], Role.SELLER_STAFF))
    assert client.get(counter_url(world)).status_code == 403
    response = client.post(counter_url(world), form(world, "charge", pin=PIN, rice=1))
    assert response.status_code == 403
    assert CounterSale.objects.count() == 0


@pytest.mark.django_db
def test_a_receipt_of_another_sellers_counter_is_not_found(client, world):
    sale = charge_at_counter(
        acting_user=world["cashier"],
        seller_id=world["seller"].pk,
        card_number=world["beneficiary"].card_number,
        pin=PIN,
        lines=[(world["rice"].pk, 1)],
        idempotency_key=TOKEN,
    )
    admin = world["people"]["home"][Role.BUMDES_ADMIN]  # manages every seller of the village
    elsewhere = member(world["home"], Role.SELLER_STAFF).memberships.get().seller
    client.force_login(admin)
    assert client.get(receipt_url(world, sale)).status_code == 200
    assert client.get(receipt_url(world, sale, seller=elsewhere)).status_code == 404


@pytest.mark.django_db
def test_the_receipt_reads_in_constant_queries(client, world, django_assert_num_queries):
    sale = charge_at_counter(
        acting_user=world["cashier"],
        seller_id=world["seller"].pk,
        card_number=world["beneficiary"].card_number,
        pin=PIN,
        lines=[(world[key].pk, 1) for key in ("rice", "eggs", "soap")],
        idempotency_key=TOKEN,
    )
    client.force_login(world["cashier"])
    client.get(receipt_url(world, sale))  # warm up: session and content types
    with django_assert_num_queries(5):
        response = client.get(receipt_url(world, sale))
    assert response.status_code == 200
    assert b'id="receipt-total">Rp47.000<' in response.content


@pytest.mark.django_db
def test_an_inactive_beneficiarys_card_is_refused_at_the_preview(client, world):
    Beneficiary.objects.filter(pk=world["beneficiary"].pk).update(is_active=False)
    client.force_login(world["cashier"])
    client.cookies["django_language"] = "en"
    response = client.post(counter_url(world), form(world, "preview", rice=1))
    assert response.status_code == 400
    assert b"no longer receives aid" in response.content
    assert CounterSale.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("pin", ["", "12345", "abcdef"])
def test_a_missing_or_malformed_pin_is_asked_again_without_counting(client, world, pin):
    client.force_login(world["cashier"])
    response = client.post(counter_url(world), form(world, "charge", pin=pin, rice=1))
    assert response.status_code == 400
    assert b'id="split-voucher"' in response.content
    assert Beneficiary.objects.get(pk=world["beneficiary"].pk).pin_failures == 0
    assert CounterSale.objects.count() == 0
