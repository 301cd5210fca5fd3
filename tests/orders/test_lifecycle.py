"""The fulfilment state machine: every allowed step, refusals with their codes, who may act,
and what a cancel undoes (stock exactly once, payments reversed)."""

import datetime

import pytest
from django.db.models import Sum
from django.utils import timezone

from catalog.enums import StockMovementKind
from catalog.models import Product, StockMovement
from core.exceptions import DomainError
from orders import services
from orders.enums import DeliveryMethod, EventType, FulfilmentStatus, PaymentStatus
from orders.exceptions import AlreadyInStatus, FulfilmentNotFound
from orders.models import Fulfilment, FulfilmentEvent, Payment
from orders.services.cart import places_taken
from tests.factories import UserFactory, member
from tests.orders.factories import goods, placed_order, seller_in, tour
from villages.enums import Role

pytestmark = pytest.mark.django_db

S = FulfilmentStatus


@pytest.fixture
def shop(two_villages):
    """A seller of the home village with one staff member, rice in stock, a buyer there."""
    home, other = two_villages["home"], two_villages["other"]
    seller = seller_in(home, name="Warung Bu Sri")
    other_seller = seller_in(home, name="Toko Pak Darmo")
    return {
        **two_villages,
        "seller": seller,
        "staff": member(home, Role.SELLER_STAFF, seller=seller),
        "other_staff": member(home, Role.SELLER_STAFF, seller=other_seller),
        "home_admin": two_villages["people"]["home"][Role.BUMDES_ADMIN],
        "other_admin": two_villages["people"]["other"][Role.BUMDES_ADMIN],
        "official": two_villages["people"]["home"][Role.VILLAGE_OFFICIAL],
        "buyer": member(home, Role.RESIDENT),
        "rice": goods(seller, stock=10, price=14000, name="Beras Menthik"),
        "eggs": goods(seller, stock=30, price=2000, name="Telur Ayam"),
        "other_village": other,
    }


def order_of(
    shop, *, delivery=DeliveryMethod.LOCAL, tenders=(("cash", None),), key="k-1", rice=3, eggs=10
):
    order = placed_order(
        shop["buyer"],
        (shop["rice"], rice),
        (shop["eggs"], eggs),
        delivery=delivery,
        tenders=tenders,
        key=key,
    )
    return order.fulfilments.get()


def step(fulfilment, actor, to_status, reason=""):
    return services.transition_fulfilment(
        actor=actor, fulfilment_id=fulfilment.pk, to_status=to_status, reason=reason
    )


def snapshot(fulfilment):
    """Everything a refused step must leave as it was."""
    fulfilment.refresh_from_db()
    return (
        fulfilment.status,
        fulfilment.status_changed_at,
        fulfilment.cancel_reason,
        FulfilmentEvent.objects.filter(fulfilment=fulfilment).count(),
        list(Payment.objects.filter(fulfilment=fulfilment).values_list("status", flat=True)),
        StockMovement.objects.count(),
    )


def stock_is_its_ledger(*products):
    for product in products:
        product.refresh_from_db()
        ledger = StockMovement.objects.filter(product=product).aggregate(total=Sum("quantity"))
        assert product.stock == ledger["total"]


# --- Every allowed step ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("delivery", "path"),
    [
        (DeliveryMethod.LOCAL, [S.CONFIRMED, S.SHIPPED, S.DELIVERED, S.COMPLETED]),
        (DeliveryMethod.PICKUP, [S.CONFIRMED, S.READY_FOR_PICKUP, S.DELIVERED, S.COMPLETED]),
    ],
)
def test_the_whole_way_records_each_step_with_actor_and_time(shop, delivery, path):
    fulfilment = order_of(shop, delivery=delivery)
    previous = S.PLACED
    for to_status in path:
        actor = shop["buyer"] if to_status == S.COMPLETED else shop["staff"]
        before = timezone.now()

        result = step(fulfilment, actor, to_status)

        fulfilment.refresh_from_db()
        assert result.status == fulfilment.status == to_status
        assert before <= fulfilment.status_changed_at <= timezone.now()
        event = FulfilmentEvent.objects.filter(
            fulfilment=fulfilment, type=EventType.STATUS_CHANGED
        ).latest("pk")
        assert (event.from_status, event.to_status, event.actor) == (previous, to_status, actor)
        assert before <= event.created_at <= timezone.now()
        assert event.details == {
            "reason": "",
            "by": ["buyer"] if to_status == S.COMPLETED else ["seller"],
        }
        previous = to_status


