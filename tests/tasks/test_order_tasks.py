"""Order tasks through Redis and a real worker process, as in production.

The worker reads the test database, so these run on PostgreSQL (an in-memory SQLite
database cannot be shared with another process). Orders are placed before the tasks are
sent: until then tasks run in the test's process, as without Redis. The worker's order
notifiers write text messages to its file (``TextMessageNotifier`` and ``FileSender``).
"""

from __future__ import annotations

import datetime
import re
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.tasks import send_text_message
from catalog.models import Product
from orders import services, tasks
from orders.enums import DeliveryMethod, FulfilmentStatus, PaymentStatus
from orders.models import Fulfilment, FulfilmentEvent, Payment
from pasardesa.celery import app as celery_app
from tests.factories import VillageFactory, member
from tests.orders.factories import goods, placed_order, seller_in
from villages.enums import Role

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

S = FulfilmentStatus
WORKER_NOTIFIERS = "orders.notifications.LogNotifier,orders.notifications.TextMessageNotifier"
BUYER_PHONE = "+6281234567890"  # tests.orders.factories.buyer_address
MARKER_PHONE = "+6289999999999"


@pytest.fixture
def shop():
    home = VillageFactory(slug="panggungharjo", name="Panggungharjo", code="34.02.15.2001")
    warung = seller_in(home, name="Warung Bu Sri", whatsapp="+6281200000001")
    tani = seller_in(home, name="Kelompok Tani Maju", whatsapp="+6281200000002")
    return {
        "warung": warung,
        "tani": tani,
        "staff": member(home, Role.SELLER_STAFF, seller=warung),
        "buyer": member(home, Role.RESIDENT),
        "rice": goods(warung, stock=50, price=14000, name="Beras Menthik"),
        "corn": goods(tani, stock=50, price=6000, name="Jagung Manis"),
    }


@pytest.fixture
def text_notifiers(monkeypatch):
    """The worker's notifiers (``start_worker`` reads the environment when it is set up)."""
    monkeypatch.setenv("PASARDESA_ORDER_NOTIFIERS", WORKER_NOTIFIERS)


@pytest.fixture
def order_worker(text_notifiers, start_worker, broker):
    """A worker telling sellers and buyers by text message; nothing remembered as sent."""
    # The worker's cache is the broker's Redis database, shared with earlier runs, whose
    # orders may have had the same ids: forget what they sent.
    for key in broker.scan_iter(match="*orders:notified:*"):
        broker.delete(key)
    return start_worker()


