"""Payment methods behind one interface: split tender allocated exactly to the rupiah."""

import datetime

import pytest
from django.utils import timezone

from orders import payments, services
from orders.enums import DeliveryMethod, EventType, PaymentMethod, PaymentStatus
from orders.exceptions import TendersInvalid
from orders.models import FulfilmentEvent, Payment
from tests.factories import UserFactory, VillageFactory, category
from tests.orders.factories import buyer_address, fill_cart, goods, seller_in

CASH = (PaymentMethod.CASH, None)


class StapleOnlyTender(payments.PaymentMethodHandler):
    """A voucher-like tender for the tests: pays staple lines only, up to a balance."""

    method = PaymentMethod.VOUCHER

    def __init__(self):
        self.opened = []

    def validate_argument(self, argument, *, buyer):
        if not isinstance(argument, int):
            raise TendersInvalid("a balance")

    def eligible_amount(self, draft, *, buyer, argument, allocated):
        staples = sum(line.line_total for line in draft.lines if line.is_staple)
        return min(staples, argument - allocated)

    def open(self, payment, *, argument=None):
        self.opened.append((payment.fulfilment.seller_id, payment.amount, argument))


def draft(seller_id, *lines, delivery_fee=0):
    return payments.FulfilmentDraft(
        seller_id=seller_id,
        village_id=1,
        goods_total=sum(total for _staple, total in lines),
        delivery_fee=delivery_fee,
        lines=tuple(
            payments.LineDraft(product_id=n, category_id=1, is_staple=staple, line_total=total)
            for n, (staple, total) in enumerate(lines)
        ),
    )


def amounts(allocation):
    return [[(a.method, a.amount) for a in part] for part in allocation]


def test_a_capped_transfer_then_cash_split_each_fulfilment_to_the_rupiah():
    drafts = [
        draft(1, (True, 42000), delivery_fee=0),
        draft(2, (False, 190000), delivery_fee=12001),
    ]

    allocation = payments.allocate_tenders(
        drafts, [(PaymentMethod.BANK_TRANSFER, 100000), CASH], buyer=None
    )

    assert amounts(allocation) == [
        [(PaymentMethod.BANK_TRANSFER, 42000)],
        [(PaymentMethod.BANK_TRANSFER, 58000), (PaymentMethod.CASH, 144001)],
    ]
    for part, one in zip(allocation, drafts, strict=True):
        assert sum(a.amount for a in part) == one.total


def test_a_restricted_tender_pays_its_lines_across_fulfilments_up_to_its_balance():
    drafts = [
        draft(1, (True, 30000), (False, 15000), delivery_fee=5000),
        draft(2, (True, 80000)),
    ]
    with payments.registered(StapleOnlyTender()):
        allocation = payments.allocate_tenders(
            drafts, [(PaymentMethod.VOUCHER, 100000), CASH], buyer=None
        )

    assert amounts(allocation) == [
        [(PaymentMethod.VOUCHER, 30000), (PaymentMethod.CASH, 20000)],
        [(PaymentMethod.VOUCHER, 70000), (PaymentMethod.CASH, 10000)],
    ]
    # The block's handler is gone again: the vouchers app's own is back.
    assert not isinstance(payments.handler_for(PaymentMethod.VOUCHER), StapleOnlyTender)


def test_tenders_that_leave_something_unpaid_are_refused():
    with payments.registered(StapleOnlyTender()), pytest.raises(TendersInvalid) as refused:
        payments.allocate_tenders(
            [draft(1, (False, 10000))], [(PaymentMethod.VOUCHER, 5000)], buyer=None
        )

    assert refused.value.code == "payment_incomplete"


