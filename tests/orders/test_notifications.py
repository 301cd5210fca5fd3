"""Order notifications: sent after commit only, to the right people, once per effect."""

from urllib.parse import unquote

import pytest
from django.core import mail
from django.db import transaction
from django.utils import translation

from orders import notifications, services
from orders.enums import DeliveryMethod, FulfilmentStatus
from orders.models import FulfilmentEvent
from tests.factories import VillageFactory, member
from tests.orders.factories import goods, placed_order, seller_in
from villages.enums import Role

pytestmark = pytest.mark.django_db

S = FulfilmentStatus
TEXT_TOO = [
    "orders.notifications.LogNotifier",
    "orders.notifications.EmailNotifier",
    "orders.notifications.TextMessageNotifier",
]


@pytest.fixture
def shop():
    home = VillageFactory(slug="panggungharjo", name="Panggungharjo", code="34.02.15.2001")
    seller = seller_in(home, name="Warung Bu Sri", whatsapp="+6281234500001")
    return {
        "seller": seller,
        "staff": member(home, Role.SELLER_STAFF, seller=seller, email="sri@contoh.id"),
        "admin": member(home, Role.BUMDES_ADMIN, email="bumdes@contoh.id"),
        "elsewhere": member(home, Role.SELLER_STAFF, email="lain@contoh.id"),
        "buyer": member(home, Role.RESIDENT, email="warga@contoh.id"),
        "rice": goods(seller, stock=10, price=14000, name="Beras Menthik"),
    }


def place(shop, key="k-1"):
    return placed_order(shop["buyer"], (shop["rice"], 2), delivery=DeliveryMethod.LOCAL, key=key)


def test_a_step_tells_the_buyer_only_after_commit(shop, django_capture_on_commit_callbacks):
    fulfilment = place(shop).fulfilments.get()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.transition_fulfilment(
            actor=shop["staff"], fulfilment_id=fulfilment.pk, to_status=S.CONFIRMED
        )
    assert mail.outbox == []  # nothing inside the transaction

    for callback in callbacks:
        callback()

    assert [message.to for message in mail.outbox] == [["warga@contoh.id"]]
    assert fulfilment.order.number in mail.outbox[0].subject


def test_nothing_is_sent_when_the_transaction_rolls_back(shop, django_capture_on_commit_callbacks):
    fulfilment = place(shop).fulfilments.get()
    event = FulfilmentEvent.objects.filter(fulfilment=fulfilment).latest("pk")
    mail.outbox.clear()

    def notify_then_fail():
        with transaction.atomic():
            notifications.notify_fulfilment_changed(fulfilment.pk, event.pk)
            raise RuntimeError("rolled back")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        notify_then_fail()

    assert callbacks == []
    assert mail.outbox == []


def test_a_refused_step_sends_nothing(shop, django_capture_on_commit_callbacks):
    fulfilment = place(shop).fulfilments.get()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Exception):  # noqa: B017, PT011 -- any refusal
        services.transition_fulfilment(
            actor=shop["buyer"], fulfilment_id=fulfilment.pk, to_status=S.CONFIRMED
        )

    assert callbacks == []
    assert mail.outbox == []


def test_a_new_order_tells_the_sellers_people_and_no_one_else(
    shop, settings, text_outbox, django_capture_on_commit_callbacks
):
    settings.PASARDESA_ORDER_NOTIFIERS = TEXT_TOO
    with django_capture_on_commit_callbacks(execute=True):
        order = place(shop)

    assert sorted(address for message in mail.outbox for address in message.to) == [
        "bumdes@contoh.id",
        "sri@contoh.id",
    ]
    assert all(order.number in message.subject for message in mail.outbox)
    assert [phone for phone, _text in text_outbox] == ["+6281234500001"]
    assert "Beras Menthik" in text_outbox[0][1]


def test_the_buyer_gets_a_text_with_the_reason_of_a_cancel(
    shop, settings, text_outbox, django_capture_on_commit_callbacks
):
    settings.PASARDESA_ORDER_NOTIFIERS = TEXT_TOO
    fulfilment = place(shop).fulfilments.get()
    text_outbox.clear()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.transition_fulfilment(
            actor=shop["staff"],
            fulfilment_id=fulfilment.pk,
            to_status=S.CANCELLED,
            reason="Beras habis",
        )

    assert [phone for phone, _text in text_outbox] == [fulfilment.order.contact_phone]
    assert "Beras habis" in text_outbox[0][1]
    assert "Beras habis" in mail.outbox[0].body


def test_english_texts_when_the_language_is_english(shop):
    fulfilment = place(shop).fulfilments.get()
    event = services.transition_fulfilment(
        actor=shop["staff"], fulfilment_id=fulfilment.pk, to_status=S.CONFIRMED
    ).last_event

    with translation.override("en"):
        subject, body = notifications.change_text(fulfilment, event)
        assert subject == f"Your order {fulfilment.order.number} from Warung Bu Sri"
        assert body.splitlines()[0] == "Your order is now: Confirmed."


