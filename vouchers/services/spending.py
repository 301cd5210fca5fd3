"""Spending a voucher online, and giving it back when a fulfilment is cancelled.

A voucher is a tender of checkout (``vouchers.payment.VoucherHandler``): it pays the lines
its programme allows (``vouchers.rules.ProgrammeRules``), in the order they come, up to
the wallet's balance; never a delivery fee. Its money leaves the wallet at once, in the
checkout's transaction, for the programme's ``voucher_in_flight`` account (SPEND, key
``spend:payment:<id>``), and a ``VoucherCharge`` says by category what it paid.

A cancelled fulfilment gives back exactly what its voucher paid, once (key
``refund:payment:<id>``): to the wallet, or — when the money has expired meanwhile — to the
programme's fund. Never as cash.

Locks: a checkout paying by voucher locks the wallet's ledger account and the programme's
in-flight account (primary-key order) after the products, and holds them until it commits,
so concurrent checkouts of one wallet see each other's spending and never overspend. A
reversal runs under the fulfilment's lock (``orders.services.lifecycle``), then locks the
charge, then the two accounts through the ledger (again in primary-key order).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError
from ledger import services as ledger
from ledger.enums import AccountKind, TransferKind
from ledger.exceptions import InsufficientBalance
from ledger.models import Account
from orders import payments
from orders.enums import PaymentStatus
from orders.exceptions import TendersInvalid
from orders.models import OrderLine, Payment
from vouchers import accounts
from vouchers.enums import ChargeChannel, ChargeStatus, ExpiryRule, ProgrammeStatus
from vouchers.models import (
    Programme,
    VoucherCharge,
    VoucherChargeLine,
    Wallet,
)
from vouchers.rules import ProgrammeRules, current_month, programme_end

# --- Which wallet may pay --------------------------------------------------------------


class VoucherBalanceChanged(DomainError):
    """The wallet was spent by another payment while this checkout ran."""

    code = "voucher_balance_changed"
    status_code = 409

    def __init__(self) -> None:
        super().__init__(
            _(
                "Your voucher balance changed while you were checking out. "
                "Nothing was ordered; please check the amounts and try again."
            )
        )


def programme_is_running(programme: Programme, today: datetime.date | None = None) -> bool:
    """Active, and today inside one of its months."""
    return (
        programme.status == ProgrammeStatus.ACTIVE and current_month(programme, today) is not None
    )


def wallet_refusal(wallet: Wallet, today: datetime.date | None = None) -> Promise | None:
    """Why ``wallet`` (with its beneficiary and programme) cannot pay now; None if it can."""
    beneficiary = wallet.beneficiary
    if not beneficiary.is_active:
        return _("This voucher is no longer active.")
    if beneficiary.card_locked_at is not None:
        return _("This voucher is locked after too many wrong PINs. Ask your village office.")
    if not programme_is_running(wallet.programme, today):
        return _("The aid programme is not running now.")
    return None


def parse_wallet_id(argument: Any) -> int:
    """The wallet id a tender names (an int, or digits from a form); raises TendersInvalid."""
    if isinstance(argument, bool):
        argument = None
    if isinstance(argument, str) and argument.strip().isdigit():
        argument = int(argument.strip())
    if not isinstance(argument, int) or argument <= 0:
        raise TendersInvalid(_("Choose which voucher to pay with."), code="voucher_invalid")
    return argument


def validate_wallet_for_buyer(*, wallet_id: int, buyer: Any) -> Wallet:
    """The wallet, if it belongs to a beneficiary linked to ``buyer`` and can pay now.

    One query. Someone else's wallet and a wallet that does not exist are refused alike
    (``voucher_not_found``), so an id tells a stranger nothing. Raises ``TendersInvalid``.
    """
    buyer_id = getattr(buyer, "pk", None)
    wallet = (
        Wallet.objects.select_related("beneficiary", "programme")
        .filter(pk=wallet_id, beneficiary__user_id=buyer_id)
        .first()
        if isinstance(buyer_id, int)
        else None
    )
    if wallet is None:
        raise TendersInvalid(_("That voucher is not yours."), code="voucher_not_found")
    refusal = wallet_refusal(wallet)
    if refusal is not None:
        raise TendersInvalid(refusal, code="voucher_unusable")
    return wallet


# --- What it pays ------------------------------------------------------------------------


@dataclass(frozen=True)
class CoveredLine:
    """The part of one line a voucher may pay (before the balance is applied)."""

    category_id: int
    amount: int


def eligible_lines(
    rules: ProgrammeRules, *, seller_village_id: int, lines: Iterable[tuple[int, int]]
) -> list[CoveredLine]:
    """Of ``lines`` — (category id, line total), in order — those the voucher may pay."""
    return [
        CoveredLine(category_id=category_id, amount=line_total)
        for category_id, line_total in lines
        if rules.refusal(category_id=category_id, seller_village_id=seller_village_id) is None
    ]


def split_by_category(covered: Sequence[CoveredLine], amount: int) -> dict[int, int]:
    """``amount`` spread over ``covered`` lines in order (the last one paid may be partly):
    rupiah per category id."""
    parts: dict[int, int] = {}
    left = amount
    for line in covered:
        if left <= 0:
            break
        paid = min(line.amount, left)
        parts[line.category_id] = parts.get(line.category_id, 0) + paid
        left -= paid
    return parts


@dataclass
class CheckoutWallet:
    """A wallet as one checkout sees it: loaded once, then reused for every fulfilment.

    ``balance`` is read under the wallet account's lock (``lock_for_checkout``);
    ``covered`` keeps, per seller id, the lines the voucher may pay, for ``charge_payment``.
    """

    wallet: Wallet
    rules: ProgrammeRules | None = None
    balance: int | None = None
    covered: dict[int, list[CoveredLine]] = field(default_factory=dict)
    wallet_account: Account | None = None
    in_flight: Account | None = None


def lock_for_checkout(state: CheckoutWallet) -> CheckoutWallet:
    """Load the programme's rules and lock the wallet's and the programme's in-flight ledger
    accounts (primary-key order), reading the wallet's balance under the lock. Once per
    checkout; must run inside its transaction. Three queries, more on a wallet's first use."""
    if state.rules is not None and state.balance is not None:
        return state
    wallet = state.wallet
    state.rules = ProgrammeRules.load(wallet.programme)
    wanted = Q(kind=AccountKind.BENEFICIARY_WALLET, owner_id=wallet.pk) | Q(
        kind=AccountKind.VOUCHER_IN_FLIGHT, owner_id=wallet.programme_id
    )
    locked = list(Account.objects.select_for_update().filter(wanted).order_by("pk"))
    if len(locked) < 2:  # the first spend of a wallet or a programme: open the accounts
        accounts.wallet_account(wallet)
        accounts.voucher_in_flight(wallet.programme)
        locked = list(Account.objects.select_for_update().filter(wanted).order_by("pk"))
    for account in locked:
        if account.kind == AccountKind.BENEFICIARY_WALLET:
            state.wallet_account, state.balance = account, account.balance
        else:
            state.in_flight = account
    return state