@pytest.mark.django_db
def test_checkout_writes_one_payment_per_tender_part_and_opens_each():
    village = VillageFactory(slug="panggungharjo", code="34.02.15.2001")
    warung, tani = seller_in(village), seller_in(village)
    buyer = UserFactory()
    rice = goods(warung, stock=10, price=14000)
    batik = goods(tani, stock=2, price=120000, category=category("fashion-batik"))
    cart = fill_cart(buyer, (rice, 3), (batik, 1))
    handler = StapleOnlyTender()

    with payments.registered(handler):
        order = services.place_order(
            buyer=buyer,
            cart=cart,
            address=buyer_address(village),
            delivery_choices={warung.pk: DeliveryMethod.LOCAL, tani.pk: DeliveryMethod.PICKUP},
            tenders=[(PaymentMethod.VOUCHER, 50000), CASH],
            idempotency_key="split",
        )

    rows = Payment.objects.filter(fulfilment__order=order).order_by("pk")
    assert sorted(rows.values_list("fulfilment__seller_id", "method", "amount")) == sorted(
        [
            (warung.pk, PaymentMethod.VOUCHER, 42000),
            (tani.pk, PaymentMethod.CASH, 120000),
        ]
    )
    assert handler.opened == [(warung.pk, 42000, 50000)]


@pytest.mark.django_db
def test_a_transfer_moves_through_its_statuses_with_an_event_each(settings):
    settings.PASARDESA_TRANSFER_HOURS = 6
    village = VillageFactory(slug="panggungharjo", code="34.02.15.2001")
    warung = seller_in(village)
    buyer = UserFactory()
    cart = fill_cart(buyer, (goods(warung, stock=5, price=14000), 1))
    order = services.place_order(
        buyer=buyer,
        cart=cart,
        address=buyer_address(village),
        delivery_choices={warung.pk: DeliveryMethod.PICKUP},
        tenders=[(PaymentMethod.BANK_TRANSFER, None)],
        idempotency_key="transfer",
    )
    payment = Payment.objects.get(fulfilment__order=order)
    handler = payments.handler_for(PaymentMethod.BANK_TRANSFER)
    deadline = payment.created_at + datetime.timedelta(hours=6)

    assert payments.transfer_deadline(payment) == deadline
    assert not handler.release(payment, now=deadline - datetime.timedelta(minutes=1))
    assert list(payments.transfers_due_for_release(now=timezone.now())) == []
    assert list(payments.transfers_due_for_release(now=deadline)) == [payment]
    assert handler.release(payment, now=deadline)
    assert not handler.release(payment, now=deadline)  # a second run of the job: no-op

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.RELEASED
    event = FulfilmentEvent.objects.get(type=EventType.PAYMENT_CHANGED)
    assert event.details == {
        "payment_id": payment.pk,
        "method": PaymentMethod.BANK_TRANSFER,
        "from_status": PaymentStatus.PENDING,
        "to_status": PaymentStatus.RELEASED,
        "amount": 14000,
    }


class _RecordingTender(StapleOnlyTender):
    """Sees, as a voucher will, each payment already written when it is opened."""

    def open(self, payment, *, argument=None):
        written = Payment.objects.filter(pk=payment.pk).values_list("amount", flat=True).first()
        self.opened.append((payment.fulfilment.seller_id, written, argument))


@pytest.mark.django_db
def test_each_payment_is_written_before_its_handler_opens_it_in_checkout_order():
    village = VillageFactory(slug="panggungharjo", code="34.02.15.2001")
    warung, tani = seller_in(village), seller_in(village)
    buyer = UserFactory()
    first = goods(warung, stock=10, price=14000)
    second = goods(tani, stock=10, price=10000)
    cart = fill_cart(buyer, (first, 2), (second, 3))
    handler = _RecordingTender()

    with payments.registered(handler):
        services.place_order(
            buyer=buyer,
            cart=cart,
            address=buyer_address(village),
            delivery_choices={warung.pk: DeliveryMethod.LOCAL, tani.pk: DeliveryMethod.LOCAL},
            tenders=[(PaymentMethod.VOUCHER, 40000), CASH],
            idempotency_key="dua-penjual",
        )

    # The fulfilments go by seller id; the balance runs out in the second one.
    assert handler.opened == [(warung.pk, 28000, 40000), (tani.pk, 12000, 40000)]
