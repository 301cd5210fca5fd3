"""A sale at a seller's counter, paid with a voucher card and its PIN, the rest in cash.

The e-Warong way: the beneficiary hands over the printed card, the cashier types (or a
phone's camera types) its number and the goods, the beneficiary types the PIN, and the
voucher pays the lines its programme allows while its balance lasts; the rest is paid in
cash at the counter. Same rules as online (``vouchers.rules``), same ledger.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from catalog.services.stock import take_stock_for_lines
from core.exceptions import DomainError
from ledger import services as ledger
from ledger.enums import TransferKind
from villages.exceptions import NotAllowedForVillage, SellerNotFound
from villages.models import Seller
from villages.tenancy import scope_for
from vouchers import accounts
from vouchers.enums import ChargeChannel
from vouchers.models import Beneficiary, CounterSale, VoucherCharge, VoucherChargeLine
from vouchers.selectors.counter import (
    active_wallets,
    card_wallets,
    find_card,
    merge_lines,
    plan_sale,
    sale_products,
)
from vouchers.services.cards import count_wrong_pin, ensure_card_usable, pin_matches

# Stock movement reasons are data, in the villages' language (like "Pesanan %(number)s").
STOCK_REASON = "Penjualan kasir %(key)s"


class BeneficiaryInactive(DomainError):
    code = "beneficiary_inactive"

    def __init__(self) -> None:
        super().__init__(_("This card's holder no longer receives aid: the card cannot pay."))


class CounterKeyInvalid(DomainError):
    code = "counter_key_invalid"

    def __init__(self) -> None:
        super().__init__(_("This sale form has expired; start the sale again."))


class _PinRefused(Exception):
    """Rolls the sale back; the wrong PIN is then counted in a transaction of its own."""


def _seller_for_cashier(acting_user: Any, seller_id: int) -> Seller:
    seller = Seller.objects.select_related("village").filter(pk=seller_id).first()
    if seller is None:
        raise SellerNotFound()
    if not scope_for(acting_user).can_manage_seller(
        seller_id=seller.pk, village_id=seller.village_id
    ):
        raise NotAllowedForVillage()
    return seller


def _earlier(idempotency_key: str, seller: Seller) -> CounterSale | None:
    sale = CounterSale.objects.filter(idempotency_key=idempotency_key).first()
    if sale is not None and sale.seller_id != seller.pk:
        raise CounterKeyInvalid()  # a key is one form of one counter
    return sale


def charge_at_counter(
    *,
    acting_user: Any,
    seller_id: int,
    card_number: str,
    pin: str,
    lines: Sequence[tuple[int, int]],
    idempotency_key: str,
) -> CounterSale:
    """Sell ``lines`` (product id, quantity) of the seller to the card's holder.

    ``acting_user`` must manage the seller (its staff, or a BUMDes admin of its village).
    In one transaction, holding the beneficiary's row lock (so two sales on one card queue):
    checks the card and PIN; takes the stock (products locked in primary-key order), then
    locks the card's wallet accounts with their programmes' voucher-in-flight accounts
    (primary-key order; products before accounts, as online checkout does); charges the
    voucher what its programme allows and its balance holds (one wallet, ledger key
    ``spend:counter:<sale id>``, into the programme's voucher-in-flight account); and
    writes the ``CounterSale`` with the cash left to pay and the ``VoucherCharge`` with
    its lines by category.

    The same ``idempotency_key`` again returns the first sale; nothing is charged twice.
    Raises ``SellerNotFound``, ``NotAllowedForVillage``, ``CardNotFound``,
    ``BeneficiaryInactive``, ``CardLocked``, ``PinNotSet``, ``WrongPin`` (counted, in its
    own committed step, although the sale is rolled back; the 5th locks the card and
    raises ``CardLocked``), ``CounterLinesInvalid``, ``InsufficientStock``,
    ``CounterKeyInvalid``; then no stock, money or sale is written.
    """
    seller = _seller_for_cashier(acting_user, seller_id)
    if not idempotency_key or len(idempotency_key) > 64:
        raise CounterKeyInvalid()
    earlier = _earlier(idempotency_key, seller)
    if earlier is not None:
        return earlier
    beneficiary = find_card(card_number=card_number)
    wanted = merge_lines(lines)
    try:
        with transaction.atomic(durable=True):
            return _charge(
                acting_user=acting_user,
                seller=seller,
                beneficiary_id=beneficiary.pk,
                pin=pin,
                wanted=wanted,
                idempotency_key=idempotency_key,
            )
    except _PinRefused:
        raise count_wrong_pin(beneficiary_id=beneficiary.pk, seller=seller) from None


def _charge(
    *,
    acting_user: Any,
    seller: Seller,
    beneficiary_id: int,
    pin: str,
    wanted: list[tuple[int, int]],
    idempotency_key: str,
) -> CounterSale:
    beneficiary = Beneficiary.objects.select_for_update().get(pk=beneficiary_id)
    # Two copies of one form queue on the lock above; the second finds the first's sale.
    earlier = _earlier(idempotency_key, seller)
    if earlier is not None:
        return earlier
    if not beneficiary.is_active:
        raise BeneficiaryInactive()
    ensure_card_usable(beneficiary)
    if not pin_matches(beneficiary, pin):
        raise _PinRefused()
    if beneficiary.pin_failures:
        Beneficiary.objects.filter(pk=beneficiary.pk).update(pin_failures=0)

    products = sale_products(seller=seller, lines=wanted)
    # Products first, then the wallet and voucher-in-flight accounts together: the order
    # online checkout takes them in, so the two never wait for each other in a circle.
    take_stock_for_lines(
        lines=wanted, actor=acting_user, reason=STOCK_REASON % {"key": idempotency_key[:12]}
    )
    wallets = active_wallets(beneficiary=beneficiary)
    for wallet in wallets:  # opened on first use, before they are locked
        accounts.wallet_account(wallet)
        accounts.voucher_in_flight(wallet.programme)
    balances = card_wallets(beneficiary=beneficiary, wallets=wallets, lock=True)
    plan = plan_sale(
        seller=seller,
        lines=[(products[product_id], quantity) for product_id, quantity in wanted],
        wallets=balances,
    )
    sale = CounterSale.objects.create(
        seller=seller,
        beneficiary=beneficiary,
        cashier=acting_user,
        idempotency_key=idempotency_key,
        total=plan.total,
        voucher_amount=plan.voucher_amount,
        cash_amount=plan.cash_amount,
        lines=[line.as_json() for line in plan.lines],
    )
    if plan.wallet is not None and plan.voucher_amount:
        wallet = plan.wallet
        key = f"spend:counter:{sale.pk}"
        ledger.move(
            key=key,
            kind=TransferKind.SPEND,
            source=accounts.wallet_account(wallet),
            destination=accounts.voucher_in_flight(wallet.programme),
            amount=plan.voucher_amount,
            village_id=wallet.programme.village_id,
            memo=f"counter sale {sale.pk}",
            details={"counter_sale": sale.pk, "seller": seller.pk},
        )
        charge = VoucherCharge.objects.create(
            wallet=wallet,
            channel=ChargeChannel.COUNTER,
            counter_sale=sale,
            seller=seller,
            seller_village_id=seller.village_id,
            amount=plan.voucher_amount,
            transfer_key=key,
        )
        VoucherChargeLine.objects.bulk_create(
            [
                VoucherChargeLine(charge=charge, category_id=category_id, amount=amount)
                for category_id, amount in sorted(plan.voucher_by_category().items())
            ]
        )
    return sale
