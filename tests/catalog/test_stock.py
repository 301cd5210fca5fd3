"""Stock is a ledger: it changes only through movements and never goes below zero."""

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog import services
from catalog.enums import ProductKind, StockMovementKind
from catalog.exceptions import InsufficientStock, StockChangeInvalid, StockNotTracked
from catalog.models import Product, StockMovement
from tests.catalog.conftest import restock
from tests.factories import ProductFactory, category
from villages.exceptions import NotAllowedForVillage


def ledger_sum(product):
    return (
        StockMovement.objects.filter(product=product).aggregate(total=Sum("quantity"))["total"] or 0
    )


def stock_of(product):
    return Product.objects.values_list("stock", flat=True).get(pk=product.pk)


@pytest.mark.django_db
def test_stock_equals_the_sum_of_movements_after_mixed_operations(shop):
    product, other = shop["product"], ProductFactory(seller=shop["seller"], name="Beras Merah")
    restock(product, 20)
    restock(other, 5)
    services.adjust_stock(
        acting_user=shop["staff"], product_id=product.pk, quantity=-3, kind="sale", reason=""
    )
    services.take_stock_for_lines(lines=[(product.pk, 4), (other.pk, 5)], actor=None, reason="#1")
    services.return_stock(lines=[(other.pk, 2)], actor=None, reason="Batal #1")
    services.adjust_stock(
        acting_user=shop["admin"],
        product_id=product.pk,
        quantity=-1,
        kind=StockMovementKind.CORRECTION,
        reason="Satu karung rusak",
    )
    with pytest.raises(InsufficientStock):
        services.take_stock_for_lines(lines=[(product.pk, 1), (other.pk, 3)], actor=None, reason="")

    assert (stock_of(product), ledger_sum(product)) == (12, 12)
    assert (stock_of(other), ledger_sum(other)) == (2, 2)
    last = StockMovement.objects.filter(product=other).first()
    assert (last.kind, last.quantity, last.stock_after, last.reason) == ("return", 2, 2, "Batal #1")


@pytest.mark.django_db
def test_a_caller_holding_the_locks_keeps_a_usable_transaction_after_a_refusal(shop):
    # Checkout locks the products itself and passes them in; there is no savepoint then,
    # so a refusal must come before any write.
    product, other = shop["product"], ProductFactory(seller=shop["seller"], name="Beras Merah")
    restock(product, 3)
    restock(other, 1)
    with transaction.atomic():
        locked = services.lock_products([product.pk, other.pk])
        with pytest.raises(InsufficientStock):
            services.take_stock_for_lines(
                lines=[(product.pk, 2), (other.pk, 2)], actor=None, reason="", locked=locked
            )
        services.take_stock_for_lines(
            lines=[(product.pk, 2), (other.pk, 1)], actor=None, reason="#2", locked=locked
        )

    assert (stock_of(product), ledger_sum(product)) == (1, 1)
    assert (stock_of(other), ledger_sum(other)) == (0, 0)


@pytest.mark.django_db
def test_taking_more_than_there_is_is_refused_and_nothing_is_written(shop):
    product = shop["product"]
    restock(product, 2)
    with translation.override("en"), pytest.raises(InsufficientStock) as caught:
        services.adjust_stock(
            acting_user=shop["staff"], product_id=product.pk, quantity=-3, kind="sale", reason=""
        )
    assert caught.value.code == "out_of_stock"
    assert str(caught.value.message) == "Out of stock: Beras Pandan Wangi"
    assert caught.value.extra == {"product_id": product.pk, "available": 2, "requested": 3}
    assert (stock_of(product), StockMovement.objects.count()) == (2, 1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("quantity", "kind", "reason", "code"),
    [
        (0, "restock", "", "stock_quantity_invalid"),
        (-2, "restock", "", "stock_quantity_sign"),
        (2, "sale", "", "stock_quantity_sign"),
        (2, "correction", "  ", "stock_reason_required"),
        (2, "gift", "x", "stock_kind_invalid"),
    ],
)
def test_meaningless_changes_are_refused(shop, quantity, kind, reason, code):
    with pytest.raises(StockChangeInvalid) as caught:
        services.adjust_stock(
            acting_user=shop["staff"],
            product_id=shop["product"].pk,
            quantity=quantity,
            kind=kind,
            reason=reason,
        )
    assert caught.value.code == code
    assert not StockMovement.objects.exists()


@pytest.mark.django_db
def test_services_and_tours_keep_no_stock(shop):
    service = services.create_product(
        acting_user=shop["staff"],
        seller=shop["seller"],
        name="Antar Barang",
        category=category("jasa-pitulungan"),
        price=10000,
        unit="kali",
        kind=ProductKind.SERVICE,
    )
    with pytest.raises(StockNotTracked) as caught:
        restock(service, 1)
    assert caught.value.code == "stock_not_tracked"
    # An order of a service passes over it; goods in the same order are taken.
    restock(shop["product"], 1)
    movements = services.take_stock_for_lines(
        lines=[(service.pk, 1), (shop["product"].pk, 1)], actor=None, reason="#2"
    )
    assert [(m.product_id, m.stock_after) for m in movements] == [(shop["product"].pk, 0)]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["other_staff", "outsider", "resident"])
def test_only_those_who_run_the_seller_change_its_stock(shop, who):
    with pytest.raises(NotAllowedForVillage) as caught:
        services.adjust_stock(
            acting_user=shop[who], product_id=shop["product"].pk, quantity=5, kind="restock"
        )
    assert caught.value.code == "not_allowed_for_village"
    assert (stock_of(shop["product"]), StockMovement.objects.count()) == (0, 0)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["staff", "admin"])
def test_the_sellers_staff_and_the_villages_bumdes_admin_may(shop, who):
    movement = services.adjust_stock(
        acting_user=shop[who], product_id=shop["product"].pk, quantity=5, kind="restock"
    )
    assert (movement.actor, movement.stock_after, stock_of(shop["product"])) == (shop[who], 5, 5)


@pytest.mark.django_db
def test_the_database_itself_refuses_negative_stock(shop):
    product = shop["product"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.filter(pk=product.pk).update(stock=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockMovement.objects.create(product=product, kind="sale", quantity=-1, stock_after=-1)
    assert stock_of(product) == 0


# One step of a random history: a kind and a signed quantity (refusals included).
steps = st.lists(
    st.tuples(
        st.sampled_from(["restock", "sale", "return", "correction", "lines"]),
        st.integers(min_value=-30, max_value=30),
    ),
    max_size=25,
)


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=steps)
def test_any_history_keeps_stock_equal_to_its_ledger_and_never_negative(shop, history):
    product = ProductFactory(seller=shop["seller"])
    expected = 0
    for kind, quantity in history:
        try:
            with transaction.atomic():
                if kind == "lines":
                    services.take_stock_for_lines(
                        lines=[(product.pk, abs(quantity))], actor=None, reason="pesanan"
                    )
                    delta = -abs(quantity)
                else:
                    services.adjust_stock(
                        acting_user=shop["staff"],
                        product_id=product.pk,
                        quantity=quantity,
                        kind=kind,
                        reason="hitung ulang",
                    )
                    delta = quantity
        except (InsufficientStock, StockChangeInvalid):
            continue
        expected += delta
        assert expected >= 0
    assert stock_of(product) == ledger_sum(product) == expected
    stock_after = list(
        StockMovement.objects.filter(product=product)
        .order_by("pk")
        .values_list("stock_after", flat=True)
    )
    assert all(value >= 0 for value in stock_after)
    assert stock_after[-1:] == ([expected] if stock_after else [])
