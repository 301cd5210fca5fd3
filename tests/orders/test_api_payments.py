"""Payment steps through the API: the buyer sends a transfer's picture, the seller's people
mark cash collected or confirm a transfer; anyone else, and a second press, is refused."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from orders.enums import EventType, PaymentStatus
from orders.models import FulfilmentEvent, Payment
from tests.api.helpers import error_of
from tests.factories import member
from tests.orders.factories import goods, placed_order, seller_in
from villages.enums import Role

pytestmark = pytest.mark.django_db

TRANSFER = (("bank_transfer", None),)
SELLER_BASE = "/api/v1/manage/sellers/{}/{}/fulfilments/{}/payments/{}/"


def proof_url(order, payment):
    fulfilment = f"/api/v1/orders/{order.number}/fulfilments/{payment.fulfilment_id}/"
    return f"{fulfilment}payments/{payment.pk}/proof/"


def seller_url(payment, step, seller=None):
    seller = seller or payment.fulfilment.seller
    base = SELLER_BASE.format(seller.village.slug, seller.slug, payment.fulfilment_id, payment.pk)
    return f"{base}{step}/"


def picture(name="bukti.png", colour="green"):
    data = io.BytesIO()
    Image.new("RGB", (20, 20), colour).save(data, format="PNG")
    return SimpleUploadedFile(name, data.getvalue(), content_type="image/png")


def payment_changes(payment):
    return FulfilmentEvent.objects.filter(
        fulfilment_id=payment.fulfilment_id, type=EventType.PAYMENT_CHANGED
    ).count()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def shop(two_villages):
    """The home village's warung and a second seller, each with a transfer and a cash order."""
    home = two_villages["home"]
    warung = seller_in(home, name="Warung Bu Sri", slug="warung-bu-sri")
    kopi = seller_in(home, name="Kopi Mbah Kromo", slug="kopi-mbah-kromo")
    beras = goods(warung, stock=10, price=14000, name="Beras Pandan Wangi")
    bubuk = goods(kopi, stock=10, price=30000, name="Kopi Bubuk")
    buyer = two_villages["people"]["home"][Role.RESIDENT]
    transfer_order = placed_order(buyer, (beras, 2), tenders=TRANSFER, key="transfer")
    cash_order = placed_order(buyer, (beras, 1), key="cash")
    kopi_order = placed_order(buyer, (bubuk, 1), tenders=TRANSFER, key="kopi")
    return {
        "warung": warung,
        "buyer": buyer,
        "neighbour": member(home, Role.RESIDENT),
        "transfer_order": transfer_order,
        "transfer": Payment.objects.get(fulfilment__order=transfer_order),
        "cash_order": cash_order,
        "cash": Payment.objects.get(fulfilment__order=cash_order),
        "kopi_transfer": Payment.objects.get(fulfilment__order=kopi_order),
        "staff": member(home, Role.SELLER_STAFF, seller=warung),
        "kopi_staff": member(home, Role.SELLER_STAFF, seller=kopi),
        "admin": two_villages["people"]["home"][Role.BUMDES_ADMIN],
        "outsider": two_villages["people"]["other"][Role.BUMDES_ADMIN],
        "official": two_villages["people"]["home"][Role.VILLAGE_OFFICIAL],
    }


def status_of(payment):
    return Payment.objects.get(pk=payment.pk).status


# --- the buyer's picture of a transfer ------------------------------------------------------


def send_proof(api, shop, payment=None, order=None, **data):
    payment = payment or shop["transfer"]
    order = order or shop["transfer_order"]
    data.setdefault("proof", picture())
    return api.post(proof_url(order, payment), data, format="multipart")


def test_the_buyer_sends_a_transfers_picture_and_it_awaits_the_seller(api, shop):
    api.force_authenticate(shop["buyer"])

    response = send_proof(api, shop)

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["number"] == shop["transfer_order"].number
    [payment] = body["fulfilments"][0]["payments"]
    assert (payment["status"], payment["has_proof"]) == (PaymentStatus.AWAITING_CONFIRMATION, True)
    assert Payment.objects.get(pk=shop["transfer"].pk).proof.name.startswith("payments/proof/")


