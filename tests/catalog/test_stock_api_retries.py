"""A stock change retried through the seller API with its Idempotency-Key applies once."""

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum
from rest_framework.test import APIClient

from catalog import services
from catalog.models import Product, StockMovement
from tests.api.helpers import error_of
from tests.catalog.conftest import restock
from tests.factories import ProductFactory, SellerFactory
from tests.threads import run_together

pytestmark = pytest.mark.django_db

STOCK = "/api/v1/manage/sellers/{}/{}/products/{}/stock/"
PANEN = {"quantity": 12, "kind": "restock", "reason": "Panen"}


@pytest.fixture
def api():
    return APIClient()


def stock_url(product, seller=None):
    seller = seller or product.seller
    return STOCK.format(seller.village.slug, seller.slug, product.pk)


def send(api, product, body=PANEN, *, key, seller=None, **extra):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return api.post(stock_url(product, seller), body, format="json", headers=headers, **extra)


def stock_and_ledger(product):
    stock = Product.objects.values_list("stock", flat=True).get(pk=product.pk)
    total = StockMovement.objects.filter(product=product).aggregate(s=Sum("quantity"))["s"] or 0
    return stock, total


# --- a retry -----------------------------------------------------------------------------


def test_a_retry_answers_the_first_movement_and_moves_the_stock_once(api, shop):
    product = shop["product"]
    api.force_authenticate(shop["staff"])

    first = send(api, product, key="hp-bu-sri-0001")
    again = send(api, product, key="hp-bu-sri-0001")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert first.json()["stock_after"] == 12
    assert stock_and_ledger(product) == (12, 12)
    movement = StockMovement.objects.get(product=product)
    assert (movement.idempotency_key, movement.actor) == ("hp-bu-sri-0001", shop["staff"])


def test_a_retry_is_answered_whatever_the_stock_is_now(api, shop):
    """A correction that would now be short still answers with what it did the first time."""
    product = shop["product"]
    restock(product, 5)
    api.force_authenticate(shop["staff"])
    correction = {"quantity": -4, "kind": "correction", "reason": "Hitung ulang"}

    first = send(api, product, correction, key="koreksi-1")
    send(api, product, {"quantity": -1, "kind": "correction", "reason": "Rusak"}, key="k-2")
    again = send(api, product, correction, key="koreksi-1")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["stock_after"] == 1
    assert stock_and_ledger(product) == (0, 0)


def test_the_key_is_compared_without_the_spaces_around_it_and_the_reason(api, shop):
    product = shop["product"]
    api.force_authenticate(shop["staff"])

    first = send(api, product, key="k-1")
    again = send(api, product, {**PANEN, "reason": "  Panen "}, key="  k-1 ")

    assert (first.status_code, again.status_code) == (201, 200)
    assert stock_and_ledger(product) == (12, 12)


def test_without_a_key_each_request_is_a_new_change(api, shop):
    product = shop["product"]
    api.force_authenticate(shop["staff"])

    answers = [send(api, product, key=None).status_code for _ in range(2)]

    assert answers == [201, 201]
    assert stock_and_ledger(product) == (24, 24)
    assert not StockMovement.objects.filter(idempotency_key__isnull=False).exists()


def test_a_refused_change_does_not_use_up_its_key(api, shop):
    product = shop["product"]
    api.force_authenticate(shop["staff"])
    correction = {"quantity": -3, "kind": "correction", "reason": "Hitung"}

    refused = send(api, product, correction, key="k-1")
    restock(product, 3)
    done = send(api, product, correction, key="k-1")

    error_of(refused, 409, "out_of_stock")
    assert done.status_code == 201
    assert stock_and_ledger(product) == (0, 0)


# Seller, tenant scope (view), product, product and tenant scope (service), the key.
REPEAT_QUERIES = 8


