"""Real concurrent checkouts on PostgreSQL: no oversell, no duplicate order, no deadlock."""

import pytest
from django.db.models import Sum

from catalog.exceptions import InsufficientStock
from catalog.models import Product, StockMovement
from orders import services
from orders.enums import DeliveryMethod, PaymentMethod
from orders.exceptions import TourFull
from orders.models import Fulfilment, Order, OrderLine
from tests.factories import UserFactory, VillageFactory
from tests.orders.factories import buyer_address, fill_cart, goods, seller_in, tour
from tests.threads import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
CASH = [(PaymentMethod.CASH, None)]


@pytest.fixture
def warung():
    village = VillageFactory(slug="panggungharjo", name="Panggungharjo", code="34.02.15.2001")
    return seller_in(village, name="Warung Bu Sri")


def checkout(cart, buyer, seller, key):
    return services.place_order(
        buyer=buyer,
        cart=cart,
        address=buyer_address(seller.village),
        delivery_choices={seller.pk: DeliveryMethod.PICKUP},
        tenders=CASH,
        idempotency_key=key,
    )


def stock_and_ledger(product):
    stock = Product.objects.values_list("stock", flat=True).get(pk=product.pk)
    total = StockMovement.objects.filter(product=product).aggregate(total=Sum("quantity"))["total"]
    return stock, total


def test_fifty_buyers_of_the_last_ten_units_make_exactly_ten_orders(warung):
    rice = goods(warung, stock=10, name="Beras Menthik")
    carts = [(fill_cart(buyer, (rice, 1)), buyer) for buyer in UserFactory.create_batch(50)]

    results = run_together(lambda pair: checkout(*pair, warung, "kunci"), carts)

    orders = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, InsufficientStock)]
    assert (len(orders), len(refused)) == (10, 40), [
        r for r in results if not isinstance(r, Order | InsufficientStock)
    ]
    assert {error.extra["product_id"] for error in refused} == {rice.pk}
    assert Order.objects.count() == 10
    assert OrderLine.objects.aggregate(sold=Sum("quantity"))["sold"] == 10
    assert stock_and_ledger(rice) == (0, 0)
    assert StockMovement.objects.filter(product=rice, kind="sale").count() == 10


def test_ten_submits_of_one_checkout_make_one_order(warung):
    rice = goods(warung, stock=10, name="Beras Menthik")
    buyer = UserFactory()
    cart = fill_cart(buyer, (rice, 2))

    results = run_together(lambda _: checkout(cart, buyer, warung, "kunci-sama"), range(10))

    assert all(isinstance(r, Order) for r in results), results
    assert len({order.pk for order in results}) == 1
    assert Order.objects.count() == 1
    assert Fulfilment.objects.count() == 1
    assert stock_and_ledger(rice) == (8, 8)


def test_carts_holding_two_products_in_opposite_orders_do_not_deadlock(warung):
    rice = goods(warung, stock=15, name="Beras Menthik")
    eggs = goods(warung, stock=15, price=2000, name="Telur Ayam")
    carts = []
    for index in range(12):
        buyer = UserFactory()
        items = [(rice, 2), (eggs, 2)] if index % 2 else [(eggs, 2), (rice, 2)]
        carts.append((fill_cart(buyer, *items), buyer))

    results = run_together(lambda pair: checkout(*pair, warung, "kunci"), carts)

    orders = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, InsufficientStock)]
    assert (len(orders), len(refused)) == (7, 5), results  # 7 orders of 2 fit in 15
    assert stock_and_ledger(rice) == (1, 1)
    assert stock_and_ledger(eggs) == (1, 1)


def test_twenty_buyers_of_a_tour_for_eight_fill_it_exactly(warung):
    trip = tour(warung, capacity=8, name="Susur Sungai Oya")
    carts = [(fill_cart(buyer, (trip, 1)), buyer) for buyer in UserFactory.create_batch(20)]

    results = run_together(lambda pair: checkout(*pair, warung, "kunci"), carts)

    orders = [r for r in results if isinstance(r, Order)]
    full = [r for r in results if isinstance(r, TourFull)]
    assert (len(orders), len(full)) == (8, 12), results
    assert OrderLine.objects.filter(product=trip).aggregate(n=Sum("quantity"))["n"] == 8