def test_a_bumdes_admin_of_the_village_runs_any_seller_of_it(shop):
    fulfilment = order_of(shop)

    step(fulfilment, shop["home_admin"], S.CONFIRMED)
    step(fulfilment, shop["home_admin"], S.SHIPPED)
    step(fulfilment, shop["home_admin"], S.DELIVERED)

    fulfilment.refresh_from_db()
    assert fulfilment.status == S.DELIVERED


def test_the_buyer_cancels_before_confirmation_without_a_reason(shop):
    fulfilment = order_of(shop)

    step(fulfilment, shop["buyer"], S.CANCELLED)

    fulfilment.refresh_from_db()
    assert (fulfilment.status, fulfilment.cancel_reason) == (S.CANCELLED, "")


@pytest.mark.parametrize("confirm_first", [False, True])
def test_the_seller_cancels_placed_or_confirmed_with_a_reason(shop, confirm_first):
    fulfilment = order_of(shop)
    if confirm_first:
        step(fulfilment, shop["staff"], S.CONFIRMED)

    step(fulfilment, shop["staff"], S.CANCELLED, reason="  Beras habis kena banjir  ")

    fulfilment.refresh_from_db()
    assert (fulfilment.status, fulfilment.cancel_reason) == (S.CANCELLED, "Beras habis kena banjir")
    event = FulfilmentEvent.objects.get(fulfilment=fulfilment, to_status=S.CANCELLED)
    assert event.details == {"reason": "Beras habis kena banjir", "by": ["seller"]}


def test_the_system_completes_a_delivered_and_cancels_a_placed_one(shop):
    placed = order_of(shop, key="k-1")
    delivered = order_of(shop, key="k-2")
    for to_status in (S.CONFIRMED, S.SHIPPED, S.DELIVERED):
        step(delivered, shop["staff"], to_status)

    step(placed, None, S.CANCELLED)
    step(delivered, None, S.COMPLETED)

    assert Fulfilment.objects.get(pk=placed.pk).status == S.CANCELLED
    assert Fulfilment.objects.get(pk=delivered.pk).status == S.COMPLETED
    event = FulfilmentEvent.objects.get(fulfilment=delivered, to_status=S.COMPLETED)
    assert (event.actor, event.details["by"]) == (None, ["system"])


# --- Refusals ------------------------------------------------------------------------------


def _walk(shop, fulfilment, statuses):
    for to_status in statuses:
        actor = shop["buyer"] if to_status == S.COMPLETED else shop["staff"]
        step(fulfilment, actor, to_status, reason="stok habis" if to_status == S.CANCELLED else "")


@pytest.mark.parametrize(
    ("delivery", "history", "to_status", "code"),
    [
        (DeliveryMethod.LOCAL, [], S.SHIPPED, "transition_not_allowed"),
        (DeliveryMethod.LOCAL, [], S.DELIVERED, "transition_not_allowed"),
        (DeliveryMethod.LOCAL, [], S.COMPLETED, "transition_not_allowed"),
        (DeliveryMethod.LOCAL, [S.CONFIRMED], S.PLACED, "transition_not_allowed"),
        (DeliveryMethod.LOCAL, [S.CONFIRMED], S.READY_FOR_PICKUP, "transition_not_allowed"),
        (DeliveryMethod.PICKUP, [S.CONFIRMED], S.SHIPPED, "transition_not_allowed"),
        (DeliveryMethod.LOCAL, [S.CONFIRMED, S.SHIPPED], S.CANCELLED, "transition_not_allowed"),
        (
            DeliveryMethod.LOCAL,
            [S.CONFIRMED, S.SHIPPED, S.DELIVERED, S.COMPLETED],
            S.CANCELLED,
            "transition_not_allowed",
        ),
        (DeliveryMethod.LOCAL, [S.CANCELLED], S.CONFIRMED, "transition_not_allowed"),
        (DeliveryMethod.LOCAL, [S.CONFIRMED], S.CONFIRMED, "transition_not_allowed"),
        (DeliveryMethod.LOCAL, [], S.CANCELLED, "reason_required"),
        (
            DeliveryMethod.LOCAL,
            [S.CONFIRMED, S.SHIPPED, S.DELIVERED],
            S.COMPLETED,
            "not_allowed_for_fulfilment",
        ),
        (DeliveryMethod.LOCAL, [], "lost", "transition_not_allowed"),
    ],
)
def test_illegal_steps_are_refused_and_change_nothing(shop, delivery, history, to_status, code):
    fulfilment = order_of(shop, delivery=delivery)
    _walk(shop, fulfilment, history)
    before = snapshot(fulfilment)

    with pytest.raises(DomainError) as refused:
        step(fulfilment, shop["staff"], to_status)

    assert getattr(refused.value, "code", None) == code
    assert snapshot(fulfilment) == before