def test_a_retry_costs_a_fixed_number_of_queries_and_writes_nothing(
    api, shop, django_assert_num_queries
):
    product = shop["product"]
    staff = shop["staff"]
    api.force_authenticate(staff)
    send(api, product, key="k-1")

    api.force_authenticate(type(staff).objects.get(pk=staff.pk))  # as a request loads it
    with django_assert_num_queries(REPEAT_QUERIES) as captured:
        response = send(api, product, key="k-1")

    assert response.status_code == 200
    writes = [
        q["sql"] for q in captured.captured_queries if q["sql"].startswith(("UPDATE", "INSERT"))
    ]
    assert writes == []


# --- refusals ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changed",
    [
        {"quantity": 13},
        {"reason": "Kiriman pemasok"},
        {"kind": "correction"},
    ],
)
def test_the_same_key_with_another_change_is_refused_and_nothing_is_written(api, shop, changed):
    product = shop["product"]
    api.force_authenticate(shop["staff"])
    first = send(api, product, key="k-1")

    refused = send(api, product, {**PANEN, **changed}, key="k-1")

    assert first.status_code == 201
    error_of(refused, 409, "idempotency_key_reused")
    assert stock_and_ledger(product) == (12, 12)
    assert StockMovement.objects.count() == 1


def test_the_same_key_on_another_product_is_refused(api, shop):
    rice = shop["product"]
    eggs = ProductFactory(seller=shop["seller"], name="Telur Ayam Kampung")
    api.force_authenticate(shop["staff"])
    send(api, rice, key="k-1")

    refused = send(api, eggs, key="k-1")

    error_of(refused, 409, "idempotency_key_reused")
    assert stock_and_ledger(eggs) == (0, 0)


def test_the_refusal_says_what_to_do_in_the_sellers_language(api, shop, settings):
    product = shop["product"]
    api.force_authenticate(shop["staff"])
    send(api, product, key="k-1")

    refused = send(api, product, {**PANEN, "quantity": 1}, key="k-1")
    api.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    refused_en = send(api, product, {**PANEN, "quantity": 1}, key="k-1")

    assert error_of(refused, 409, "idempotency_key_reused")["message"] == (
        "Idempotency-Key ini sudah dipakai untuk perubahan stok yang lain. "
        "Kirim kunci baru untuk perubahan baru."
    )
    assert error_of(refused_en, 409, "idempotency_key_reused")["message"] == (
        "This Idempotency-Key was already used for a different stock change. "
        "Send a new key for a new change."
    )


@pytest.mark.parametrize("key", ["x" * 65, "", "   ", "tab\there"])
def test_a_key_no_app_would_send_is_refused_and_nothing_is_written(api, shop, key):
    product = shop["product"]
    api.force_authenticate(shop["staff"])

    body = error_of(send(api, product, key=key), 400, "idempotency_key_invalid")

    assert body["extra"] == {"max_length": 64}
    assert stock_and_ledger(product) == (0, 0)


def test_a_key_of_64_characters_is_accepted(api, shop):
    api.force_authenticate(shop["staff"])

    response = send(api, shop["product"], key="x" * 64)

    assert response.status_code == 201


def test_a_bad_body_is_refused_before_the_key_is_used(api, shop):
    product = shop["product"]
    api.force_authenticate(shop["staff"])

    bad = send(api, product, {"quantity": 0, "kind": "restock", "reason": "x"}, key="k-1")
    good = send(api, product, key="k-1")

    error_of(bad, 400, "stock_quantity_invalid")
    assert good.status_code == 201


# --- whose key ---------------------------------------------------------------------------


def test_each_person_has_their_own_keys(api, shop):
    """The seller's staff and the BUMDes admin both restock with "1": two changes."""
    product = shop["product"]
    api.force_authenticate(shop["staff"])
    by_staff = send(api, product, key="1")
    api.force_authenticate(shop["admin"])
    by_admin = send(api, product, key="1")

    assert (by_staff.status_code, by_admin.status_code) == (201, 201)
    assert by_admin.json()["id"] != by_staff.json()["id"]
    assert stock_and_ledger(product) == (24, 24)