def test_a_second_picture_replaces_the_first_until_the_seller_confirms(api, shop):
    api.force_authenticate(shop["buyer"])
    send_proof(api, shop, proof=picture("pertama.png"))
    first = Payment.objects.get(pk=shop["transfer"].pk).proof.name

    again = send_proof(api, shop, proof=picture("kedua.png", colour="blue"))

    assert again.status_code == 200
    second = Payment.objects.get(pk=shop["transfer"].pk).proof
    assert second.name != first
    assert not second.storage.exists(first)  # the replaced picture is not kept
    assert status_of(shop["transfer"]) == PaymentStatus.AWAITING_CONFIRMATION


def test_no_picture_once_the_seller_has_confirmed(api, shop):
    api.force_authenticate(shop["staff"])
    api.post(seller_url(shop["transfer"], "transfer-confirmation"), {}, format="json")
    api.force_authenticate(shop["buyer"])

    response = send_proof(api, shop)

    error_of(response, 409, "payment_step_not_allowed")
    assert not Payment.objects.get(pk=shop["transfer"].pk).proof


def test_a_file_that_is_not_a_picture_is_refused_and_nothing_changes(api, shop):
    api.force_authenticate(shop["buyer"])
    events = payment_changes(shop["transfer"])

    fake = send_proof(
        api, shop, proof=SimpleUploadedFile("bukti.png", b"bukan gambar", content_type="image/png")
    )
    missing = api.post(proof_url(shop["transfer_order"], shop["transfer"]), {}, format="multipart")

    error_of(fake, 400, "image_invalid")
    assert missing.status_code == 400
    assert "proof" in missing.json()["extra"]["fields"]
    assert status_of(shop["transfer"]) == PaymentStatus.PENDING
    assert payment_changes(shop["transfer"]) == events


def test_a_cash_payment_takes_no_picture(api, shop):
    api.force_authenticate(shop["buyer"])

    response = send_proof(api, shop, payment=shop["cash"], order=shop["cash_order"])

    error_of(response, 409, "payment_method_mismatch")
    assert status_of(shop["cash"]) == PaymentStatus.PENDING


def test_someone_elses_order_or_a_payment_of_another_order_is_a_404(api, shop):
    api.force_authenticate(shop["neighbour"])
    theirs = send_proof(api, shop)
    api.force_authenticate(shop["buyer"])
    # The buyer's own payment, under another of the buyer's orders.
    mixed = send_proof(api, shop, payment=shop["kopi_transfer"], order=shop["transfer_order"])

    error_of(theirs, 404, "order_not_found")
    error_of(mixed, 404, "fulfilment_not_found")
    assert status_of(shop["transfer"]) == PaymentStatus.PENDING
    assert status_of(shop["kopi_transfer"]) == PaymentStatus.PENDING


def test_the_sellers_people_cannot_send_the_buyers_picture(api, shop):
    api.force_authenticate(shop["staff"])

    error_of(send_proof(api, shop), 404, "order_not_found")


# --- the seller's steps ---------------------------------------------------------------------


def test_staff_mark_cash_collected_once(api, shop):
    api.force_authenticate(shop["staff"])
    url = seller_url(shop["cash"], "cash-collected")

    first = api.post(url)
    second = api.post(url)  # a double press

    assert first.status_code == 200, first.json()
    assert first.json()["payments"][0]["status"] == PaymentStatus.PAID
    assert first.json()["events"][-1]["type"] == EventType.PAYMENT_CHANGED
    error_of(second, 409, "payment_step_not_allowed")
    assert status_of(shop["cash"]) == PaymentStatus.PAID
    assert payment_changes(shop["cash"]) == 1


