"""Payment steps: the seller collects cash and confirms transfers, the buyer sends proof."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.exceptions import DomainError
from orders import services
from orders.enums import DeliveryMethod, EventType, FulfilmentStatus, PaymentStatus
from orders.models import FulfilmentEvent, Payment
from tests.factories import VillageFactory, member
from tests.orders.factories import goods, placed_order, seller_in
from villages.enums import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    home = VillageFactory(slug="panggungharjo", name="Panggungharjo", code="34.02.15.2001")
    seller = seller_in(home, name="Warung Bu Sri")
    return {
        "staff": member(home, Role.SELLER_STAFF, seller=seller),
        "other_staff": member(home, Role.SELLER_STAFF),
        "buyer": member(home, Role.RESIDENT),
        "rice": goods(seller, stock=10, name="Beras Menthik"),
    }


def payment_of(shop, method="cash", key="k-1"):
    order = placed_order(
        shop["buyer"],
        (shop["rice"], 1),
        delivery=DeliveryMethod.PICKUP,
        tenders=((method, None),),
        key=key,
    )
    return order.fulfilments.get().payments.get()


def picture(name="bukti.png"):
    data = io.BytesIO()
    Image.new("RGB", (20, 20), "green").save(data, format="PNG")
    return SimpleUploadedFile(name, data.getvalue(), content_type="image/png")


def refused_code(call):
    with pytest.raises(DomainError) as refused:
        call()
    return refused.value.code


def test_the_seller_marks_cash_collected(shop):
    payment = payment_of(shop)

    services.mark_cash_collected(actor=shop["staff"], payment_id=payment.pk)

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    event = FulfilmentEvent.objects.filter(type=EventType.PAYMENT_CHANGED).get()
    assert (event.actor, event.details["to_status"]) == (shop["staff"], "paid")


def test_only_the_sellers_people_collect_cash_and_only_once(shop):
    payment = payment_of(shop)

    for actor in (shop["buyer"], shop["other_staff"]):
        assert (
            refused_code(
                lambda a=actor: services.mark_cash_collected(actor=a, payment_id=payment.pk)
            )
            == "not_allowed_for_fulfilment"
        )
    services.mark_cash_collected(actor=shop["staff"], payment_id=payment.pk)
    assert (
        refused_code(
            lambda: services.mark_cash_collected(actor=shop["staff"], payment_id=payment.pk)
        )
        == "payment_step_not_allowed"
    )
    assert FulfilmentEvent.objects.filter(type=EventType.PAYMENT_CHANGED).count() == 1


def test_a_transfer_goes_from_proof_to_paid(shop):
    payment = payment_of(shop, "bank_transfer")

    services.upload_transfer_proof(actor=shop["buyer"], payment_id=payment.pk, proof=picture())
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.AWAITING_CONFIRMATION
    assert payment.proof.name.startswith("payments/proof/")
    assert payment.proof.storage.exists(payment.proof.name)

    services.confirm_transfer(actor=shop["staff"], payment_id=payment.pk, reference="BRI 123")
    payment.refresh_from_db()
    assert (payment.status, payment.reference) == (PaymentStatus.PAID, "BRI 123")


def test_the_seller_may_confirm_a_transfer_without_proof(shop):
    payment = payment_of(shop, "bank_transfer")

    services.confirm_transfer(actor=shop["staff"], payment_id=payment.pk)

    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PAID


def test_proof_must_be_a_picture_and_come_from_the_buyer(shop):
    payment = payment_of(shop, "bank_transfer")
    not_a_picture = SimpleUploadedFile("bukti.png", b"not a picture", content_type="image/png")

    assert (
        refused_code(
            lambda: services.upload_transfer_proof(
                actor=shop["buyer"], payment_id=payment.pk, proof=not_a_picture
            )
        )
        == "image_invalid"
    )
    assert (
        refused_code(
            lambda: services.upload_transfer_proof(
                actor=shop["staff"], payment_id=payment.pk, proof=picture()
            )
        )
        == "not_allowed_for_fulfilment"
    )
    payment.refresh_from_db()
    assert (payment.status, payment.proof.name) == (PaymentStatus.PENDING, "")


def test_steps_do_not_fit_another_method_or_a_cancelled_order(shop):
    cash = payment_of(shop, "cash", key="a")
    transfer = payment_of(shop, "bank_transfer", key="b")

    assert (
        refused_code(lambda: services.confirm_transfer(actor=shop["staff"], payment_id=cash.pk))
        == "payment_method_mismatch"
    )
    assert (
        refused_code(
            lambda: services.mark_cash_collected(actor=shop["staff"], payment_id=transfer.pk)
        )
        == "payment_method_mismatch"
    )
    services.transition_fulfilment(
        actor=shop["buyer"],
        fulfilment_id=transfer.fulfilment_id,
        to_status=FulfilmentStatus.CANCELLED,
    )
    assert (
        refused_code(lambda: services.confirm_transfer(actor=shop["staff"], payment_id=transfer.pk))
        == "fulfilment_cancelled"
    )
    assert Payment.objects.get(pk=transfer.pk).status == PaymentStatus.REVERSED
