"""The beat jobs: exactly the due fulfilments move, a second run changes nothing, and a
seller racing the job on PostgreSQL leaves one winner and the stock returned at most once."""

import datetime
import threading

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from catalog.enums import StockMovementKind
from catalog.models import StockMovement
from core.exceptions import DomainError
from orders import services, tasks
from orders.enums import DeliveryMethod, EventType, FulfilmentStatus, PaymentStatus
from orders.models import Fulfilment, FulfilmentEvent, Payment
from tests.factories import member
from tests.orders.factories import goods, placed_order, seller_in
from villages.enums import Role

S = FulfilmentStatus


@pytest.fixture
def shop(db):
    from tests.factories import VillageFactory

    home = VillageFactory(slug="panggungharjo", name="Panggungharjo", code="34.02.15.2001")
    seller = seller_in(home, name="Warung Bu Sri")
    return {
        "seller": seller,
        "staff": member(home, Role.SELLER_STAFF, seller=seller),
        "buyer": member(home, Role.RESIDENT),
        "rice": goods(seller, stock=50, price=14000, name="Beras Menthik"),
    }


def order(shop, key, *, delivery=DeliveryMethod.LOCAL, tenders=(("cash", None),)):
    return placed_order(
        shop["buyer"], (shop["rice"], 2), delivery=delivery, tenders=tenders, key=key
    ).fulfilments.get()


def age(fulfilment, **delta):
    """Pretend the fulfilment's last step (and its payments) happened ``delta`` ago."""
    past = timezone.now() - datetime.timedelta(**delta)
    Fulfilment.objects.filter(pk=fulfilment.pk).update(status_changed_at=past)
    Payment.objects.filter(fulfilment=fulfilment).update(created_at=past)


def walk(shop, fulfilment, *statuses):
    for to_status in statuses:
        services.transition_fulfilment(
            actor=shop["staff"], fulfilment_id=fulfilment.pk, to_status=to_status
        )


def statuses(*fulfilments):
    return [Fulfilment.objects.get(pk=f.pk).status for f in fulfilments]


def stock_matches_ledger(product):
    product.refresh_from_db()
    total = StockMovement.objects.filter(product=product).aggregate(total=Sum("quantity"))
    return product.stock == total["total"]


@pytest.mark.django_db
def test_delivered_ones_complete_after_the_set_days_and_only_those(shop):
    days = settings.PASARDESA_AUTO_COMPLETE_DAYS
    due, fresh, shipped = order(shop, "a"), order(shop, "b"), order(shop, "c")
    walk(shop, due, S.CONFIRMED, S.SHIPPED, S.DELIVERED)
    walk(shop, fresh, S.CONFIRMED, S.SHIPPED, S.DELIVERED)
    walk(shop, shipped, S.CONFIRMED, S.SHIPPED)
    age(due, days=days, minutes=1)
    age(fresh, days=days, minutes=-5)
    age(shipped, days=days + 10)

    assert tasks.complete_delivered_fulfilments.delay().get() == 1
    assert statuses(due, fresh, shipped) == [S.COMPLETED, S.DELIVERED, S.SHIPPED]
    event = FulfilmentEvent.objects.get(fulfilment=due, to_status=S.COMPLETED)
    assert (event.actor, event.from_status) == (None, S.DELIVERED)

    events = FulfilmentEvent.objects.count()
    assert tasks.complete_delivered_fulfilments.delay().get() == 0
    assert FulfilmentEvent.objects.count() == events


@pytest.mark.django_db
def test_unconfirmed_ones_are_cancelled_after_the_set_hours_with_their_stock_back(shop):
    hours = settings.PASARDESA_AUTO_CANCEL_HOURS
    due, fresh, confirmed = order(shop, "a"), order(shop, "b"), order(shop, "c")
    walk(shop, confirmed, S.CONFIRMED)
    age(due, hours=hours, minutes=1)
    age(fresh, hours=hours - 1)
    age(confirmed, hours=hours * 3)

    assert tasks.cancel_unconfirmed_fulfilments.delay().get() == 1
    assert statuses(due, fresh, confirmed) == [S.CANCELLED, S.PLACED, S.CONFIRMED]
    shop["rice"].refresh_from_db()
    assert shop["rice"].stock == 50 - 2 - 2
    assert Payment.objects.get(fulfilment=due).status == PaymentStatus.REVERSED
    assert Fulfilment.objects.get(pk=due.pk).cancel_reason

    movements = StockMovement.objects.count()
    assert tasks.cancel_unconfirmed_fulfilments.delay().get() == 0
    assert StockMovement.objects.count() == movements
    assert stock_matches_ledger(shop["rice"])