def test_the_recipient_language_defaults_to_indonesian(shop):
    assert notifications.language_of(shop["buyer"]) == "id"
    shop["buyer"].language = "en"
    assert notifications.language_of(shop["buyer"]) == "en"
    shop["buyer"].language = "jv"
    assert notifications.language_of(shop["buyer"]) == "id"


def test_a_task_run_twice_sends_once(shop):
    fulfilment = place(shop).fulfilments.get()
    event = FulfilmentEvent.objects.filter(fulfilment=fulfilment).latest("pk")
    mail.outbox.clear()

    assert notifications.deliver_fulfilment_changed(fulfilment.pk, event.pk) == 2
    assert notifications.deliver_fulfilment_changed(fulfilment.pk, event.pk) == 0

    assert len(mail.outbox) == 1


class _Broken:
    calls = 0

    def order_placed(self, order):
        raise OSError("gateway down")

    def fulfilment_changed(self, fulfilment, event):
        _Broken.calls += 1
        if _Broken.calls == 1:
            raise OSError("gateway down")


def test_a_failing_channel_is_retried_without_repeating_the_others(shop, settings):
    settings.PASARDESA_ORDER_NOTIFIERS = [
        "orders.notifications.EmailNotifier",
        "tests.orders.test_notifications._Broken",
    ]
    fulfilment = place(shop).fulfilments.get()
    event = FulfilmentEvent.objects.filter(fulfilment=fulfilment).latest("pk")
    mail.outbox.clear()

    with pytest.raises(notifications.NotificationFailed):
        notifications.deliver_fulfilment_changed(fulfilment.pk, event.pk)
    assert notifications.deliver_fulfilment_changed(fulfilment.pk, event.pk) == 1

    assert len(mail.outbox) == 1
    assert _Broken.calls == 2


def test_whatsapp_link_carries_an_order_summary_to_the_seller(shop):
    fulfilment = place(shop).fulfilments.get()

    link = notifications.whatsapp_order_summary(fulfilment)

    assert link.startswith("https://wa.me/6281234500001?text=")
    text = unquote(link.split("?text=", 1)[1])
    assert fulfilment.order.number in text
    assert "2 kg Beras Menthik: Rp28.000" in text


def test_no_whatsapp_link_without_a_number(shop):
    shop["seller"].whatsapp = ""
    shop["seller"].phone = ""
    shop["seller"].save()
    fulfilment = place(shop).fulfilments.get()

    assert notifications.whatsapp_order_summary(fulfilment) == ""


def test_a_new_order_of_two_sellers_tells_each_its_own_lines_in_three_queries(
    shop, settings, text_outbox, django_assert_num_queries
):
    settings.PASARDESA_ORDER_NOTIFIERS = TEXT_TOO
    other = seller_in(shop["seller"].village, name="Kelompok Tani Maju", whatsapp="+6281234500002")
    member(shop["seller"].village, Role.SELLER_STAFF, seller=other, email="tani@contoh.id")
    corn = goods(other, stock=5, price=6000, name="Jagung Manis")
    order = placed_order(shop["buyer"], (shop["rice"], 2), (corn, 3), key="dua")
    mail.outbox.clear()
    text_outbox.clear()

    # The fulfilments with their order and sellers; the sellers' people; all the lines.
    with django_assert_num_queries(3):
        assert notifications.deliver_order_placed(order.pk) == 3

    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert sorted(bodies) == ["bumdes@contoh.id", "sri@contoh.id", "tani@contoh.id"]
    assert "Beras Menthik" in bodies["sri@contoh.id"]
    assert "Jagung Manis" not in bodies["sri@contoh.id"]
    assert "Jagung Manis" in bodies["tani@contoh.id"]
    assert "Beras Menthik" not in bodies["tani@contoh.id"]
    # The village's BUMDes runs both queues: one message per order of each seller.
    assert len(mail.outbox) == 4
    assert sorted(phone for phone, _text in text_outbox) == ["+6281234500001", "+6281234500002"]


def test_a_new_order_no_one_can_read_is_logged_without_reading_its_lines(
    shop, settings, django_assert_num_queries
):
    settings.PASARDESA_ORDER_NOTIFIERS = [
        "orders.notifications.LogNotifier",
        "orders.notifications.EmailNotifier",
    ]
    shop["staff"].email = shop["admin"].email = ""
    shop["staff"].save()
    shop["admin"].save()
    order = place(shop)
    mail.outbox.clear()

    with django_assert_num_queries(2):  # the fulfilments; the sellers' people
        assert notifications.deliver_order_placed(order.pk) == 2

    assert mail.outbox == []


def test_a_deleted_order_is_not_told(shop):
    order = place(shop)
    order.delete()

    assert notifications.deliver_order_placed(order.pk) == 0
