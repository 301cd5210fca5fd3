"""Real concurrent transactions on PostgreSQL: no lost update, no oversell, no deadlock."""

import itertools

import pytest
from django.db.models import Sum

from catalog import services
from catalog.exceptions import InsufficientStock
from catalog.models import Product, StockMovement
from tests.catalog.conftest import restock
from tests.factories import ProductFactory
from tests.threads import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def stock_and_ledger(product):
    stock = Product.objects.values_list("stock", flat=True).get(pk=product.pk)
    total = StockMovement.objects.filter(product=product).aggregate(total=Sum("quantity"))["total"]
    return stock, total


def test_twenty_concurrent_adjustments_lose_nothing_and_never_go_negative(shop):
    product = shop["product"]
    restock(product, 10)
    # 8 restocks of +3, 12 sales of -4: 10 + 24 - 48 would be -14, so some sales must fail.
    quantities = [3] * 8 + [-4] * 12

    def adjust(quantity):
        return services.adjust_stock(
            acting_user=services.SYSTEM,
            product_id=product.pk,
            quantity=quantity,
            kind="restock" if quantity > 0 else "sale",
            reason="",
        )

    results = run_together(adjust, quantities)

    refused = [r for r in results if isinstance(r, InsufficientStock)]
    done = [r for r in results if isinstance(r, StockMovement)]
    assert len(refused) + len(done) == 20, [r for r in results if isinstance(r, Exception)]
    assert len(refused) >= 4
    expected = 10 + sum(m.quantity for m in done)
    assert stock_and_ledger(product) == (expected, expected)
    assert expected >= 0
    assert min(StockMovement.objects.values_list("stock_after", flat=True)) >= 0
    # Ids are taken while the row lock is held, so in id order each movement starts from
    # the stock its predecessor left: a chain with no lost update.
    chain = list(
        StockMovement.objects.filter(product=product)
        .order_by("pk")
        .values_list("quantity", "stock_after")
    )
    for (_q, before), (quantity, after) in itertools.pairwise(chain):
        assert after == before + quantity


def test_orders_taking_two_products_in_opposite_orders_neither_deadlock_nor_oversell(shop):
    rice = shop["product"]
    eggs = ProductFactory(seller=shop["seller"], name="Telur Ayam Kampung")
    restock(rice, 15)
    restock(eggs, 15)
    orders = [
        [(rice.pk, 2), (eggs.pk, 2)] if index % 2 else [(eggs.pk, 2), (rice.pk, 2)]
        for index in range(12)
    ]

    results = run_together(
        lambda lines: services.take_stock_for_lines(lines=lines, actor=None, reason="pesanan"),
        orders,
    )

    taken = [r for r in results if isinstance(r, list)]
    refused = [r for r in results if isinstance(r, InsufficientStock)]
    assert (len(taken), len(refused)) == (7, 5)  # 7 orders of 2 fit in 15; nothing else failed
    assert stock_and_ledger(rice) == (1, 1)
    assert stock_and_ledger(eggs) == (1, 1)
