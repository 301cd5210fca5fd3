"""BLT aid from end to end: an official registers three households from a CSV file, opens a
programme and issues its first month; a beneficiary pays rice with the voucher and batik in
cash in one order; at a counter a card with a wrong PIN is refused, the right one sells."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from core.money import format_rupiah
from ledger.selectors import ledger_problems
from orders.enums import DeliveryMethod, PaymentMethod
from orders.models import Order, SellerDelivery
from tests.browser.helpers import add_to_cart, checkout_address, person, restock
from tests.factories import (
    MarketFactory,
    ProductFactory,
    SellerFactory,
    VillageFactory,
    category,
    member,
)
from villages.enums import Role
from vouchers import accounts
from vouchers.enums import ProgrammeStatus
from vouchers.models import (
    Beneficiary,
    CounterSale,
    Issuance,
    Programme,
    VoucherCharge,
    Wallet,
)

pytestmark = pytest.mark.browser

MONTHLY_AID = 300_000
RICE_PRICE, RICE_QUANTITY = 15_000, 2
BATIK_PRICE = 150_000
BASKET_PRICE = 35_000
COURIER_FEE = 7_000
RESIDENT_PHONE = "+6281234567890"

# Three households as the village information system exports them: semicolons, Indonesian
# column names, the phone written as people write it. The first is the resident's.
BENEFICIARIES_CSV = (
    b"NIK;No KK;Nama;No HP;Alamat\n"
    b"3402151234560001;3402159876540001;Sumarni;0812-3456-7890;Glondong RT 03\n"
    b"3402151234560002;3402159876540002;Darmo Wiyono;;Glondong RT 04\n"
    b"3402151234560003;3402159876540003;Painem;;Kweni RT 01\n"
)


def wallet_of(beneficiary, programme):
    return Wallet.objects.get(beneficiary=beneficiary, programme=programme)


def balance_of(wallet):
    return accounts.wallet_account(wallet).balance


@pytest.fixture
def aid_market(transactional_db):
    """Two villages of one market; an official of the home village, a resident whose phone
    is verified, a seller of rice and baskets in the other village (courier for a fee) and a
    seller of batik at home."""
    home = VillageFactory(name="Panggungharjo", slug="panggungharjo", code="34.02.15.2001")
    other = VillageFactory(name="Bangunharjo", slug="bangunharjo", code="34.02.15.2002")
    MarketFactory(name="Pasar Desa Sewon", slug="sewon", villages=[home, other])
    rice_seller = SellerFactory(village=other, name="Lumbung Bangunharjo", slug="lumbung")
    SellerDelivery.objects.create(
        seller=rice_seller, courier_enabled=True, fee_same_kecamatan=COURIER_FEE
    )
    batik_seller = SellerFactory(village=home, name="Batik Bu Sri", slug="batik-bu-sri")
    rice = restock(
        ProductFactory(
            seller=rice_seller,
            name="Beras Mentik Wangi",
            slug="beras-mentik-wangi",
            category=category("beras"),
            price=RICE_PRICE,
        ),
        50,
    )
    basket = restock(
        ProductFactory(
            seller=rice_seller,
            name="Tenggok Bambu",
            slug="tenggok-bambu",
            category=category("kerajinan"),
            price=BASKET_PRICE,
        ),
        5,
    )
    batik = restock(
        ProductFactory(
            seller=batik_seller,
            name="Batik Tulis Sewon",
            slug="batik-tulis-sewon",
            category=category("fashion-batik"),
            price=BATIK_PRICE,
        ),
        3,
    )
    return {
        "home": home,
        "other": other,
        "rice_seller": rice_seller,
        "batik_seller": batik_seller,
        "rice": rice,
        "basket": basket,
        "batik": batik,
        "official": member(home, Role.VILLAGE_OFFICIAL, email="carik@panggungharjo.id"),
        "resident": member(
            home,
            Role.RESIDENT,
            name="Bu Sumarni",
            email="sumarni@contoh.id",
            phone=RESIDENT_PHONE,
            phone_verified=True,
        ),
        "cashier": member(other, Role.SELLER_STAFF, seller=rice_seller, email="kasir@lumbung.id"),
    }


def official_sets_up_the_programme(page, home):
    """The official imports the households, opens and activates a programme, issues month
    1; returns the programme."""
    import_url = reverse("vouchers:beneficiary_import", kwargs={"village_slug": home.slug})
    page.goto(import_url)
    page.locator("#import-form input[type=file]").set_input_files(
        {"name": "kpm-panggungharjo.csv", "mimeType": "text/csv", "buffer": BENEFICIARIES_CSV}
    )
    page.locator("#import-form button[type=submit]").click()
    expect(page).to_have_url(
        re.compile(
            re.escape(reverse("vouchers:beneficiary_list", kwargs={"village_slug": home.slug}))
            + "$"
        )
    )
    expect(page.locator("main")).to_contain_text("3 beneficiaries registered.")
    for name in ("Sumarni", "Darmo Wiyono", "Painem"):
        expect(page.locator("main")).to_contain_text(name)

    page.goto(reverse("vouchers:programme_create", kwargs={"village_slug": home.slug}))
    form = page.locator("#programme-form")
    form.locator("input[name=name]").fill("BLT Dana Desa 2026")
    form.locator("input[name=amount_per_month]").fill("300.000")
    # The rest as offered: from this month, every staple category, the village's market.
    expect(form.locator("input[name=scope][value=market]")).to_be_checked()
    expect(form.locator("input[name=allowed_categories]:not(:checked)")).to_have_count(0)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/bantuan/program/\d+/$"))
    programme = Programme.objects.get(village=home)
    expect(page.locator("#programme-status")).to_have_attribute("data-status", "draft")
    expect(page.locator("#programme-amount")).to_contain_text(format_rupiah(MONTHLY_AID))
    # A draft issues nothing: no button to issue yet.
    expect(page.locator("#issue-form")).to_have_count(0)

    page.locator("#programme-edit-link").click()
    page.locator("#status-active").click()
    expect(page.locator("#programme-status")).to_contain_text("Active")

    detail_url = reverse(
        "vouchers:programme_detail",
        kwargs={"village_slug": home.slug, "programme_id": programme.pk},
    )
    page.goto(detail_url)
    expect(page.locator("#active-beneficiaries")).to_have_text("3")
    page.locator("#issue-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(detail_url)}$"))
    # The month is issued after the request commits; its progress is read from the
    # database, so it is the same after a reload.
    for _ in range(2):
        expect(page.locator("#month-1-state")).to_have_attribute("data-state", "done")
        expect(page.locator("#month-1-count")).to_contain_text("3 of 3 (100%)")
        expect(page.locator("#issue-form")).to_have_count(0)
        page.reload()
    return programme


def test_official_issues_aid_and_beneficiaries_spend_it_online_and_at_the_counter(
    page, live_server, aid_market
):
    data = aid_market
    home, rice, batik, basket = data["home"], data["rice"], data["batik"], data["basket"]
    rice_seller, batik_seller = data["rice_seller"], data["batik_seller"]
    resident = data["resident"]

    # --- the official: households, programme, month 1 ------------------------------------
    official = person(page, live_server, "carik@panggungharjo.id")
    programme = official_sets_up_the_programme(official, home)
    programme.refresh_from_db()
    assert (programme.status, programme.amount_per_month, programme.market_id) == (
        ProgrammeStatus.ACTIVE,
        MONTHLY_AID,
        rice_seller.village.markets.get().pk,
    )
    beneficiaries = {b.name: b for b in Beneficiary.objects.filter(village=home)}
    assert set(beneficiaries) == {"Sumarni", "Darmo Wiyono", "Painem"}
    # The resident verified her number, so the household with it is hers; the others no one's.
    assert beneficiaries["Sumarni"].user_id == resident.pk
    assert beneficiaries["Darmo Wiyono"].user_id is None
    issuance = Issuance.objects.get(programme=programme, month=1)
    assert (issuance.total, issuance.done) == (3, 3)
    for beneficiary in beneficiaries.values():
        wallet = wallet_of(beneficiary, programme)
        assert balance_of(wallet) == MONTHLY_AID

    # --- the resident: rice by voucher, batik and the courier in cash ------------------------
    sumarni = person(page, live_server, "sumarni@contoh.id")
    add_to_cart(sumarni, rice, RICE_QUANTITY)
    add_to_cart(sumarni, batik, 1)
    sumarni.goto(reverse("orders:checkout"))
    checkout_address(sumarni, village=home, recipient="Bu Sumarni", phone="0812 3456 7890")
    form = sumarni.locator("#checkout-form")
    form.locator(f"input[name=delivery_{rice_seller.pk}][value=courier]").check()
    form.locator(f"input[name=delivery_{batik_seller.pk}][value=local]").check()
    sumarni_wallet = wallet_of(beneficiaries["Sumarni"], programme)
    form.locator(f"input[name=voucher_wallet][value='{sumarni_wallet.pk}']").check()
    form.locator(f"input[name=payment_method][value={PaymentMethod.CASH}]").check()
    form.locator("button[name=update]").last.click()

    rice_total = RICE_PRICE * RICE_QUANTITY
    form = sumarni.locator("#checkout-form")
    rice_line = form.locator(f"#checkout-line-{rice.pk}")
    batik_line = form.locator(f"#checkout-line-{batik.pk}")
    expect(rice_line.locator(".voucher-covered")).to_have_text(
        f"Voucher pays {format_rupiah(rice_total)}"
    )
    expect(rice_line.locator(".voucher-refused")).to_have_count(0)
    expect(batik_line.locator(".voucher-covered")).to_have_count(0)
    expect(batik_line.locator(".voucher-refused")).to_contain_text(
        "The voucher pays only for staple food."
    )
    expect(form.locator(f"#checkout-seller-{rice_seller.pk}")).to_contain_text(
        "A voucher never pays the delivery fee."
    )
    cash_part = BATIK_PRICE + COURIER_FEE
    expect(form.locator("#checkout-voucher")).to_have_text(format_rupiah(rice_total))
    expect(form.locator("#checkout-rest")).to_have_text(format_rupiah(cash_part))
    expect(form.locator("#checkout-total")).to_have_text(format_rupiah(rice_total + cash_part))
    form.locator("button[name=place]").click()

    expect(sumarni).to_have_url(re.compile(r"/pesanan/[^/]+/$"))
    order = Order.objects.get(buyer=resident)
    expect(sumarni).to_have_url(re.compile(rf"/pesanan/{re.escape(order.number)}/$"))
    rice_part = order.fulfilments.get(seller=rice_seller)
    batik_part = order.fulfilments.get(seller=batik_seller)
    rice_section = sumarni.locator(f"#fulfilment-{rice_part.pk}")
    batik_section = sumarni.locator(f"#fulfilment-{batik_part.pk}")
    expect(rice_section.locator(".payment-voucher")).to_contain_text(format_rupiah(rice_total))
    expect(rice_section).to_contain_text("taken from your BLT voucher")
    expect(rice_section.locator(".payment-cash")).to_contain_text(format_rupiah(COURIER_FEE))
    expect(batik_section.locator(".payment-voucher")).to_have_count(0)
    expect(batik_section.locator(".payment-cash")).to_contain_text(format_rupiah(BATIK_PRICE))

    # The database: the voucher paid exactly the rice, cash the batik and the courier.
    assert (rice_part.delivery_method, rice_part.delivery_fee) == (
        DeliveryMethod.COURIER,
        COURIER_FEE,
    )
    assert sorted(rice_part.payments.values_list("method", "amount")) == [
        (PaymentMethod.CASH, COURIER_FEE),
        (PaymentMethod.VOUCHER, rice_total),
    ]
    assert list(batik_part.payments.values_list("method", "amount")) == [
        (PaymentMethod.CASH, BATIK_PRICE)
    ]
    charge = VoucherCharge.objects.get(wallet=sumarni_wallet)
    assert (charge.amount, charge.seller_id, charge.seller_village_id) == (
        rice_total,
        rice_seller.pk,
        rice_seller.village_id,
    )
    assert balance_of(sumarni_wallet) == MONTHLY_AID - rice_total

    # --- the counter: a sealed PIN for Pak Darmo, a wrong PIN, then the right one ------------
    darmo = beneficiaries["Darmo Wiyono"]
    official.goto(
        reverse("vouchers:card_pin", kwargs={"village_slug": home.slug, "beneficiary_id": darmo.pk})
    )
    official.locator("#issue-pin button[type=submit]").click()
    expect(official.locator("#pin-slip")).to_contain_text(darmo.name)
    pin = official.locator("#pin").inner_text().strip()
    assert re.fullmatch(r"\d{6}", pin)
    wrong_pin = f"{(int(pin) + 1) % 1_000_000:06d}"

    cashier = person(page, live_server, "kasir@lumbung.id")
    counter_url = reverse(
        "vouchers:counter",
        kwargs={"village_slug": rice_seller.village.slug, "seller_slug": rice_seller.slug},
    )
    cashier.goto(counter_url)
    sale_form = cashier.locator("#counter-sale")
    sale_form.locator("input[name=card_number]").fill(darmo.card_number)
    sale_form.locator(f"input[name=qty_{rice.pk}]").fill(str(RICE_QUANTITY))
    sale_form.locator(f"input[name=qty_{basket.pk}]").fill("1")
    sale_form.locator("button[name=action][value=preview]").click()
    split = cashier.locator("#counter-split")
    expect(split).to_contain_text(darmo.name)
    expect(split.locator("#split-voucher")).to_have_text(format_rupiah(rice_total))
    expect(split.locator("#split-cash")).to_have_text(format_rupiah(BASKET_PRICE))

    confirm = cashier.locator("#counter-confirm")
    confirm.locator("input[name=pin]").fill(wrong_pin)
    confirm.locator("button[name=action][value=charge]").click()
    expect(cashier.locator("#counter-confirm .errors")).to_contain_text("wrong PIN (4 tries left)")
    expect(cashier).to_have_url(re.compile(rf"{re.escape(counter_url)}$"))
    assert not CounterSale.objects.exists()
    darmo.refresh_from_db()
    assert darmo.pin_failures == 1
    darmo_wallet = wallet_of(darmo, programme)
    assert balance_of(darmo_wallet) == MONTHLY_AID

    confirm = cashier.locator("#counter-confirm")
    confirm.locator("input[name=pin]").fill(pin)
    confirm.locator("button[name=action][value=charge]").click()
    expect(cashier).to_have_url(re.compile(r"/kasir/\d+/$"))
    receipt = cashier.locator("#receipt")
    expect(receipt).to_contain_text(darmo.name)
    expect(receipt).not_to_contain_text(darmo.card_number)
    expect(receipt).to_contain_text(darmo.card_number[-4:])
    expect(receipt.locator("#receipt-total")).to_have_text(format_rupiah(rice_total + BASKET_PRICE))
    expect(receipt.locator("#receipt-voucher")).to_have_text(format_rupiah(rice_total))
    expect(receipt.locator("#receipt-cash")).to_have_text(format_rupiah(BASKET_PRICE))
    expect(cashier.locator("main")).to_contain_text(
        f"Sale recorded. Collect {format_rupiah(BASKET_PRICE)} in cash."
    )

    sale = CounterSale.objects.get()
    assert (sale.beneficiary_id, sale.seller_id, sale.voucher_amount, sale.cash_amount) == (
        darmo.pk,
        rice_seller.pk,
        rice_total,
        BASKET_PRICE,
    )
    darmo.refresh_from_db()
    assert darmo.pin_failures == 0
    assert balance_of(darmo_wallet) == MONTHLY_AID - rice_total
    painem_wallet = wallet_of(beneficiaries["Painem"], programme)
    assert balance_of(painem_wallet) == MONTHLY_AID
    assert ledger_problems() == []
