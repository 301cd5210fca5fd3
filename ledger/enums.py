from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    """What an account holds. ``owner_id`` names its owner, whose model the kind says."""

    # Owner: vouchers.Programme. The village's aid budget; it goes negative by what the
    # programme has issued and not taken back, so the books balance without an outside party.
    PROGRAMME_FUND = "programme_fund", _("Programme fund")
    # Owner: vouchers.Wallet. A beneficiary's voucher balance in one programme.
    BENEFICIARY_WALLET = "beneficiary_wallet", _("Beneficiary wallet")
    # Owner: vouchers.Programme. Voucher money paid for fulfilments not completed yet.
    VOUCHER_IN_FLIGHT = "voucher_in_flight", _("Voucher payments not yet completed")
    # Owner: villages.Seller. What the market owes the seller (negative: the seller owes).
    SELLER_PAYABLE = "seller_payable", _("Seller payable")
    # Owner: villages.Village. What a village's programmes owe to, or are owed by, others.
    VILLAGE_CLEARING = "village_clearing", _("Village clearing")
    # Owner: villages.Bumdes.
    BUMDES_COMMISSION = "bumdes_commission", _("BUMDes commission revenue")
    BUMDES_COSTS = "bumdes_costs", _("BUMDes costs")
    COMMUNITY_FUND = "community_fund", _("Community fund")
    # Owner: none (0). Money of buyers collected but not yet paid out, and paid out to banks.
    PAYMENTS_IN_TRANSIT = "payments_in_transit", _("Payments in transit")
    BANK = "bank", _("Bank")


# Accounts whose balance may never go below zero: the database refuses it.
NON_NEGATIVE_KINDS = frozenset(
    {AccountKind.BENEFICIARY_WALLET, AccountKind.VOUCHER_IN_FLIGHT, AccountKind.COMMUNITY_FUND}
)


class TransferKind(models.TextChoices):
    ISSUE = "issue", _("Voucher issued")
    SPEND = "spend", _("Voucher spent")
    REFUND = "refund", _("Voucher refunded")
    EXPIRE = "expire", _("Voucher expired")
    SETTLE = "settle", _("Settled")
    COMMISSION = "commission", _("Commission")
    CLEARING = "clearing", _("Clearing between villages")
    PAYOUT = "payout", _("Payout")
    COST = "cost", _("Cost")
    PROFIT_SHARE = "profit_share", _("Profit sharing")
    REVERSAL = "reversal", _("Reversal")