def eligible_for_draft(
    state: CheckoutWallet, draft: payments.FulfilmentDraft, *, allocated: int
) -> int:
    """What the voucher may pay of one fulfilment of a checkout: its allowed lines, never
    the delivery fee, at most the balance left after ``allocated`` (earlier fulfilments)."""
    lock_for_checkout(state)
    assert state.rules is not None  # noqa: S101 -- set just above
    assert state.balance is not None  # noqa: S101 -- set just above
    covered = eligible_lines(
        state.rules,
        seller_village_id=draft.village_id,
        lines=((line.category_id, line.line_total) for line in draft.lines),
    )
    state.covered[draft.seller_id] = covered
    return max(min(sum(line.amount for line in covered), state.balance - allocated), 0)


# --- Paying -----------------------------------------------------------------------------


def charge_payment(*, payment: Payment, state: CheckoutWallet | None, wallet_id: int) -> None:
    """Take ``payment.amount`` from the wallet for ``payment`` (written PAID by checkout).

    Posts SPEND wallet → in flight (``spend:payment:<id>``) and writes the charge with its
    categories. Runs inside the checkout's transaction; raises ``VoucherBalanceChanged`` if
    the balance is no longer enough, which rolls the whole checkout back.
    """
    if state is None or state.wallet.pk != wallet_id:
        wallet = Wallet.objects.select_related("beneficiary", "programme").get(pk=wallet_id)
        state = CheckoutWallet(wallet=wallet)
    wallet = state.wallet
    fulfilment = payment.fulfilment  # attached by checkout: no query
    covered = state.covered.get(fulfilment.seller_id)
    if covered is None:  # not seen by eligible_for_draft in this process: read the lines
        state.rules = state.rules or ProgrammeRules.load(wallet.programme)
        covered = eligible_lines(
            state.rules,
            seller_village_id=fulfilment.village_id,
            lines=OrderLine.objects.filter(fulfilment_id=fulfilment.pk)
            .order_by("pk")
            .values_list("category_id", "line_total"),
        )
    parts = split_by_category(covered, payment.amount)
    if sum(parts.values()) != payment.amount:
        raise TendersInvalid(_("The voucher cannot pay these goods."), code="voucher_not_eligible")
    key = f"spend:payment:{payment.pk}"
    order_number = fulfilment.order.number
    seller_name = fulfilment.seller.name
    try:
        ledger.move(
            key=key,
            kind=TransferKind.SPEND,
            source=state.wallet_account or accounts.wallet_account(wallet),
            destination=state.in_flight or accounts.voucher_in_flight(wallet.programme),
            amount=payment.amount,
            village_id=wallet.programme.village_id,
            memo=f"{order_number} · {seller_name}",
            details={
                "payment_id": payment.pk,
                "fulfilment_id": fulfilment.pk,
                "order_number": order_number,
                "seller_id": fulfilment.seller_id,
                "seller_name": seller_name,
            },
        )
    except InsufficientBalance as error:
        raise VoucherBalanceChanged() from error
    charge = VoucherCharge.objects.create(
        wallet=wallet,
        channel=ChargeChannel.ONLINE,
        payment=payment,
        seller_id=fulfilment.seller_id,
        seller_village_id=fulfilment.village_id,
        amount=payment.amount,
        transfer_key=key,
    )
    VoucherChargeLine.objects.bulk_create(
        [
            VoucherChargeLine(charge=charge, category_id=category_id, amount=amount)
            for category_id, amount in parts.items()
        ]
    )