@pytest.mark.parametrize("person", ["other_staff", "outsider", "resident"])
def test_a_key_does_not_open_another_sellers_stock(api, shop, person):
    product = shop["product"]
    api.force_authenticate(shop["staff"])
    send(api, product, key="k-1")
    api.force_authenticate(shop[person])

    refused = send(api, product, key="k-1")

    body = error_of(refused, 403, "not_allowed_for_village")
    assert "stock_after" not in body
    assert stock_and_ledger(product) == (12, 12)


def test_a_key_does_not_reach_a_siblings_product_through_ones_own_url(api, shop):
    sibling_product = ProductFactory(seller=SellerFactory(village=shop["seller"].village))
    api.force_authenticate(shop["staff"])

    refused = send(api, sibling_product, key="k-1", seller=shop["seller"])

    error_of(refused, 404, "product_not_found")
    assert stock_and_ledger(sibling_product) == (0, 0)


def test_anonymous_callers_are_refused_with_a_key(api, shop):
    error_of(send(api, shop["product"], key="k-1"), 401, "not_authenticated")


# --- the database has the last word ------------------------------------------------------


def test_the_database_refuses_a_second_movement_with_a_persons_key(shop):
    product = shop["product"]
    services.adjust_stock_once(
        acting_user=shop["staff"],
        product_id=product.pk,
        quantity=2,
        kind="restock",
        reason="x",
        idempotency_key="k-1",
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        StockMovement.objects.create(
            product=product,
            kind="restock",
            quantity=1,
            stock_after=3,
            reason="x",
            actor=shop["staff"],
            idempotency_key="k-1",
        )


def test_the_database_refuses_a_key_without_a_person(shop):
    with pytest.raises(IntegrityError), transaction.atomic():
        StockMovement.objects.create(
            product=shop["product"],
            kind="restock",
            quantity=1,
            stock_after=1,
            reason="x",
            actor=None,
            idempotency_key="k-1",
        )


def test_trusted_code_cannot_use_a_key(shop):
    with pytest.raises(ValueError, match="belongs to a person"):
        services.adjust_stock_once(
            acting_user=services.SYSTEM,
            product_id=shop["product"].pk,
            quantity=1,
            kind="restock",
            reason="x",
            idempotency_key="k-1",
        )
    assert stock_and_ledger(shop["product"]) == (0, 0)


# --- the schema --------------------------------------------------------------------------


def test_the_schema_documents_the_optional_key_and_the_repeats_answer(api):
    schema = api.get("/api/schema/?format=json").json()
    path = "/api/v1/manage/sellers/{village_slug}/{seller_slug}/products/{product_id}/stock/"
    operation = schema["paths"][path]["post"]

    key = next(p for p in operation["parameters"] if p["name"] == "Idempotency-Key")
    assert (key["in"], key.get("required", False)) == ("header", False)
    assert {"200", "201", "400", "409"} <= set(operation["responses"])


# --- real concurrent requests ------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_copies_of_one_change_sent_at_once_move_the_stock_once(shop):
    product = shop["product"]
    staff = shop["staff"]

    def post(_index):
        client = APIClient()
        client.force_authenticate(staff)
        response = send(client, product, key="sinyal-lemah-1")
        return response.status_code, response.json()

    results = run_together(post, range(8))

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(code for code, _body in results) == [200] * 7 + [201]
    assert len({body["id"] for _code, body in results}) == 1
    assert stock_and_ledger(product) == (12, 12)
    assert StockMovement.objects.filter(product=product).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_different_changes_with_one_key_sent_at_once_apply_one(shop):
    product = shop["product"]
    staff = shop["staff"]

    def post(quantity):
        client = APIClient()
        client.force_authenticate(staff)
        response = send(client, product, {**PANEN, "quantity": quantity}, key="k-1")
        return response.status_code, response.json()

    results = run_together(post, [1, 2, 3, 4, 5, 6])

    assert not [r for r in results if isinstance(r, Exception)], results
    codes = sorted(code for code, _body in results)
    assert codes == [201] + [409] * 5
    applied = next(body for code, body in results if code == 201)
    assert stock_and_ledger(product) == (applied["quantity"], applied["quantity"])
