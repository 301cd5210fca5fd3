"""A beneficiary's own view of their aid: wallets, balances and history, and what a voucher
would pay of a cart before checkout.

Only the beneficiary records linked to the signed-in person (``Beneficiary.user``) are ever
read here; a wallet id of someone else's is not found. The NIK is never read, only its
masked form.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.exceptions import NotFound
from ledger.enums import AccountKind, TransferKind
from ledger.models import Account, Entry, Transfer
from villages.models import Seller
from vouchers.models import Beneficiary, Wallet
from vouchers.rules import ProgrammeRules
from vouchers.services.spending import wallet_refusal


class WalletNotFound(NotFound):
    code = "wallet_not_found"

    def __init__(self) -> None:
        super().__init__(_("That voucher wallet was not found."))


@dataclass(frozen=True)
class WalletSummary:
    """One of the person's wallets: its programme, balance and whether it can pay now."""

    wallet: Wallet  # with its beneficiary and programme
    balance: int
    refusal: Promise | None  # why it cannot pay now; None if it can

    @property
    def spendable(self) -> bool:
        return self.refusal is None

    @property
    def usable(self) -> bool:
        """Worth offering at checkout: it can pay and holds money."""
        return self.refusal is None and self.balance > 0


def _user_id(user: Any) -> int | None:
    uid = getattr(user, "pk", None)
    return uid if isinstance(uid, int) and getattr(user, "is_authenticated", False) else None


def own_beneficiaries(user: Any) -> QuerySet[Beneficiary]:
    """The beneficiary records linked to ``user`` (usually one)."""
    uid = _user_id(user)
    if uid is None:
        return Beneficiary.objects.none()
    return Beneficiary.objects.filter(user_id=uid).defer("nik_encrypted", "kk_encrypted")


def _wallets(user: Any) -> QuerySet[Wallet]:
    uid = _user_id(user)
    if uid is None:
        return Wallet.objects.none()
    balance = Account.objects.filter(
        kind=AccountKind.BENEFICIARY_WALLET, owner_id=OuterRef("pk")
    ).values("balance")[:1]
    return (
        Wallet.objects.filter(beneficiary__user_id=uid)
        .select_related("programme", "beneficiary")
        .defer("beneficiary__nik_encrypted", "beneficiary__kk_encrypted")
        .annotate(ledger_balance=Coalesce(Subquery(balance), Value(0), output_field=IntegerField()))
        .order_by("-programme__first_month", "pk")
    )


def _summary(wallet: Wallet, today: datetime.date | None) -> WalletSummary:
    return WalletSummary(
        wallet=wallet,
        balance=int(getattr(wallet, "ledger_balance", 0)),
        refusal=wallet_refusal(wallet, today),
    )


def wallets_for_user(user: Any, today: datetime.date | None = None) -> list[WalletSummary]:
    """Every wallet of the beneficiaries linked to ``user``, newest programme first. One
    query."""
    return [_summary(wallet, today) for wallet in _wallets(user)]


def usable_wallets(user: Any) -> list[WalletSummary]:
    """The wallets checkout may offer: spendable now, with a positive balance."""
    return [summary for summary in wallets_for_user(user) if summary.usable]


def get_wallet_for_user(*, user: Any, wallet_id: int) -> WalletSummary:
    """One of ``user``'s own wallets; raises ``WalletNotFound`` for anyone else's."""
    wallet = _wallets(user).filter(pk=wallet_id).first()
    if wallet is None:
        raise WalletNotFound()
    return _summary(wallet, None)


# --- History ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryItem:
    """One move of a wallet's money, in the words the beneficiary reads."""

    transfer_id: int
    at: datetime.datetime
    kind: str  # TransferKind, or "returned" for money given back to the programme
    label: str
    wallet_id: int
    programme_name: str
    amount: int  # the change in the wallet's balance (0 when it went to the programme)
    moved: int  # what moved
    seller_name: str = ""
    order_number: str = ""


RETURNED = "returned"
_LABELS: dict[str, Promise] = {
    TransferKind.ISSUE: _("Aid received"),
    TransferKind.SPEND: _("Spent"),
    TransferKind.REFUND: _("Refunded to the voucher"),
    TransferKind.EXPIRE: _("Expired, returned to the programme"),
    TransferKind.REVERSAL: _("Correction"),
    RETURNED: _("Order cancelled after the money expired: returned to the programme"),
}


def history_transfers(wallet_ids: Sequence[int]) -> QuerySet[Transfer]:
    """The transfers that moved money of these wallets, newest first, each annotated with
    ``wallet_amount`` and ``wallet_owner`` (the wallet entry's amount and wallet id).

    Also a cancelled order's voucher money given back to the programme after it expired
    (in flight → fund): it never passes through the wallet (``wallet_amount`` is null),
    but the beneficiary should see where it went. One query; slice it to page.
    """
    ids = list(wallet_ids)
    entries = Entry.objects.filter(
        transfer_id=OuterRef("pk"),
        account__kind=AccountKind.BENEFICIARY_WALLET,
        account__owner_id__in=ids,
    )
    return (
        Transfer.objects.filter(
            Exists(entries)
            | Q(
                kind=TransferKind.EXPIRE,
                details__returned_to="programme",
                details__wallet_id__in=ids,
            )
        )
        .annotate(
            wallet_amount=Subquery(entries.values("amount")[:1]),
            wallet_owner=Subquery(entries.values("account__owner_id")[:1]),
        )
        .order_by("-created_at", "-pk")
    )


