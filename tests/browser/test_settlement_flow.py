"""One voucher purchase across villages, followed from the checkout through the seller's
steps and the buyer's receipt to the day's settlement, a payout marked paid, and the public
transparency page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from core.money import format_rupiah
from ledger.enums import AccountKind, TransferKind
from ledger.models import Account, Transfer
from ledger.selectors import ledger_problems
from orders.enums import FulfilmentStatus, PaymentMethod
from orders.models import Order, SellerDelivery
from settlement.enums import PostingStatus
from settlement.models import (
    BatchStatus,
    Payout,
    PayoutStatus,
    Posting,
    SettlementBatch,
    VillageTransfer,
)
from settlement.tasks import close_settlement_day
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.helpers import (
    add_to_cart,
    checkout_address,
    person,
    restock,
    seller_queue_url,
    step_button,
)
from tests.factories import (
    BumdesFactory,
    MarketFactory,
    ProductFactory,
    SellerFactory,
    VillageFactory,
    category,
    member,
)
from tests.transparency import ledger_sums
from tests.vouchers.factories import BeneficiaryFactory, ProgrammeFactory
from villages.enums import Role
from vouchers import accounts
from vouchers.models import Wallet
from vouchers.services import issuance

pytestmark = pytest.mark.browser

MONTHLY_AID = 300_000
RICE_PRICE, RICE_QUANTITY = 14_000, 3
COURIER_FEE = 6_000
NIK = "3402157108650004"
CARD_NUMBER = "5264710093318826"
BANK_REFERENCE = "BRI-20261122-0042"


@pytest.fixture
def voucher_market(transactional_db):
    """A programme of the home village with month 1 issued to a household linked to a
    resident; a rice seller in the other village, whose BUMDes takes a commission."""
    home = VillageFactory(name="Panggungharjo", slug="panggungharjo", code="34.02.15.2001")
    other = VillageFactory(name="Timbulharjo", slug="timbulharjo", code="34.02.15.2003")
    market = MarketFactory(name="Pasar Desa Sewon", slug="sewon", villages=[home, other])
    BumdesFactory(village=other, name="BUMDes Timbulharjo", slug="bumdes-timbulharjo")
    official = member(home, Role.VILLAGE_OFFICIAL)
    resident = member(home, Role.RESIDENT, name="Bu Wartini", email="wartini@contoh.id")
    beneficiary = BeneficiaryFactory(
        village=home, user=resident, name="Wartini Sulastri", nik=NIK, card_number=CARD_NUMBER
    )
    # The staple categories first: an earlier transactional test may have emptied the tree.
    rice_category = category("beras")
    programme = ProgrammeFactory(village=home, market=market, amount_per_month=MONTHLY_AID)
    assert programme.allowed_categories.filter(pk=rice_category.pk).exists()
    # Issued as the official's button does; the batch runs right after the commit.
    issuance.start_issuance(acting_user=official, programme_id=programme.pk, month=1)
    wallet = Wallet.objects.get(beneficiary=beneficiary, programme=programme)
    assert accounts.wallet_account(wallet).balance == MONTHLY_AID

    shop = SellerFactory(village=other, name="Beras Pak Slamet", slug="beras-pak-slamet")
    SellerDelivery.objects.create(seller=shop, courier_enabled=True, fee_same_kecamatan=COURIER_FEE)
    rice = restock(
        ProductFactory(
            seller=shop,
            name="Beras IR64 Timbulharjo",
            slug="beras-ir64",
            category=rice_category,
            price=RICE_PRICE,
        ),
        40,
    )
    return {
        "home": home,
        "other": other,
        "market": market,
        "programme": programme,
        "beneficiary": beneficiary,
        "wallet": wallet,
        "resident": resident,
        "shop": shop,
        "rice": rice,
        "staff": member(other, Role.SELLER_STAFF, seller=shop, email="staf@beras-slamet.id"),
        "bumdes_admin": member(other, Role.BUMDES_ADMIN, email="bumdes@timbulharjo.id"),
    }


def seller_steps(page, *, seller, order, steps):
    """The seller's staff tap each step of ``order``'s row in their queue."""
    queue_url = seller_queue_url(seller)
    page.goto(queue_url)
    row = page.locator("#orders li.order-row", has_text=order.number)
    expect(row).to_have_count(1)
    for step in steps:
        step_button(row, step).click()
        expect(page).to_have_url(re.compile(rf"{re.escape(queue_url)}$"))
        if step == FulfilmentStatus.DELIVERED:
            expect(row).to_have_count(0)  # nothing left to do: off the open queue
        else:
            expect(row.locator(f".status-{step}")).to_be_visible()
    page.goto(f"{queue_url}?status={FulfilmentStatus.DELIVERED}")
    expect(row.locator(f".status-{FulfilmentStatus.DELIVERED}")).to_be_visible()


def amount_of(locator):
    return int(locator.get_attribute("data-amount"))


def test_a_voucher_purchase_across_villages_is_settled_paid_and_shown_publicly(
    page, live_server, voucher_market
):
    data = voucher_market
    home, other, shop, rice = data["home"], data["other"], data["shop"], data["rice"]
    programme, wallet = data["programme"], data["wallet"]
    rice_total = RICE_PRICE * RICE_QUANTITY

    # --- the resident buys rice of the other village with her voucher ------------------------
    wartini = person(page, live_server, "wartini@contoh.id")
    add_to_cart(wartini, rice, RICE_QUANTITY)
    wartini.goto(reverse("orders:checkout"))
    checkout_address(wartini, village=home, recipient="Bu Wartini", phone="0813 2222 4444")
    form = wartini.locator("#checkout-form")
    form.locator(f"input[name=delivery_{shop.pk}][value=courier]").check()
    form.locator(f"input[name=voucher_wallet][value='{wallet.pk}']").check()
    form.locator(f"input[name=payment_method][value={PaymentMethod.CASH}]").check()
    form.locator("button[name=update]").last.click()
    form = wartini.locator("#checkout-form")
    expect(form.locator("#checkout-voucher")).to_have_text(format_rupiah(rice_total))
    expect(form.locator("#checkout-rest")).to_have_text(format_rupiah(COURIER_FEE))
    form.locator("button[name=place]").click()
    expect(wartini).to_have_url(re.compile(r"/pesanan/[^/]+/$"))
    order = Order.objects.get(buyer=data["resident"])
    fulfilment = order.fulfilments.get()
    section = wartini.locator(f"#fulfilment-{fulfilment.pk}")
    expect(section.locator(".payment-voucher")).to_contain_text(format_rupiah(rice_total))

    # --- the seller's staff confirm, ship and deliver ---------------------------------------
    staff = person(page, live_server, "staf@beras-slamet.id")
    seller_steps(
        staff,
        seller=shop,
        order=order,
        steps=[FulfilmentStatus.CONFIRMED, FulfilmentStatus.SHIPPED, FulfilmentStatus.DELIVERED],
    )
    assert not Posting.objects.filter(status=PostingStatus.POSTED).exists()

    # --- the resident confirms receipt: the sale is complete and posted ---------------------
    wartini.reload()
    section.locator("form", has_text="I have received the order").locator("button").click()
    expect(section.locator(f".status-{FulfilmentStatus.COMPLETED}")).to_be_visible()
    fulfilment.refresh_from_db()
    assert fulfilment.status == FulfilmentStatus.COMPLETED
    assert Posting.objects.get(fulfilment=fulfilment).status == PostingStatus.POSTED
    settle = Transfer.objects.get(kind=TransferKind.SETTLE)
    assert settle.amount == rice_total
    assert accounts.voucher_in_flight(programme).balance == 0
    payable = Account.objects.get(kind=AccountKind.SELLER_PAYABLE, owner_id=shop.pk).balance
    assert 0 < payable < rice_total  # the BUMDes's commission taken

    # --- the day is closed, as the daily beat does -----------------------------------------
    # The day the sale settled (the beat closes yesterday; the test closes that day now).
    day = timezone.localdate(settle.created_at)
    [batch_id] = close_settlement_day(day.isoformat())
    batch = SettlementBatch.objects.get(pk=batch_id)
    payout = Payout.objects.get(batch=batch, seller=shop)
    assert (payout.amount, payout.status) == (payable, PayoutStatus.PENDING)
    net = VillageTransfer.objects.get(batch=batch)
    assert (net.from_village_id, net.to_village_id, net.amount) == (home.pk, other.pk, rice_total)

    # --- the other village's BUMDes admin pays the seller -----------------------------------
    admin = person(page, live_server, "bumdes@timbulharjo.id")
    admin.goto(reverse("settlement:batch_list", kwargs={"village_slug": other.slug}))
    batch_row = admin.locator(f"#batch-{batch.pk}")
    expect(batch_row).to_contain_text("Pasar Desa Sewon")
    expect(batch_row).to_contain_text(format_rupiah(payable))
    expect(batch_row.locator(".in")).to_have_text(f"+{format_rupiah(rice_total)}")
    batch_row.locator("a").click()
    detail_url = reverse(
        "settlement:batch_detail", kwargs={"village_slug": other.slug, "batch_id": batch.pk}
    )
    expect(admin).to_have_url(re.compile(rf"{re.escape(detail_url)}$"))
    expect(admin.locator("#batch-status")).to_have_text("Open")
    payout_row = admin.locator(f"#payout-{payout.pk}")
    expect(payout_row).to_contain_text(shop.name)
    expect(payout_row).to_contain_text(format_rupiah(payable))
    transfer_row = admin.locator(f"#transfer-{net.pk}")
    expect(transfer_row).to_contain_text(home.name)
    expect(transfer_row).to_contain_text(other.name)
    expect(transfer_row).to_contain_text(format_rupiah(rice_total))
    pay_form = admin.locator(f"#pay-{payout.pk}")
    pay_form.locator("input[name$=bank_reference]").fill(BANK_REFERENCE)
    pay_form.locator("button[type=submit]").click()
    expect(admin.locator(f"#pay-{payout.pk}")).to_have_count(0)
    expect(payout_row).to_contain_text(BANK_REFERENCE)
    expect(admin.locator("#batch-status")).to_have_text("Paid")
    payout.refresh_from_db()
    batch.refresh_from_db()
    assert (payout.status, payout.bank_reference) == (PayoutStatus.PAID, BANK_REFERENCE)
    assert batch.status == BatchStatus.PAID
    assert Account.objects.get(kind=AccountKind.SELLER_PAYABLE, owner_id=shop.pk).balance == 0

    # --- anyone: the market's transparency page -------------------------------------------
    public_context = page.context.browser.new_context(base_url=live_server.url)
    public_context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    public_context.set_default_timeout(TIMEOUT_MS)
    public = public_context.new_page()
    public.goto(reverse("transparency:market", kwargs={"market_slug": data["market"].slug}))
    expected = ledger_sums.aid([home.pk, other.pk])
    assert (expected["issued"], expected["spent"], expected["outstanding"]) == (
        MONTHLY_AID,
        rice_total,
        MONTHLY_AID - rice_total,
    )
    for figure, key in (
        ("issued", "issued"),
        ("spent", "spent"),
        ("outstanding", "outstanding"),
        ("in-market", "spent_elsewhere"),
    ):
        amount = amount_of(public.locator(f"#figure-{figure} dd"))
        assert amount == expected[key], figure
    expect(public.locator("#figure-spent dd")).to_contain_text(format_rupiah(rice_total))
    expect(public.locator("#reconciled")).to_be_visible()
    home_row = public.locator(f"#village-table tr[data-village={home.slug}]")
    assert amount_of(home_row.locator("td").nth(1)) == rice_total  # spent, by the issuer
    batch_line = public.locator(f"#batch-table tr[data-batch='{batch.pk}']")
    expect(batch_line).to_have_attribute("data-status", BatchStatus.PAID)
    expect(batch_line).to_contain_text("Paid")
    amounts = [amount_of(cell) for cell in batch_line.locator("td[data-amount]").all()]
    assert amounts == [payable, 0, 0, rice_total]  # paid, to pay, owed, between villages

    text = public.locator("body").inner_text()
    html = public.content()
    beneficiary = data["beneficiary"]
    for private in (
        beneficiary.name,
        NIK,
        beneficiary.nik_masked,
        CARD_NUMBER,
    ):
        assert private not in html, private
    assert "Wartini" not in text
    assert ledger_problems() == []