def messages_in(path: Path) -> list[tuple[str, str]]:
    """The ``(phone, text)`` messages a ``FileSender`` wrote; a text may span lines."""
    if not path.is_file():
        return []
    records = re.split(r"^(\+\d+)\t", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return [
        (phone, text.rstrip("\n")) for phone, text in zip(records[1::2], records[2::2], strict=True)
    ]


def drained(worker, send, count: int, timeout: float = 20.0) -> list[tuple[str, str]]:
    """Send a marker text behind the tasks already sent and wait for it: the worker (one
    process, one queue) has then finished them. Returns the ``count`` messages before it.

    Results are not stored, and the worker does not log successes (``celery.app.trace``
    logs warnings only).
    """
    send(send_text_message, phone=MARKER_PHONE, text="marker")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        told = messages_in(worker.message_file)
        if (MARKER_PHONE, "marker") in told[count:]:
            assert told[count] == (MARKER_PHONE, "marker"), told
            return told[:count]
        time.sleep(0.1)
    pytest.fail(
        f"the marker did not arrive within {timeout:.0f} s: {messages_in(worker.message_file)}"
        f"\nworker log:\n{worker.log()}"
    )


def age(fulfilment, **delta):
    """Pretend the fulfilment's last step and its payments happened ``delta`` ago."""
    past = timezone.now() - datetime.timedelta(**delta)
    Fulfilment.objects.filter(pk=fulfilment.pk).update(status_changed_at=past)
    Payment.objects.filter(fulfilment=fulfilment).update(created_at=past)


def test_a_worker_tells_each_seller_of_a_new_order_once(shop, order_worker, request):
    order = placed_order(
        shop["buyer"], (shop["rice"], 2), (shop["corn"], 3), delivery=DeliveryMethod.LOCAL
    )
    send = request.getfixturevalue("send_to_worker")  # from here on, tasks go to Redis

    send(tasks.send_order_placed, order_id=order.pk)
    send(tasks.send_order_placed, order_id=order.pk)  # delivered twice: told once

    messages = dict(drained(order_worker, send, 2))
    assert sorted(messages) == ["+6281200000001", "+6281200000002"]
    assert order.number in messages["+6281200000001"]
    assert "Beras Menthik" in messages["+6281200000001"]
    assert "Jagung Manis" not in messages["+6281200000001"]
    assert "- 3 kg Jagung Manis: Rp18.000" in messages["+6281200000002"].splitlines()
    assert len(messages_in(order_worker.message_file)) == 3  # and the marker: told once
    assert f"New order {order.number} for seller {shop['warung'].pk}" in order_worker.log()


def test_a_worker_given_an_order_that_is_gone_tells_no_one(shop, order_worker, request):
    order = placed_order(shop["buyer"], (shop["rice"], 1), delivery=DeliveryMethod.LOCAL)
    order_id = order.pk
    order.delete()
    send = request.getfixturevalue("send_to_worker")

    send(tasks.send_order_placed, order_id=order_id)

    assert drained(order_worker, send, 0) == []
    assert "New order" not in order_worker.log()


def test_the_beat_jobs_run_on_a_worker_and_move_only_what_is_due(shop, order_worker, request):
    def fulfilment(key, *, tenders=(("cash", None),)):
        return placed_order(
            shop["buyer"],
            (shop["rice"], 2),
            delivery=DeliveryMethod.LOCAL,
            tenders=tenders,
            key=key,
        ).fulfilments.get()

    unconfirmed, fresh = fulfilment("lama"), fulfilment("baru")
    unpaid = fulfilment("transfer", tenders=(("bank_transfer", None),))
    delivered = fulfilment("sampai")
    for to_status in (S.CONFIRMED, S.SHIPPED, S.DELIVERED):
        services.transition_fulfilment(
            actor=shop["staff"], fulfilment_id=delivered.pk, to_status=to_status
        )
    age(unconfirmed, hours=settings.PASARDESA_AUTO_CANCEL_HOURS, minutes=1)
    age(unpaid, hours=settings.PASARDESA_TRANSFER_HOURS, minutes=1)
    age(delivered, days=settings.PASARDESA_AUTO_COMPLETE_DAYS, minutes=1)
    send = request.getfixturevalue("send_to_worker")
    jobs = {
        entry["task"]
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"].startswith("orders.")
    }

    for name in sorted(jobs):  # by the names beat sends
        send(celery_app.tasks[name])

    # The buyer hears of each step the worker took, by text message.
    told = drained(order_worker, send, 3)
    assert jobs == {
        "orders.tasks.cancel_unconfirmed_fulfilments",
        "orders.tasks.complete_delivered_fulfilments",
        "orders.tasks.release_unpaid_transfers",
    }
    by_pk = Fulfilment.objects.in_bulk([unconfirmed.pk, fresh.pk, unpaid.pk, delivered.pk])
    assert [by_pk[f.pk].status for f in (unconfirmed, fresh, unpaid, delivered)] == [
        S.CANCELLED,
        S.PLACED,
        S.CANCELLED,
        S.COMPLETED,
    ]
    assert Payment.objects.get(fulfilment=unpaid).status == PaymentStatus.RELEASED
    assert Product.objects.get(pk=shop["rice"].pk).stock == 50 - 2 * 4 + 2 * 2
    assert [phone for phone, _text in told] == [BUYER_PHONE] * 3
    events = FulfilmentEvent.objects.count()

    for name in sorted(jobs):  # a second run finds nothing due
        send(celery_app.tasks[name])
    drained(order_worker, send, 4)  # the three steps, the first marker

    assert FulfilmentEvent.objects.count() == events
    assert Product.objects.get(pk=shop["rice"].pk).stock == 50 - 2 * 4 + 2 * 2