def test_a_retried_step_is_refused_cleanly_as_already_done(shop):
    fulfilment = order_of(shop)
    step(fulfilment, shop["staff"], S.CONFIRMED)
    before = snapshot(fulfilment)

    with pytest.raises(AlreadyInStatus) as refused:
        step(fulfilment, shop["staff"], S.CONFIRMED)

    assert refused.value.code == "transition_not_allowed"
    assert refused.value.extra == {
        "from_status": "confirmed",
        "to_status": "confirmed",
        "already": True,
    }
    assert snapshot(fulfilment) == before


def test_an_expected_status_no_longer_there_is_refused(shop):
    fulfilment = order_of(shop)
    step(fulfilment, shop["staff"], S.CONFIRMED)

    with pytest.raises(DomainError) as refused:
        services.transition_fulfilment(
            actor=shop["buyer"],
            fulfilment_id=fulfilment.pk,
            to_status=S.CANCELLED,
            expected_status=S.PLACED,
        )

    assert refused.value.code == "transition_not_allowed"


def test_an_unknown_fulfilment_is_not_found(shop):
    with pytest.raises(FulfilmentNotFound):
        services.transition_fulfilment(
            actor=shop["staff"], fulfilment_id=987654, to_status=S.CONFIRMED
        )


def test_a_reason_that_is_too_long_is_refused(shop):
    fulfilment = order_of(shop)
    before = snapshot(fulfilment)

    with pytest.raises(DomainError) as refused:
        step(fulfilment, shop["staff"], S.CANCELLED, reason="x" * 301)

    assert refused.value.code == "reason_too_long"
    assert snapshot(fulfilment) == before


# --- Who may do what ----------------------------------------------------------------------

MAY = "ok"
NOT = "not_allowed_for_fulfilment"


@pytest.mark.parametrize(
    ("who", "confirm", "buyer_cancel_placed", "cancel_confirmed", "complete"),
    [
        # confirm a placed one; cancel it while placed; cancel a confirmed one; complete
        ("buyer", NOT, MAY, NOT, MAY),
        ("staff", MAY, MAY, MAY, NOT),
        ("home_admin", MAY, MAY, MAY, NOT),
        ("other_staff", NOT, NOT, NOT, NOT),
        ("other_admin", NOT, NOT, NOT, NOT),
        ("official", NOT, NOT, NOT, NOT),
        ("stranger", NOT, NOT, NOT, NOT),
    ],
)
def test_who_may_take_which_step(
    shop, who, confirm, buyer_cancel_placed, cancel_confirmed, complete
):
    actor = UserFactory() if who == "stranger" else shop[who]
    reason = "Tidak bisa mengirim"

    def outcome(fulfilment, to_status):
        before = snapshot(fulfilment)
        try:
            step(fulfilment, actor, to_status, reason=reason)
        except DomainError as error:
            assert snapshot(fulfilment) == before
            return error.code
        return MAY

    placed = order_of(shop, key="a", rice=1, eggs=1)
    assert outcome(placed, S.CONFIRMED) == confirm

    placed_again = order_of(shop, key="b", rice=1, eggs=1)
    assert outcome(placed_again, S.CANCELLED) == buyer_cancel_placed

    confirmed = order_of(shop, key="c", rice=1, eggs=1)
    step(confirmed, shop["staff"], S.CONFIRMED)
    assert outcome(confirmed, S.CANCELLED) == cancel_confirmed

    delivered = order_of(shop, key="d", rice=1, eggs=1)
    _walk(shop, delivered, [S.CONFIRMED, S.SHIPPED, S.DELIVERED])
    assert outcome(delivered, S.COMPLETED) == complete


def test_an_inactive_seller_staff_member_may_not_act(shop):
    fulfilment = order_of(shop)
    shop["staff"].is_active = False
    shop["staff"].save()

    with pytest.raises(DomainError) as refused:
        step(fulfilment, shop["staff"], S.CONFIRMED)

    assert refused.value.code == NOT


def test_next_steps_are_the_buttons_a_party_sees(shop):
    fulfilment = order_of(shop, delivery=DeliveryMethod.PICKUP)
    seller = frozenset({services.Party.SELLER})
    buyer = frozenset({services.Party.BUYER})

    assert services.next_steps(fulfilment, seller) == [S.CONFIRMED, S.CANCELLED]
    assert services.next_steps(fulfilment, buyer) == [S.CANCELLED]
    step(fulfilment, shop["staff"], S.CONFIRMED)
    fulfilment.refresh_from_db()
    assert services.next_steps(fulfilment, seller) == [S.READY_FOR_PICKUP, S.CANCELLED]
    assert services.next_steps(fulfilment, buyer) == []


