"""The only way money moves: post a transfer, or many (docs/adr/0006-ledger.md)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from ledger.enums import NON_NEGATIVE_KINDS, AccountKind, TransferKind
from ledger.exceptions import InsufficientBalance, TransferUnbalanced
from ledger.models import Account, Entry, Transfer


@dataclass(frozen=True)
class TransferDraft:
    """A transfer to post: ``legs`` are (account id, signed amount) adding up to zero."""

    key: str
    kind: str
    legs: tuple[tuple[int, int], ...]
    village_id: int | None = None
    memo: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    reverses_id: int | None = None

    @property
    def amount(self) -> int:
        return sum(amount for _account, amount in self.legs if amount > 0)


def account(kind: str, owner_id: int = 0, *, village_id: int | None = None) -> Account:
    """The account of ``kind`` owned by ``owner_id``, opened on first use."""
    found = Account.objects.filter(kind=kind, owner_id=owner_id).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Account.objects.create(
                kind=kind,
                owner_id=owner_id,
                village_id=village_id,
                may_go_negative=kind not in NON_NEGATIVE_KINDS,
            )
    except IntegrityError:  # opened by a concurrent caller meanwhile
        return Account.objects.get(kind=kind, owner_id=owner_id)


def open_accounts(kind: str, owners: Iterable[tuple[int, int | None]]) -> dict[int, Account]:
    """Accounts of ``kind`` for many (owner id, village id) pairs at once, by owner id."""
    wanted = dict(owners)
    found = {a.owner_id: a for a in Account.objects.filter(kind=kind, owner_id__in=wanted)}
    missing = [owner for owner in wanted if owner not in found]
    if missing:
        Account.objects.bulk_create(
            [
                Account(
                    kind=kind,
                    owner_id=owner,
                    village_id=wanted[owner],
                    may_go_negative=kind not in NON_NEGATIVE_KINDS,
                )
                for owner in missing
            ],
            ignore_conflicts=True,
        )
        found = {a.owner_id: a for a in Account.objects.filter(kind=kind, owner_id__in=wanted)}
    return found


def _check_balanced(draft: TransferDraft) -> None:
    accounts = [account_id for account_id, _amount in draft.legs]
    if (
        len(draft.legs) < 2
        or sum(amount for _account, amount in draft.legs) != 0
        or any(amount == 0 for _account, amount in draft.legs)
        or len(set(accounts)) != len(accounts)
    ):
        raise TransferUnbalanced(f"Transfer {draft.key} does not balance: {draft.legs}")


def _apply_balances(deltas: dict[int, int]) -> None:
    """Add ``deltas`` to the cached balances, in account order so writers never deadlock."""
    try:
        with transaction.atomic():
            for account_id in sorted(deltas):
                if deltas[account_id]:
                    Account.objects.filter(pk=account_id).update(
                        balance=F("balance") + deltas[account_id]
                    )
    except IntegrityError as error:  # ledger_account_not_negative
        raise InsufficientBalance() from error


def post(draft: TransferDraft) -> tuple[Transfer, bool]:
    """Post ``draft`` once: returns (transfer, True), or (the earlier one, False) if a
    transfer with its key exists. Raises ``InsufficientBalance`` — and writes nothing — if
    an account that may not go negative would.

    Concurrent posts of one key: the second waits for the first to commit, then finds it.
    Nests in the caller's transaction; the entries and balances commit with it.
    """
    _check_balanced(draft)
    with transaction.atomic():
        try:
            with transaction.atomic():
                transfer = Transfer.objects.create(
                    key=draft.key,
                    kind=draft.kind,
                    amount=draft.amount,
                    village_id=draft.village_id,
                    memo=draft.memo[:200],
                    details=draft.details,
                    reverses_id=draft.reverses_id,
                )
        except IntegrityError:
            return Transfer.objects.get(key=draft.key), False
        Entry.objects.bulk_create(
            [
                Entry(transfer=transfer, account_id=account_id, amount=amount)
                for account_id, amount in draft.legs
            ]
        )
        _apply_balances(dict(draft.legs))
    return transfer, True


def post_many(drafts: Sequence[TransferDraft]) -> int:
    """Post many transfers in few statements; returns how many were new.

    Drafts whose key was posted before are skipped. For batch jobs that are the only
    writer of their keys while they run (they hold a lock on their batch): a concurrent
    post of the same key makes this raise ``IntegrityError`` rather than post it twice.
    Raises ``InsufficientBalance`` and writes nothing if any balance would go negative.
    """
    for draft in drafts:
        _check_balanced(draft)
    keys = [draft.key for draft in drafts]
    if len(set(keys)) != len(keys):
        raise TransferUnbalanced("A batch names the same transfer key twice.")
    if connection.vendor == "postgresql":
        return _post_many_postgres(drafts, keys)
    posted = set(Transfer.objects.filter(key__in=keys).values_list("key", flat=True))
    fresh = [draft for draft in drafts if draft.key not in posted]
    if not fresh:
        return 0
    with transaction.atomic():
        transfers = Transfer.objects.bulk_create(
            [
                Transfer(
                    key=draft.key,
                    kind=draft.kind,
                    amount=draft.amount,
                    village_id=draft.village_id,
                    memo=draft.memo[:200],
                    details=draft.details,
                    reverses_id=draft.reverses_id,
                )
                for draft in fresh
            ]
        )
        deltas: dict[int, int] = defaultdict(int)
        entries = []
        for transfer, draft in zip(transfers, fresh, strict=True):
            for account_id, amount in draft.legs:
                entries.append(Entry(transfer_id=transfer.pk, account_id=account_id, amount=amount))
                deltas[account_id] += amount
        Entry.objects.bulk_create(entries, batch_size=5000)
        _apply_balances(deltas)
    return len(fresh)


def _post_many_postgres(drafts: Sequence[TransferDraft], keys: list[str]) -> int:
    """``post_many`` in a handful of statements, without building model instances: settling
    thousands of sales a second spends its time here (bench/settlement.py)."""
    from psycopg2 import IntegrityError as DriverIntegrityError
    from psycopg2.extras import Json, execute_values

    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor  # the driver's cursor, for execute_values
        cursor.execute("SELECT key FROM ledger_transfer WHERE key = ANY(%s)", [keys])
        posted = {row[0] for row in cursor.fetchall()}
        fresh = [draft for draft in drafts if draft.key not in posted]
        if not fresh:
            return 0
        now = timezone.now()
        rows = execute_values(
            raw,
            "INSERT INTO ledger_transfer "
            "(key, kind, amount, village_id, memo, details, reverses_id, created_at) "
            "VALUES %s RETURNING key, id",
            [
                (
                    d.key,
                    d.kind,
                    d.amount,
                    d.village_id,
                    d.memo[:200],
                    Json(d.details),
                    d.reverses_id,
                    now,
                )
                for d in fresh
            ],
            page_size=len(fresh),
            fetch=True,
        )
        ids = dict(rows)
        deltas: dict[int, int] = defaultdict(int)
        entries = []
        for draft in fresh:
            transfer_id = ids[draft.key]
            for account_id, amount in draft.legs:
                entries.append((transfer_id, account_id, amount))
                deltas[account_id] += amount
        # One statement for all entries, so no transfer's legs are split across statements.
        execute_values(
            raw,
            "INSERT INTO ledger_entry (transfer_id, account_id, amount) VALUES %s",
            entries,
            page_size=len(entries),
        )
        changed = sorted(account for account, delta in deltas.items() if delta)
        try:
            with transaction.atomic():
                # Lock in account order first, so concurrent batches never deadlock.
                cursor.execute(
                    "SELECT id FROM ledger_account WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
                    [changed],
                )
                execute_values(
                    raw,
                    "UPDATE ledger_account AS a SET balance = a.balance + d.delta "
                    "FROM (VALUES %s) AS d(id, delta) WHERE a.id = d.id",
                    [(account, deltas[account]) for account in changed],
                    page_size=max(len(changed), 1),
                )
        except (IntegrityError, DriverIntegrityError) as error:  # ledger_account_not_negative
            raise InsufficientBalance() from error
    return len(fresh)


def reverse(transfer: Transfer, *, key: str, memo: str = "") -> tuple[Transfer, bool]:
    """Undo ``transfer`` with a transfer of the opposite legs (at most once)."""
    legs = tuple(
        (account_id, -amount)
        for account_id, amount in transfer.entries.order_by("pk").values_list(
            "account_id", "amount"
        )
    )
    return post(
        TransferDraft(
            key=key,
            kind=TransferKind.REVERSAL,
            legs=legs,
            village_id=transfer.village_id,
            memo=memo or f"reverses {transfer.key}",
            details={"reverses": transfer.key},
            reverses_id=transfer.pk,
        )
    )


def move(
    *,
    key: str,
    kind: str,
    source: Account,
    destination: Account,
    amount: int,
    village_id: int | None = None,
    memo: str = "",
    details: dict[str, Any] | None = None,
) -> tuple[Transfer, bool]:
    """Post the common two-leg transfer: ``amount`` from ``source`` to ``destination``."""
    return post(
        TransferDraft(
            key=key,
            kind=kind,
            legs=((source.pk, -amount), (destination.pk, amount)),
            village_id=village_id,
            memo=memo,
            details=details or {},
        )
    )


__all__ = [
    "AccountKind",
    "TransferDraft",
    "account",
    "move",
    "open_accounts",
    "post",
    "post_many",
    "reverse",
]