@pytest.mark.django_db
def test_unpaid_transfers_are_released_and_their_fulfilments_cancelled(shop):
    hours = settings.PASARDESA_TRANSFER_HOURS
    transfer = (("bank_transfer", None),)
    unpaid = order(shop, "a", tenders=transfer)
    unpaid_confirmed = order(shop, "b", tenders=transfer)
    proof_sent = order(shop, "c", tenders=transfer)
    paid = order(shop, "d", tenders=transfer)
    recent = order(shop, "e", tenders=transfer)
    cash = order(shop, "f")
    walk(shop, unpaid_confirmed, S.CONFIRMED)
    Payment.objects.filter(fulfilment=proof_sent).update(status=PaymentStatus.AWAITING_CONFIRMATION)
    services.confirm_transfer(actor=shop["staff"], payment_id=paid.payments.get().pk)
    for fulfilment in (unpaid, unpaid_confirmed, proof_sent, paid, cash):
        age(fulfilment, hours=hours, minutes=1)
    age(recent, hours=hours - 1)

    assert tasks.release_unpaid_transfers.delay().get() == 2
    assert statuses(unpaid, unpaid_confirmed, proof_sent, paid, recent, cash) == [
        S.CANCELLED,
        S.CANCELLED,
        S.PLACED,
        S.PLACED,
        S.PLACED,
        S.PLACED,
    ]
    assert Payment.objects.get(fulfilment=unpaid).status == PaymentStatus.RELEASED
    assert Payment.objects.get(fulfilment=unpaid_confirmed).status == PaymentStatus.RELEASED
    shop["rice"].refresh_from_db()
    assert shop["rice"].stock == 50 - 4 * 2
    changes = FulfilmentEvent.objects.filter(fulfilment=unpaid).order_by("pk")
    assert [(e.type, e.details.get("to_status") or e.to_status) for e in changes][-2:] == [
        (EventType.PAYMENT_CHANGED, PaymentStatus.RELEASED),
        (EventType.STATUS_CHANGED, S.CANCELLED),
    ]

    movements = StockMovement.objects.count()
    assert tasks.release_unpaid_transfers.delay().get() == 0
    assert StockMovement.objects.count() == movements
    assert stock_matches_ledger(shop["rice"])


@pytest.mark.django_db
def test_the_jobs_walk_through_more_than_one_batch(shop, monkeypatch):
    from orders import seller_selectors

    original = seller_selectors._ids_in_batches
    monkeypatch.setattr(
        seller_selectors,
        "_ids_in_batches",
        lambda queryset, batch_size: original(queryset, 2),
    )
    due = [order(shop, f"k{n}") for n in range(5)]
    for fulfilment in due:
        age(fulfilment, hours=settings.PASARDESA_AUTO_CANCEL_HOURS + 1)

    assert services.lifecycle.cancel_unconfirmed_fulfilments_due() == 5
    assert set(statuses(*due)) == {S.CANCELLED}


def test_the_jobs_are_on_the_beat_schedule():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "orders.tasks.complete_delivered_fulfilments",
        "orders.tasks.cancel_unconfirmed_fulfilments",
        "orders.tasks.release_unpaid_transfers",
    } <= scheduled
    from pasardesa.celery import app

    app.loader.import_default_modules()  # every app's tasks, as a worker loads them
    for name in scheduled:
        assert name in app.tasks


# --- Real concurrent transactions ---------------------------------------------------------


def _race(*actions):
    """Run the actions in threads released together; returns each one's result or error."""
    barrier = threading.Barrier(len(actions))
    results = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait(timeout=10)
            results[index] = action()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(index, action)) for index, action in enumerate(actions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("rounds", [8])
def test_seller_cancel_racing_the_job_has_one_winner_and_returns_stock_once(shop, rounds):
    hours = settings.PASARDESA_AUTO_CANCEL_HOURS
    for round_number in range(rounds):
        fulfilment = order(shop, f"race-{round_number}")
        age(fulfilment, hours=hours + 1)

        seller_result, job_result = _race(
            lambda f=fulfilment: services.transition_fulfilment(
                actor=shop["staff"],
                fulfilment_id=f.pk,
                to_status=S.CANCELLED,
                reason="Stok rusak",
            ),
            services.lifecycle.cancel_unconfirmed_fulfilments_due,
        )

        seller_won = isinstance(seller_result, Fulfilment)
        if seller_won:
            assert job_result == 0
        else:
            assert isinstance(seller_result, DomainError), seller_result
            assert seller_result.code == "transition_not_allowed"
            assert job_result == 1
        cancels = FulfilmentEvent.objects.filter(fulfilment=fulfilment, to_status=S.CANCELLED)
        assert cancels.count() == 1
        assert cancels.get().actor_id == (shop["staff"].pk if seller_won else None)
        returns = StockMovement.objects.filter(
            kind=StockMovementKind.RETURN, reason__contains=fulfilment.order.number
        )
        assert list(returns.values_list("quantity", flat=True)) == [2]

    shop["rice"].refresh_from_db()
    assert shop["rice"].stock == 50
    assert stock_matches_ledger(shop["rice"])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_seller_confirming_while_the_job_cancels_leaves_one_consistent_outcome(shop):
    hours = settings.PASARDESA_AUTO_CANCEL_HOURS
    for round_number in range(6):
        fulfilment = order(shop, f"confirm-{round_number}")
        age(fulfilment, hours=hours + 1)

        confirm_result, job_result = _race(
            lambda f=fulfilment: services.transition_fulfilment(
                actor=shop["staff"], fulfilment_id=f.pk, to_status=S.CONFIRMED
            ),
            services.lifecycle.cancel_unconfirmed_fulfilments_due,
        )

        final = Fulfilment.objects.get(pk=fulfilment.pk).status
        if isinstance(confirm_result, Fulfilment):
            assert (final, job_result) == (S.CONFIRMED, 0)
        else:
            assert (final, job_result) == (S.CANCELLED, 1)
        steps = FulfilmentEvent.objects.filter(
            fulfilment=fulfilment, type=EventType.STATUS_CHANGED
        ).exclude(from_status="")
        assert steps.count() == 1
    assert stock_matches_ledger(shop["rice"])
