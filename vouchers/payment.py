"""The BLT voucher as a payment method of checkout (``orders.payments``).

Its argument is the id of the buyer's wallet. ``orders.payments.allocate_tenders`` calls
``validate_argument`` and then ``eligible_amount`` for each fulfilment, in one thread and
one transaction: the wallet read by the first is kept for the others (a thread-local
state, replaced by each ``validate_argument``), so the programme's rules load and the
wallet locks once per checkout, not once per fulfilment or line. The work itself is in
``vouchers.services.spending``.
"""

from __future__ import annotations

import threading
from typing import Any

from orders.enums import PaymentMethod, PaymentStatus
from orders.models import Payment
from orders.payments import FulfilmentDraft, PaymentMethodHandler
from vouchers.services import spending


class _Checkout(threading.local):
    state: spending.CheckoutWallet | None = None
    buyer_id: int | None = None


class VoucherHandler(PaymentMethodHandler):
    """Pays the lines the programme allows, up to the balance; taken at once (PAID)."""

    method = PaymentMethod.VOUCHER
    initial_status = PaymentStatus.PAID

    def __init__(self) -> None:
        self._checkout = _Checkout()

    def validate_argument(self, argument: Any, *, buyer: Any) -> None:
        wallet_id = spending.parse_wallet_id(argument)
        wallet = spending.validate_wallet_for_buyer(wallet_id=wallet_id, buyer=buyer)
        self._checkout.state = spending.CheckoutWallet(wallet=wallet)
        self._checkout.buyer_id = buyer.pk

    def _state(self, argument: Any, buyer: Any) -> spending.CheckoutWallet:
        wallet_id = spending.parse_wallet_id(argument)
        state = self._checkout.state
        if state is None or state.wallet.pk != wallet_id or self._checkout.buyer_id != buyer.pk:
            self.validate_argument(wallet_id, buyer=buyer)
            state = self._checkout.state
            assert state is not None  # noqa: S101 -- set by validate_argument
        return state

    def eligible_amount(
        self, draft: FulfilmentDraft, *, buyer: Any, argument: Any, allocated: int
    ) -> int:
        return spending.eligible_for_draft(self._state(argument, buyer), draft, allocated=allocated)

    def open(self, payment: Payment, *, argument: Any = None) -> None:
        wallet_id = spending.parse_wallet_id(argument)
        state = self._checkout.state
        spending.charge_payment(
            payment=payment,
            state=state if state is not None and state.wallet.pk == wallet_id else None,
            wallet_id=wallet_id,
        )

    def reverse(self, payment: Payment, *, actor: Any = None) -> bool:
        return spending.reverse_voucher_payment(payment=payment, actor=actor)
