"""What the transparency figures must be, summed straight from the ledger and its rows, by
another road than the selectors take (the fund's side of issuance, account balances, the
charges), so that a page agreeing with these agrees with the books."""

from django.db.models import F, Q, Sum

from ledger.enums import AccountKind, TransferKind
from ledger.models import Account, Entry
from settlement.models import Payout, PayoutStatus, ProfitShare, SettlementBatch, VillageTransfer
from vouchers.enums import ChargeStatus
from vouchers.models import Programme, VoucherCharge, Wallet


def _sum(queryset, field="amount"):
    return queryset.aggregate(total=Sum(field))["total"] or 0


def aid(village_ids):
    programmes = Programme.objects.filter(village_id__in=village_ids).values("pk")
    wallets = Wallet.objects.filter(programme__village_id__in=village_ids).values("pk")
    fund = Entry.objects.filter(
        account__kind=AccountKind.PROGRAMME_FUND, account__owner_id__in=programmes
    )
    wallet_entries = Entry.objects.filter(
        account__kind=AccountKind.BENEFICIARY_WALLET, account__owner_id__in=wallets
    )
    in_flight = Entry.objects.filter(
        account__kind=AccountKind.VOUCHER_IN_FLIGHT, account__owner_id__in=programmes
    )
    charged = VoucherCharge.objects.filter(
        wallet__programme__village_id__in=village_ids, status=ChargeStatus.CHARGED
    )
    spend = _sum(in_flight.filter(transfer__kind=TransferKind.SPEND))
    refund = _sum(wallet_entries.filter(transfer__kind=TransferKind.REFUND))
    in_village = _sum(charged.filter(seller_village_id=F("wallet__programme__village_id")))
    return {
        "issued": -_sum(fund.filter(transfer__kind=TransferKind.ISSUE)),
        "spent": spend - refund,
        "charged": _sum(charged),
        "expired": -_sum(wallet_entries.filter(transfer__kind=TransferKind.EXPIRE)),
        "outstanding": _sum(
            Account.objects.filter(kind=AccountKind.BENEFICIARY_WALLET, owner_id__in=wallets),
            "balance",
        ),
        "spent_in_village": in_village,
        "spent_elsewhere": _sum(charged) - in_village,
        "community_fund": _sum(
            Account.objects.filter(kind=AccountKind.COMMUNITY_FUND, owner_id__in=village_ids),
            "balance",
        ),
    }


def bumdes(bumdes_id):
    commission = Entry.objects.filter(
        account__kind=AccountKind.BUMDES_COMMISSION, account__owner_id=bumdes_id
    )
    earned = _sum(
        commission.filter(transfer__kind__in=[TransferKind.SETTLE, TransferKind.COMMISSION])
    )
    costs = _sum(
        Account.objects.filter(kind=AccountKind.BUMDES_COSTS, owner_id=bumdes_id), "balance"
    )
    shared = -_sum(commission.filter(transfer__kind=TransferKind.PROFIT_SHARE))
    balance = Account.objects.get(kind=AccountKind.BUMDES_COMMISSION, owner_id=bumdes_id).balance
    shares = ProfitShare.objects.filter(bumdes_id=bumdes_id)
    return {
        "commissions": earned,
        "costs": costs,
        "profit": earned - costs,
        "community_share": shared,
        "retained": balance,
        "closed_profit": _sum(shares, "profit"),
        "closed_community_share": _sum(shares, "community_share"),
    }


def batches(market, village_ids):
    rows = SettlementBatch.objects.filter(market=market)
    payouts = Payout.objects.filter(batch__in=rows, village_id__in=village_ids)
    moves = VillageTransfer.objects.filter(batch__in=rows).filter(
        Q(from_village_id__in=village_ids) | Q(to_village_id__in=village_ids)
    )
    return {
        "count": rows.count(),
        "paid": _sum(payouts.filter(status=PayoutStatus.PAID)),
        "pending": _sum(payouts.filter(status=PayoutStatus.PENDING)),
        "owing": _sum(payouts.filter(status=PayoutStatus.OWING)),
        "between_villages": _sum(moves),
    }


def spent_at(village_ids):
    """Charges that stand of the villages' programmes, by the seller's village slug."""
    rows = (
        VoucherCharge.objects.filter(
            wallet__programme__village_id__in=village_ids, status=ChargeStatus.CHARGED
        )
        .values_list("seller_village__slug")
        .annotate(total=Sum("amount"))
    )
    return dict(rows)
