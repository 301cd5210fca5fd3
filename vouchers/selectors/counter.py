"""Reads for the seller's counter: a card by its number, this seller's goods, and the split.

``plan_sale`` is the one calculation of what a voucher card pays at a counter and what is
left for cash; the counter page previews it and ``vouchers.services.counter`` charges by it
(with the wallet rows locked), so the cashier sees before confirming what will be charged.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from catalog.models import Product
from core.exceptions import DomainError, NotFound
from ledger.enums import AccountKind
from ledger.models import Account
from villages.models import Seller
from vouchers.enums import ProgrammeStatus
from vouchers.models import Beneficiary, CounterSale, Wallet
from vouchers.rules import ProgrammeRules, programme_end

# How many of a seller's goods the counter lists; a counter sells from a short list.
COUNTER_PRODUCTS_SHOWN = 200
MAX_QUANTITY = 999

# Why a line is (not, or not wholly) paid by the voucher, for the cashier and the receipt.
PAID = "paid"
NOT_RUNNING = "not_running"
OUTSIDE_AREA = "outside_area"
NOT_STAPLE = "not_staple"
BALANCE = "balance"
NO_PROGRAMME = "no_programme"
REASONS: dict[str, Promise] = {
    PAID: _("Paid by the voucher."),
    NOT_RUNNING: _("The aid programme is not running now."),
    OUTSIDE_AREA: _("This seller is outside the area where the voucher may be spent."),
    NOT_STAPLE: _("The voucher pays only for staple food."),
    BALANCE: _("The voucher balance is not enough: the rest is paid in cash."),
    NO_PROGRAMME: _("This card has no voucher of an active aid programme."),
}


class CardNotFound(NotFound):
    code = "card_not_found"

    def __init__(self) -> None:
        super().__init__(_("No voucher card has that number. Check the number on the card."))


class CounterSaleNotFound(NotFound):
    code = "counter_sale_not_found"

    def __init__(self) -> None:
        super().__init__(_("That counter sale does not exist."))


class CounterLinesInvalid(DomainError):
    code = "counter_lines_invalid"


def clean_card_number(value: object) -> str:
    """The card number as typed or scanned, without the spaces it is printed with."""
    return "".join(ch for ch in str(value or "") if ch not in " -.\u00a0\t")


def find_card(*, card_number: str) -> Beneficiary:
    """The beneficiary holding the card, or ``CardNotFound``. The number is public."""
    number = clean_card_number(card_number)
    beneficiary = None
    if number and number.isascii() and number.isdigit():
        beneficiary = (
            Beneficiary.objects.select_related("village").filter(card_number=number).first()
        )
    if beneficiary is None:
        raise CardNotFound()
    return beneficiary


def counter_products(*, seller: Seller) -> QuerySet[Product]:
    """The seller's active goods for the counter list, by name (one query)."""
    return (
        Product.objects.filter(seller=seller, is_active=True)
        .select_related("category")
        .only("pk", "name", "price", "unit", "kind", "stock", "category__name", "seller_id")
        .order_by("name", "pk")[:COUNTER_PRODUCTS_SHOWN]
    )


def sale_products(*, seller: Seller, lines: Sequence[tuple[int, int]]) -> dict[int, Product]:
    """The products of ``lines``, checked: this seller's, active, whole quantities 1 to 999.

    Raises ``CounterLinesInvalid`` with a message for the cashier.
    """
    if not lines:
        raise CounterLinesInvalid(_("Choose at least one product with a quantity."))
    for _product_id, quantity in lines:
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            raise CounterLinesInvalid(_("Quantities are whole numbers."))
        if not 1 <= quantity <= MAX_QUANTITY:
            raise CounterLinesInvalid(_("Each quantity is between 1 and 999."))
    ids = {product_id for product_id, _quantity in lines}
    products = {
        product.pk: product
        for product in Product.objects.filter(pk__in=ids, seller=seller, is_active=True).only(
            "pk", "name", "price", "category_id", "kind", "seller_id", "village_id"
        )
    }
    if set(products) != ids:
        raise CounterLinesInvalid(_("A product is not sold at this counter (any more)."))
    return products