# --- Giving it back ----------------------------------------------------------------------


def money_has_expired(
    charge: VoucherCharge, programme: Programme, today: datetime.date | None = None
) -> bool:
    """Whether what ``charge`` paid may no longer go back to the wallet: the programme has
    ended (closed, or past its last month), or, under the monthly rule, the month of the
    charge has passed (that month's unspent money went back to the programme)."""
    today = today or timezone.localdate()
    if programme.status == ProgrammeStatus.CLOSED or today >= programme_end(programme):
        return True
    if programme.expiry_rule == ExpiryRule.MONTHLY:
        charged = timezone.localdate(charge.created_at)
        return (charged.year, charged.month) != (today.year, today.month)
    return False


def reverse_voucher_payment(
    *, payment: Payment, actor: Any, today: datetime.date | None = None
) -> bool:
    """The fulfilment of ``payment`` was cancelled: give back exactly what the voucher paid.

    REFUND in flight → wallet, or — when the money has expired — in flight → the
    programme's fund (``RETURNED_TO_PROGRAMME``), with the one key ``refund:payment:<id>``;
    the payment becomes REVERSED. Idempotent: the charge is locked and a second call finds
    it no longer charged and returns False. Runs in the caller's transaction if any.
    """
    with transaction.atomic():
        charge = (
            VoucherCharge.objects.select_for_update(of=("self",))
            .select_related("wallet__programme")
            .filter(payment_id=payment.pk)
            .first()
        )
        if charge is None:  # nothing was taken (no charge written): only the status
            return _mark_reversed(payment, actor)
        if charge.status != ChargeStatus.CHARGED:  # given back before: nothing moves again
            _mark_reversed(payment, actor)
            return False
        wallet = charge.wallet
        programme = wallet.programme
        expired = money_has_expired(charge, programme, today)
        if expired:
            kind, destination, status = (
                TransferKind.EXPIRE,
                accounts.programme_fund(programme),
                ChargeStatus.RETURNED_TO_PROGRAMME,
            )
        else:
            kind, destination, status = (
                TransferKind.REFUND,
                accounts.wallet_account(wallet),
                ChargeStatus.REFUNDED,
            )
        ledger.move(
            key=f"refund:payment:{payment.pk}",
            kind=kind,
            source=accounts.voucher_in_flight(programme),
            destination=destination,
            amount=charge.amount,
            village_id=programme.village_id,
            memo=str(charge.transfer_key),
            details={
                "payment_id": payment.pk,
                "fulfilment_id": payment.fulfilment_id,
                "wallet_id": wallet.pk,
                "returned_to": "programme" if expired else "wallet",
            },
        )
        VoucherCharge.objects.filter(pk=charge.pk).update(status=status)
        charge.status = status
        _mark_reversed(payment, actor)
    return True


def _mark_reversed(payment: Payment, actor: Any) -> bool:
    return payments.move_payment(
        payment,
        from_statuses=(PaymentStatus.PAID,),
        to_status=PaymentStatus.REVERSED,
        actor=actor,
    )