# --- What a cancel undoes -----------------------------------------------------------------


def test_a_cancel_returns_the_stock_exactly_once(shop):
    rice, eggs = shop["rice"], shop["eggs"]
    fulfilment = order_of(shop)
    rice.refresh_from_db()
    eggs.refresh_from_db()
    assert (rice.stock, eggs.stock) == (7, 20)

    step(fulfilment, shop["staff"], S.CANCELLED, reason="Tidak bisa mengirim")
    with pytest.raises(AlreadyInStatus):
        step(fulfilment, shop["staff"], S.CANCELLED, reason="Tidak bisa mengirim")
    with pytest.raises(AlreadyInStatus):
        step(fulfilment, None, S.CANCELLED)

    rice.refresh_from_db()
    eggs.refresh_from_db()
    assert (rice.stock, eggs.stock) == (10, 30)
    returns = StockMovement.objects.filter(kind=StockMovementKind.RETURN).order_by("product_id")
    assert [(m.product_id, m.quantity, m.actor) for m in returns] == [
        (rice.pk, 3, shop["staff"]),
        (eggs.pk, 10, shop["staff"]),
    ]
    assert all(fulfilment.order.number in m.reason for m in returns)
    stock_is_its_ledger(rice, eggs)


def test_a_system_cancel_returns_stock_with_no_actor(shop):
    fulfilment = order_of(shop)

    step(fulfilment, None, S.CANCELLED)

    shop["rice"].refresh_from_db()
    assert shop["rice"].stock == 10
    assert (
        StockMovement.objects.get(kind=StockMovementKind.RETURN, product=shop["rice"]).actor is None
    )
    stock_is_its_ledger(shop["rice"])


def test_a_cancelled_tour_gives_its_places_back(shop):
    trip = tour(shop["seller"], capacity=6, name="Susur Sungai Oya")
    order = placed_order(shop["buyer"], (trip, 4), delivery=DeliveryMethod.PICKUP)
    fulfilment = order.fulfilments.get()
    assert places_taken([trip.pk]) == {trip.pk: 4}

    step(fulfilment, shop["buyer"], S.CANCELLED)

    assert places_taken([trip.pk]) == {}
    assert Product.objects.get(pk=trip.pk).capacity == 6  # the capacity itself never moves
    assert not StockMovement.objects.filter(product=trip).exists()


def test_a_cancel_reverses_pending_and_paid_payments_with_events(shop):
    fulfilment = order_of(shop, delivery=DeliveryMethod.PICKUP)
    payment = fulfilment.payments.get()
    services.mark_cash_collected(actor=shop["staff"], payment_id=payment.pk)
    step(fulfilment, shop["staff"], S.CONFIRMED)

    step(fulfilment, shop["staff"], S.CANCELLED, reason="Toko tutup")

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REVERSED
    changes = FulfilmentEvent.objects.filter(
        fulfilment=fulfilment, type=EventType.PAYMENT_CHANGED
    ).order_by("pk")
    assert [(e.details["from_status"], e.details["to_status"], e.actor) for e in changes] == [
        ("pending", "paid", shop["staff"]),
        ("paid", "reversed", shop["staff"]),
    ]
    # The status event comes first in the timeline, the payment's after it.
    status_event = FulfilmentEvent.objects.get(fulfilment=fulfilment, to_status=S.CANCELLED)
    assert status_event.pk < changes.last().pk


def test_a_cancel_leaves_other_sellers_of_the_order_alone(shop):
    other_seller = seller_in(shop["home"], name="Kebun Pak Darmo")
    chili = goods(other_seller, stock=5, name="Cabai Rawit")
    order = placed_order(shop["buyer"], (shop["rice"], 2), (chili, 1))
    mine = order.fulfilments.get(seller=shop["seller"])
    theirs = order.fulfilments.get(seller=other_seller)

    step(mine, shop["staff"], S.CANCELLED, reason="Habis")

    theirs.refresh_from_db()
    chili.refresh_from_db()
    assert theirs.status == S.PLACED
    assert theirs.payments.get().status == PaymentStatus.PENDING
    assert chili.stock == 4


def test_status_changed_at_moves_only_on_a_step(shop):
    fulfilment = order_of(shop)
    past = timezone.now() - datetime.timedelta(days=2)
    Fulfilment.objects.filter(pk=fulfilment.pk).update(status_changed_at=past)

    with pytest.raises(DomainError):
        step(fulfilment, shop["buyer"], S.CONFIRMED)
    fulfilment.refresh_from_db()
    assert fulfilment.status_changed_at == past

    step(fulfilment, shop["staff"], S.CONFIRMED)
    fulfilment.refresh_from_db()
    assert fulfilment.status_changed_at > past