def history_items(
    transfers: Iterable[Transfer], *, wallets: dict[int, Wallet]
) -> list[HistoryItem]:
    """``transfers`` (from ``history_transfers``) as history lines; one query for the names
    of the sellers they name."""
    rows = list(transfers)
    seller_ids = {
        int(seller_id)
        for transfer in rows
        for seller_id in (transfer.details.get("seller_id"), transfer.details.get("seller"))
        if isinstance(seller_id, int)
    }
    names = (
        dict(Seller.objects.filter(pk__in=seller_ids).values_list("pk", "name"))
        if seller_ids
        else {}
    )
    items = []
    for transfer in rows:
        details = transfer.details or {}
        in_wallet = getattr(transfer, "wallet_amount", None)
        owner = getattr(transfer, "wallet_owner", None)
        wallet_id = int(owner if owner is not None else details.get("wallet_id", 0))
        kind = str(transfer.kind) if in_wallet is not None else RETURNED
        seller_id = details.get("seller_id", details.get("seller"))
        wallet = wallets.get(wallet_id)
        items.append(
            HistoryItem(
                transfer_id=transfer.pk,
                at=transfer.created_at,
                kind=kind,
                label=str(_LABELS.get(kind, transfer.get_kind_display())),
                wallet_id=wallet_id,
                programme_name=wallet.programme.name if wallet is not None else "",
                amount=int(in_wallet or 0),
                moved=int(transfer.amount),
                seller_name=str(
                    details.get("seller_name")
                    or (names.get(seller_id, "") if isinstance(seller_id, int) else "")
                ),
                order_number=str(details.get("order_number") or ""),
            )
        )
    return items


# --- What a voucher would pay of a cart ---------------------------------------------------


@dataclass(frozen=True)
class LineCover:
    """One cart line as the voucher sees it."""

    key: Any  # the caller's handle on the line
    line_total: int
    voucher: int  # what the voucher would pay of it
    refusal: Promise | None  # why it may not pay it at all; None if it may


@dataclass
class GroupCover:
    seller_id: int
    lines: list[LineCover] = field(default_factory=list)
    delivery_fee: int = 0
    voucher: int = 0

    @property
    def total(self) -> int:
        return sum(line.line_total for line in self.lines) + self.delivery_fee

    @property
    def rest(self) -> int:
        return self.total - self.voucher


@dataclass
class CheckoutCover:
    """What ``wallet`` would pay of a cart, seller by seller, and what is left for the other
    method: computed as checkout will (sellers in id order, lines in order, up to the
    balance, never a delivery fee)."""

    summary: WalletSummary
    groups: dict[int, GroupCover]

    @property
    def voucher(self) -> int:
        return sum(group.voucher for group in self.groups.values())

    @property
    def rest(self) -> int:
        return sum(group.rest for group in self.groups.values())

    def line(self, seller_id: int, key: Any) -> LineCover | None:
        group = self.groups.get(seller_id)
        return next((line for line in group.lines if line.key == key), None) if group else None


@dataclass(frozen=True)
class CartGroupInput:
    """A seller's part of a cart: (key, category id, line total) per line, and the fee."""

    seller_id: int
    village_id: int
    lines: Sequence[tuple[Any, int, int]]
    delivery_fee: int


def checkout_cover(
    summary: WalletSummary, groups: Sequence[CartGroupInput], rules: ProgrammeRules | None = None
) -> CheckoutCover:
    """What the voucher of ``summary`` would pay of ``groups``. Two queries (the rules)."""
    rules = rules or ProgrammeRules.load(summary.wallet.programme)
    left = summary.balance if summary.spendable else 0
    cover = CheckoutCover(summary=summary, groups={})
    for group in sorted(groups, key=lambda g: g.seller_id):
        part = GroupCover(seller_id=group.seller_id, delivery_fee=group.delivery_fee)
        for key, category_id, line_total in group.lines:
            refusal = summary.refusal or rules.refusal(
                category_id=category_id, seller_village_id=group.village_id
            )
            paid = 0 if refusal is not None else min(line_total, left)
            left -= paid
            part.voucher += paid
            part.lines.append(
                LineCover(key=key, line_total=line_total, voucher=paid, refusal=refusal)
            )
        cover.groups[group.seller_id] = part
    return cover


class BeneficiaryNotLinked(NotFound):
    code = "beneficiary_not_found"

    def __init__(self) -> None:
        super().__init__(_("That voucher card is not yours."))


def get_own_beneficiary(*, user: Any, beneficiary_id: int) -> Beneficiary:
    """One of the beneficiary records linked to ``user``; anyone else's is not found."""
    beneficiary = own_beneficiaries(user).filter(pk=beneficiary_id).first()
    if beneficiary is None:
        raise BeneficiaryNotLinked()
    return beneficiary