def test_the_bumdes_admin_confirms_a_transfer_with_the_banks_reference(api, shop):
    api.force_authenticate(shop["buyer"])
    send_proof(api, shop)
    api.force_authenticate(shop["admin"])
    url = seller_url(shop["transfer"], "transfer-confirmation")

    first = api.post(url, {"reference": " BRI-0042 "}, format="json")
    second = api.post(url, {"reference": "lagi"}, format="json")

    assert first.status_code == 200, first.json()
    [payment] = first.json()["payments"]
    assert (payment["status"], payment["reference"]) == (PaymentStatus.PAID, "BRI-0042")
    error_of(second, 409, "payment_step_not_allowed")
    assert Payment.objects.get(pk=shop["transfer"].pk).reference == "BRI-0042"


def test_each_step_fits_one_method_only(api, shop):
    api.force_authenticate(shop["staff"])

    cash_as_transfer = api.post(seller_url(shop["cash"], "transfer-confirmation"), {})
    transfer_as_cash = api.post(seller_url(shop["transfer"], "cash-collected"))

    error_of(cash_as_transfer, 409, "payment_method_mismatch")
    error_of(transfer_as_cash, 409, "payment_method_mismatch")
    assert (status_of(shop["cash"]), status_of(shop["transfer"])) == (
        PaymentStatus.PENDING,
        PaymentStatus.PENDING,
    )


def test_a_cancelled_orders_cash_cannot_be_collected(api, shop):
    api.force_authenticate(shop["staff"])
    fulfilment = shop["cash"].fulfilment
    api.post(
        f"/api/v1/manage/sellers/{shop['warung'].village.slug}/{shop['warung'].slug}/"
        f"fulfilments/{fulfilment.pk}/transition/",
        {"to_status": "cancelled", "reason": "Stok rusak"},
    )

    response = api.post(seller_url(shop["cash"], "cash-collected"))

    error_of(response, 409, "fulfilment_cancelled")
    assert status_of(shop["cash"]) == PaymentStatus.REVERSED


def test_another_sellers_staff_other_villages_and_other_roles_are_refused(api, shop):
    url = seller_url(shop["cash"], "cash-collected")
    refusals = {}
    for name in ("kopi_staff", "outsider", "official", "buyer"):
        api.force_authenticate(shop[name])
        refusals[name] = api.post(url)

    for response in refusals.values():
        error_of(response, 403, "not_allowed_for_village")
    assert status_of(shop["cash"]) == PaymentStatus.PENDING


def test_a_payment_of_another_seller_under_my_seller_is_a_404(api, shop):
    api.force_authenticate(shop["staff"])
    theirs = shop["kopi_transfer"]
    # Their fulfilment under my seller; my fulfilment with their payment.
    wrong_fulfilment = api.post(
        seller_url(theirs, "transfer-confirmation", seller=shop["warung"]), {}
    )
    mine = shop["transfer"]
    wrong_payment = api.post(
        SELLER_BASE.format(
            shop["warung"].village.slug, shop["warung"].slug, mine.fulfilment_id, theirs.pk
        )
        + "transfer-confirmation/",
        {},
    )

    error_of(wrong_fulfilment, 404, "fulfilment_not_found")
    error_of(wrong_payment, 404, "payment_not_found")
    assert status_of(theirs) == PaymentStatus.PENDING


def test_anonymous_visitors_get_401(api, shop):
    for response in (
        api.post(seller_url(shop["cash"], "cash-collected")),
        api.post(seller_url(shop["transfer"], "transfer-confirmation"), {}),
        send_proof(api, shop),
    ):
        error_of(response, 401, "not_authenticated")


def test_the_schema_documents_the_payment_steps(api):
    paths = api.get("/api/schema/?format=json").json()["paths"]

    proof = "/api/v1/orders/{order_number}/fulfilments/{fulfilment_id}/payments/{payment_id}/proof/"
    seller = (
        "/api/v1/manage/sellers/{village_slug}/{seller_slug}/fulfilments/{fulfilment_id}"
        "/payments/{payment_id}/"
    )
    assert set(paths) >= {proof, seller + "cash-collected/", seller + "transfer-confirmation/"}
    assert set(paths[proof]["post"]["requestBody"]["content"]) == {"multipart/form-data"}