@dataclass(frozen=True)
class PlannedLine:
    product_id: int
    name: str
    category_id: int
    unit_price: int
    quantity: int
    total: int
    voucher_amount: int
    cash_amount: int
    reason: str  # a key of REASONS

    @property
    def reason_text(self) -> Promise:
        return REASONS[self.reason]

    def as_json(self) -> dict[str, object]:
        return {
            "product_id": self.product_id,
            "name": self.name,
            "category_id": self.category_id,
            "unit_price": self.unit_price,
            "quantity": self.quantity,
            "voucher_amount": self.voucher_amount,
            "cash_amount": self.cash_amount,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class SalePlan:
    lines: tuple[PlannedLine, ...]
    wallet: Wallet | None  # the one wallet that pays; None: all in cash

    @property
    def total(self) -> int:
        return sum(line.total for line in self.lines)

    @property
    def voucher_amount(self) -> int:
        return sum(line.voucher_amount for line in self.lines)

    @property
    def cash_amount(self) -> int:
        return sum(line.cash_amount for line in self.lines)

    def voucher_by_category(self) -> dict[int, int]:
        spent: dict[int, int] = {}
        for line in self.lines:
            if line.voucher_amount:
                spent[line.category_id] = spent.get(line.category_id, 0) + line.voucher_amount
        return spent


def _refusal_code(rules: ProgrammeRules, *, category_id: int, seller_village_id: int) -> str:
    # The order of ProgrammeRules.refusal, as codes a sale can store.
    if rules.refusal(category_id=category_id, seller_village_id=seller_village_id) is None:
        return PAID
    if not rules.spendable:
        return NOT_RUNNING
    if seller_village_id not in rules.village_ids:
        return OUTSIDE_AREA
    return NOT_STAPLE


def _plan_with(
    wallet: Wallet | None,
    rules: ProgrammeRules | None,
    balance: int,
    *,
    seller: Seller,
    lines: Sequence[tuple[Product, int]],
) -> SalePlan:
    left = balance
    planned = []
    for product, quantity in lines:
        total = product.price * quantity
        if rules is None:
            code = NO_PROGRAMME
        else:
            code = _refusal_code(
                rules, category_id=product.category_id, seller_village_id=seller.village_id
            )
        voucher = 0
        if code == PAID:
            voucher = min(total, left)
            left -= voucher
            if voucher < total:
                code = BALANCE
        planned.append(
            PlannedLine(
                product_id=product.pk,
                name=product.name,
                category_id=product.category_id,
                unit_price=product.price,
                quantity=quantity,
                total=total,
                voucher_amount=voucher,
                cash_amount=total - voucher,
                reason=code,
            )
        )
    return SalePlan(lines=tuple(planned), wallet=wallet if balance else None)


def plan_sale(
    *,
    seller: Seller,
    lines: Sequence[tuple[Product, int]],
    wallets: Sequence[tuple[Wallet, ProgrammeRules, int]],
) -> SalePlan:
    """How a sale of ``lines`` at ``seller`` splits between one voucher wallet and cash.

    ``wallets`` are the card's (wallet, rules, balance). One wallet pays per sale: the one
    paying the most, ties going to the programme ending first (its money expires first).
    Within it, lines are paid in the order given while the balance lasts.
    """
    best: SalePlan | None = None
    best_rank: tuple[int, datetime.date, int] | None = None
    for wallet, rules, balance in wallets:
        plan = _plan_with(wallet, rules, balance, seller=seller, lines=lines)
        rank = (-plan.voucher_amount, programme_end(wallet.programme), wallet.pk)
        if best_rank is None or rank < best_rank:
            best, best_rank = plan, rank
    if best is None:
        return _plan_with(None, None, 0, seller=seller, lines=lines)
    return best


def active_wallets(*, beneficiary: Beneficiary) -> list[Wallet]:
    """The card's wallets in active programmes, with their programmes (one query)."""
    return list(
        Wallet.objects.filter(beneficiary=beneficiary, programme__status=ProgrammeStatus.ACTIVE)
        .select_related("programme")
        .order_by("pk")
    )


def card_wallets(
    *, beneficiary: Beneficiary, wallets: list[Wallet] | None = None, lock: bool = False
) -> list[tuple[Wallet, ProgrammeRules, int]]:
    """The card's wallets in active programmes, with their rules and balances.

    ``lock``: lock the wallets' ledger accounts and their programmes' voucher-in-flight
    accounts, in primary-key order, until the transaction ends, so the balances read stay
    true while a sale is charged. Online checkout locks the same two kinds the same way
    (``vouchers.services.spending.lock_for_checkout``), after its products; so does the
    counter, so the two never wait for each other in a circle.
    """
    if wallets is None:
        wallets = active_wallets(beneficiary=beneficiary)
    if not wallets:
        return []
    wanted = Q(kind=AccountKind.BENEFICIARY_WALLET, owner_id__in=[w.pk for w in wallets])
    if lock:
        wanted |= Q(
            kind=AccountKind.VOUCHER_IN_FLIGHT, owner_id__in={w.programme_id for w in wallets}
        )
    rows = Account.objects.filter(wanted).order_by("pk")
    if lock:
        rows = rows.select_for_update()
    balances = {
        owner: balance
        for kind, owner, balance in rows.values_list("kind", "owner_id", "balance")
        if kind == AccountKind.BENEFICIARY_WALLET
    }
    return [
        (wallet, ProgrammeRules.load(wallet.programme), balances.get(wallet.pk, 0))
        for wallet in wallets
    ]


def preview_sale(
    *, seller: Seller, beneficiary: Beneficiary, lines: Sequence[tuple[int, int]]
) -> SalePlan:
    """The split the counter page shows before the cashier confirms (no locks taken)."""
    products = sale_products(seller=seller, lines=lines)
    return plan_sale(
        seller=seller,
        lines=[(products[product_id], quantity) for product_id, quantity in lines],
        wallets=card_wallets(beneficiary=beneficiary),
    )


def get_counter_sale_for_seller(*, seller: Seller, sale_id: int) -> CounterSale:
    """A sale of this seller's counter (the caller has resolved the seller for the person)."""
    sale = (
        CounterSale.objects.select_related("beneficiary", "cashier", "seller")
        .filter(pk=sale_id, seller=seller)
        .first()
    )
    if sale is None:
        raise CounterSaleNotFound()
    return sale


def recent_counter_sales(*, seller: Seller, limit: int = 20) -> list[CounterSale]:
    return list(
        CounterSale.objects.filter(seller=seller)
        .select_related("beneficiary")
        .order_by("-created_at", "-pk")[:limit]
    )


def merge_lines(lines: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Lines with each product once (quantities added), in first-seen order."""
    merged: dict[int, int] = {}
    for product_id, quantity in lines:
        merged[product_id] = merged.get(product_id, 0) + quantity
    return list(merged.items())
