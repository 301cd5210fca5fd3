"""The demo market's orders and settled day: seeded through the real services, once.

Seeding the whole demo takes seconds (the catalogue's pictures), so each test seeds once
and checks several things the demo promises a visitor.
"""

import datetime

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from catalog.models import Product, StockMovement
from ledger.models import Transfer
from ledger.selectors import ledger_problems
from orders.demo import ORDERS, settled_day
from orders.enums import EventType, FulfilmentStatus, PaymentMethod, PaymentStatus
from orders.models import CartLine, Fulfilment, FulfilmentEvent, Order, Payment
from settlement.enums import PostingStatus
from settlement.models import Payout, PayoutStatus, Posting, SettlementBatch, VillageTransfer
from villages.demo import DEMO_DOMAIN
from vouchers.models import VoucherCharge

pytestmark = pytest.mark.django_db
S = FulfilmentStatus
MODELS = (
    Order,
    Fulfilment,
    FulfilmentEvent,
    Payment,
    CartLine,
    StockMovement,
    VoucherCharge,
    Transfer,
    Posting,
    SettlementBatch,
    Payout,
    VillageTransfer,
)


@pytest.fixture(autouse=True)
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def person(prefix, village):
    return User.objects.get(email=f"{prefix}.{village}@{DEMO_DOMAIN}")


def status_of(key):
    return Fulfilment.objects.get(order__idempotency_key=key).status


def test_seeding_twice_places_the_orders_and_closes_their_day_once():
    call_command("seed_demo", with_accounts=True)
    first = counts()
    call_command("seed_demo", with_accounts=True)

    assert counts() == first
    assert first["Order"] == len(ORDERS) == first["Fulfilment"]
    assert first["SettlementBatch"] == 1
    # Every state a visitor should meet, at sellers of several villages.
    statuses = {spec.key: status_of(spec.key) for spec in ORDERS}
    assert statuses == {spec.key: spec.status for spec in ORDERS}
    assert set(statuses.values()) >= {S.PLACED, S.CONFIRMED, S.SHIPPED, S.DELIVERED}
    assert len(set(Fulfilment.objects.values_list("village_id", flat=True))) >= 4
    cancel = FulfilmentEvent.objects.get(to_status=S.CANCELLED)
    assert cancel.actor == cancel.fulfilment.order.buyer
    # Each status was reached step by step, each step an event.
    for fulfilment in Fulfilment.objects.all():
        last = fulfilment.events.filter(type=EventType.STATUS_CHANGED).order_by("pk").last()
        assert last.to_status == fulfilment.status
    # Cash mostly, one transfer confirmed by the seller, one paid partly by the BLT voucher.
    methods = list(Payment.objects.values_list("method", flat=True))
    assert methods.count(PaymentMethod.BANK_TRANSFER) == 1
    assert methods.count(PaymentMethod.VOUCHER) == 1
    assert methods.count(PaymentMethod.CASH) == len(ORDERS) - 1
    voucher = Payment.objects.get(method=PaymentMethod.VOUCHER)
    assert voucher.fulfilment.payments.filter(method=PaymentMethod.CASH).exists()
    assert voucher.fulfilment.order.buyer == person("warga", "panggungharjo")
    assert Payment.objects.get(method=PaymentMethod.BANK_TRANSFER).status == PaymentStatus.PAID
    # Stock is still the sum of its movements, and the ledger balances.
    sums = dict(
        StockMovement.objects.values_list("product_id").annotate(total=Sum("quantity")).order_by()
    )
    for product_id, stock in Product.objects.filter(kind="goods").values_list("pk", "stock"):
        assert stock == sums.get(product_id, 0), product_id
    assert ledger_problems() == []


def test_the_settled_day_is_in_the_past_and_holds_the_completed_orders():
    call_command("seed_demo", with_accounts=True)

    day = settled_day()
    assert day < timezone.localdate()
    batch = SettlementBatch.objects.get()
    assert (batch.period_start, batch.period_end) == (day, day)
    completed = Fulfilment.objects.filter(status=S.COMPLETED)
    assert completed.count() == sum(spec.status == S.COMPLETED for spec in ORDERS)
    assert {timezone.localdate(f.status_changed_at) for f in completed} == {day}
    assert set(Posting.objects.values_list("status", flat=True)) == {PostingStatus.POSTED}
    assert Posting.objects.count() == completed.count()
    # Orders are of the last few days, none in the future.
    now = timezone.now()
    for created in Order.objects.values_list("created_at", flat=True):
        assert now - datetime.timedelta(days=3) < created <= now
    # The voucher spent at a Ngestiharjo seller is a transfer from Panggungharjo.
    transfer = VillageTransfer.objects.get(batch=batch)
    assert (transfer.from_village.slug, transfer.to_village.slug) == (
        "panggungharjo",
        "ngestiharjo",
    )
    assert Payout.objects.filter(batch=batch, status=PayoutStatus.PENDING).exists()


def test_buyers_sellers_and_bumdes_see_the_demo_on_their_pages(client):
    call_command("seed_demo", with_accounts=True)

    buyer = person("warga", "panggungharjo")
    client.force_login(buyer)
    response = client.get(reverse("orders:my_orders"))
    assert response.status_code == 200
    shown = {
        order.idempotency_key: [f.status for f in order.fulfilments.all()]
        for order in response.context["orders"]
    }
    mine = [spec for spec in ORDERS if spec.buyer == "panggungharjo"]
    assert shown == {spec.key: [spec.status] for spec in mine}
    for order in response.context["orders"]:
        assert order.number in response.content.decode()
    assert "Cancelled" in response.content.decode()

    staff = person("penjual", "panggungharjo")
    client.force_login(staff)
    queue = reverse(
        "order_dashboard:queue",
        kwargs={"village_slug": "panggungharjo", "seller_slug": "warung-sembako-bu-sri"},
    )
    response = client.get(queue, {"status": S.PLACED})
    assert response.status_code == 200
    placed = [row["fulfilment"].order.idempotency_key for row in response.context["rows"]]
    assert placed == ["demo-9"]

    client.force_login(person("penjual", "ngestiharjo"))
    response = client.get(
        reverse(
            "settlement:seller_payouts",
            kwargs={"village_slug": "ngestiharjo", "seller_slug": "tempe-mbak-yuni"},
        )
    )
    assert response.status_code == 200
    assert [p.status for p in response.context["payouts"]] == [PayoutStatus.PENDING]

    client.force_login(person("bumdes", "ngestiharjo"))
    response = client.get(reverse("settlement:batch_list", kwargs={"village_slug": "ngestiharjo"}))
    assert response.status_code == 200
    [summary] = response.context["summaries"]
    assert summary.batch.period_end == settled_day()
    assert summary.to_pay == 17_500  # Tempe Mbak Yuni: the voucher part, less commission


def test_without_demo_accounts_there_are_no_orders_and_no_settled_day():
    call_command("seed_demo")  # DEBUG is off in tests

    assert Order.objects.count() == 0
    assert SettlementBatch.objects.count() == 0
    assert Posting.objects.count() == 0
