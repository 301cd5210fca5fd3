"""Walks the whole URL configuration and holds every view to the access it declares.

A view that declares nothing fails here, so no page or endpoint can be added without
saying who may open it. Tenant views are tried by every role of another village, by the
roles of their own village that they do not admit, and by anonymous visitors.
"""

import datetime

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from catalog import services as catalog_services
from catalog.enums import StockMovementKind
from core.access import Access
from tests.factories import ProductFactory
from tests.orders.factories import placed_order
from tests.vouchers.factories import BeneficiaryFactory, ProgrammeFactory
from villages.enums import Role
from vouchers.accounts import wallet_for
from vouchers.models import CounterSale

# Views of libraries that guard themselves: the admin (checked in tests/villages/test_admin.py),
# allauth's sign-in pages, and Django's language switch.
LIBRARY_MODULES = ("django.contrib.admin", "allauth.", "django.views.i18n", "django.views.static")
DENIED = {403, 404}


def walk(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield namespace, pattern


def view_class_of(callback):
    return getattr(callback, "view_class", None) or getattr(callback, "cls", None)


def project_views():
    for namespace, pattern in walk(get_resolver().url_patterns):
        callback = pattern.callback
        module = getattr(view_class_of(callback) or callback, "__module__", "")
        if module.startswith(LIBRARY_MODULES) or namespace.startswith("admin:"):
            continue
        yield namespace, pattern, view_class_of(callback)


def sample_kwargs(pattern, world):
    home = world["home"]
    samples = {
        "village_slug": home.slug,
        "market_slug": world["market"].slug,
        "slug": home.slug,
        "seller_slug": world["home_seller"].slug,
        "product_id": world["home_product"].pk,
        "product_slug": world["home_product"].slug,
        "category_slug": world["home_product"].category.slug,
        "order_number": world["home_order"].number,
        "fulfilment_id": world["home_order"].fulfilments.get().pk,
        "payment_id": world["home_order"].fulfilments.get().payments.get().pk,
        "programme_id": world["home_programme"].pk,
        "beneficiary_id": world["home_beneficiary"].pk,
        "month": 1,
        "batch_id": world["home_batch"].pk,
        "share_id": world["home_share"].pk,
        "wallet_id": world["home_wallet"].pk,
        "sale_id": world["home_counter_sale"].pk,
    }
    names = list(pattern.pattern.converters)
    missing = [name for name in names if name not in samples]
    assert not missing, f"add a sample value for URL kwarg(s) {missing} in {__file__}"
    return {name: samples[name] for name in names}


def get_roles(view_class):
    by_method = getattr(view_class, "tenant_roles_by_method", {})
    return by_method.get("GET") or view_class.tenant_roles


def is_api(url):
    return url.startswith("/api/")


@pytest.fixture
def world(two_villages):
    staff = two_villages["people"]["home"][Role.SELLER_STAFF]
    two_villages["home_seller"] = staff.memberships.get().seller
    two_villages["home_product"] = ProductFactory(seller=two_villages["home_seller"])
    catalog_services.adjust_stock(
        acting_user=catalog_services.SYSTEM,
        product_id=two_villages["home_product"].pk,
        quantity=10,
        kind=StockMovementKind.RESTOCK,
    )
    # An order of the home village's resident from the home seller: a buyer's and a
    # seller's private data at once.
    two_villages["home_order"] = placed_order(
        two_villages["people"]["home"][Role.RESIDENT], (two_villages["home_product"], 2)
    )
    two_villages["home_programme"] = ProgrammeFactory(
        village=two_villages["home"], market=two_villages["market"]
    )
    two_villages["home_beneficiary"] = BeneficiaryFactory(village=two_villages["home"])
    # The home resident's own voucher wallet (an owner's row, like the order).
    two_villages["home_wallet"] = wallet_for(
        BeneficiaryFactory(
            village=two_villages["home"], user=two_villages["people"]["home"][Role.RESIDENT]
        ),
        two_villages["home_programme"],
    )
    # A sale at the home seller's counter, paid in cash: its receipt is the seller's.
    two_villages["home_counter_sale"] = CounterSale.objects.create(
        seller=two_villages["home_seller"],
        beneficiary=two_villages["home_beneficiary"],
        cashier=staff,
        idempotency_key="url-access-sale",
        total=14_000,
        voucher_amount=0,
        cash_amount=14_000,
    )
    # A settled day of the market and a closed profit month of the home village's BUMDes.
    from settlement.services import clearing, profit
    from tests.factories import BumdesFactory

    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    two_villages["home_batch"], _new = clearing.close_period(
        market_id=two_villages["market"].pk, period_start=yesterday, period_end=yesterday
    )
    two_villages["home_share"], _new = profit.close_profit_period(
        bumdes_id=BumdesFactory(village=two_villages["home"]).pk,
        period_start=yesterday,
        period_end=yesterday,
    )
    return two_villages


def all_urls(world):
    for namespace, pattern, view_class in project_views():
        name = f"{namespace}{pattern.name}"
        assert pattern.name, f"every project URL has a name: {pattern.pattern}"
        url = reverse(name, kwargs=sample_kwargs(pattern, world))
        yield name, url, view_class


@pytest.mark.django_db
def test_every_project_view_declares_its_access(world):
    undeclared = [
        name
        for name, _url, view_class in all_urls(world)
        if not isinstance(getattr(view_class, "access", None), Access)
    ]
    assert undeclared == []


@pytest.mark.django_db
def test_tenant_views_refuse_other_villages_and_unadmitted_roles(client, world):
    checked = 0
    for name, url, view_class in all_urls(world):
        if view_class.access != Access.TENANT:
            continue
        roles = (
            getattr(view_class, "tenant_roles_by_method", {}).get("GET") or view_class.tenant_roles
        )
        outsiders = list(world["people"]["other"].values()) + [
            person for role, person in world["people"]["home"].items() if role not in roles
        ]
        for person in outsiders:
            client.force_login(person)
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                assert response.status_code in DENIED | {405}, (name, method, person, response)
                if response.status_code == 405:  # the method is not served at all
                    continue
        client.logout()
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if is_api(url):
                assert response.status_code in {401, 405}, (name, method)
            elif response.status_code != 405:
                assert response.status_code == 302, (name, method)
                assert response.url.startswith(reverse("account_login")), name
        checked += 1
    assert checked >= 4  # the village management pages and endpoints at least


@pytest.mark.django_db
def test_tenant_views_admit_their_own_roles(client, world):
    for name, url, view_class in all_urls(world):
        if view_class.access != Access.TENANT:
            continue
        roles = (
            getattr(view_class, "tenant_roles_by_method", {}).get("GET") or view_class.tenant_roles
        )
        for role in roles:
            client.force_login(world["people"]["home"][role])
            response = client.get(url)
            assert response.status_code in {200, 405}, (name, role, response.status_code)


@pytest.mark.django_db
def test_owner_views_show_the_row_to_its_owner_only(client, world):
    """The sample order belongs to the home village's resident; nobody else may open it."""
    owner = world["people"]["home"][Role.RESIDENT]
    everyone_else = [
        person
        for people in world["people"].values()
        for person in people.values()
        if person != owner
    ]
    for name, url, view_class in all_urls(world):
        if view_class.access != Access.OWNER:
            continue
        for person in everyone_else:
            client.force_login(person)
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                assert response.status_code in DENIED | {405}, (name, method, person)
        client.force_login(owner)
        assert client.get(url).status_code in {200, 405}, name


@pytest.mark.django_db
def test_signed_in_views_send_anonymous_visitors_to_sign_in(client, world):
    for name, url, view_class in all_urls(world):
        if view_class.access not in (Access.SIGNED_IN, Access.OWNER):
            continue
        response = client.get(url)
        if is_api(url):
            assert response.status_code == 401, name
        else:
            assert response.status_code == 302, name
            assert response.url.startswith(reverse("account_login")), name


@pytest.mark.django_db
def test_public_views_open_to_anonymous_visitors(client, world):
    for name, url, view_class in all_urls(world):
        if view_class.access != Access.PUBLIC:
            continue
        response = client.get(url)
        assert response.status_code in {200, 405}, (name, response.status_code)
