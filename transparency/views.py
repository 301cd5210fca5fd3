"""The public transparency pages: aid, where it was spent, profit shared, settlement.

Anyone may read them, signed in or not. They show sums by market, village, month, BUMDes
and settlement batch (``transparency.selectors``), never a beneficiary. The figures are
kept in the cache for ``TRANSPARENCY_CACHE_SECONDS`` (default 60; 0 turns it off), so a
busy page does not add up the ledger on every visit (``transparency.cache``).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.exceptions import NotFound
from core.views import PublicViewMixin
from transparency import cache, selectors
from transparency.selectors import AidFigures, Transparency
from villages.models import Market, Village
from vouchers.selectors.reports import Share
from vouchers.views.reports import Bar, bars


def aid_chart(aid: AidFigures) -> list[Bar]:
    """Where the issued aid is now: spent, expired, returned, still in the wallets."""
    shares = [
        Share(key="spent", label=_("Spent"), amount=aid.spent),
        Share(key="expired", label=_("Expired back to the programme"), amount=aid.expired),
        Share(key="outstanding", label=_("Still in the wallets"), amount=aid.outstanding),
    ]
    if aid.returned_to_programme:
        shares.insert(
            2,
            Share(
                key="returned",
                label=_("Cancelled payments returned to the programme"),
                amount=aid.returned_to_programme,
            ),
        )
    return bars(shares, total=aid.issued)


def where_chart(aid: AidFigures) -> list[Bar]:
    """Spent in the beneficiaries' own village, in other villages of the market, elsewhere."""
    shares = [
        Share(
            key="village", label=_("In the beneficiaries' own village"), amount=aid.spent_in_village
        ),
        Share(key="market", label=_("Other villages of the market"), amount=aid.spent_in_market),
    ]
    if aid.spent_outside:
        shares.append(Share(key="outside", label=_("Elsewhere"), amount=aid.spent_outside))
    return bars(shares)


def profit_chart(data: Transparency) -> list[Bar]:
    """Commissions of the BUMDes: costs, the community's share, what they kept."""
    costs = sum(b.costs for b in data.bumdes)
    community = sum(b.community_share for b in data.bumdes)
    retained = sum(b.retained for b in data.bumdes)
    commissions = sum(b.commissions for b in data.bumdes)
    shares = [
        Share(key="costs", label=_("Costs"), amount=max(costs, 0)),
        Share(key="community", label=_("Shared with the community"), amount=max(community, 0)),
        Share(key="retained", label=_("Kept by the BUMDes"), amount=max(retained, 0)),
    ]
    return bars(shares, total=commissions)


class TransparencyPageMixin(PublicViewMixin):
    def figures_context(self, data: Transparency) -> dict[str, Any]:
        return {
            "data": data,
            "aid": data.aid,
            "aid_chart": aid_chart(data.aid),
            "where_chart": where_chart(data.aid),
            "profit_chart": profit_chart(data),
            "spent_at_chart": bars(
                [Share(key=row.slug, label=row.name, amount=row.amount) for row in data.spent_at]
            ),
            "commissions": sum(b.commissions for b in data.bumdes),
            "profit": sum(b.profit for b in data.bumdes),
            "community_share": sum(b.community_share for b in data.bumdes),
        }


class TransparencyHomeView(TransparencyPageMixin, TemplateView):
    """Every market with its aid issued, spent and kept in the villages."""

    template_name = "transparency/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        overview = cache.markets_overview()
        return super().get_context_data(
            markets=overview.markets,
            total=overview.total,
            spent_chart=bars(
                [Share(key=m.slug, label=m.name, amount=m.aid.spent) for m in overview.markets]
            ),
            **kwargs,
        )


class MarketTransparencyView(TransparencyPageMixin, TemplateView):
    """A market: its villages' aid, where it was spent, its BUMDes, its settlement."""

    template_name = "transparency/market.html"

    def get_market(self) -> Market:
        try:
            return selectors.get_transparency_market(slug=self.kwargs["market_slug"])
        except NotFound as error:
            raise Http404(str(error.message)) from error

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        market = self.get_market()
        data = cache.market_figures(market)
        return super().get_context_data(
            market=market,
            village_chart=bars(
                [Share(key=row.slug, label=row.name, amount=row.aid.spent) for row in data.villages]
            ),
            **self.figures_context(data),
            **kwargs,
        )


class VillageTransparencyView(TransparencyPageMixin, TemplateView):
    """A village: its programmes' aid, where it was spent, its BUMDes, its settlement."""

    template_name = "transparency/village.html"

    def get_village(self) -> Village:
        try:
            return selectors.get_transparency_village(slug=self.kwargs["village_slug"])
        except NotFound as error:
            raise Http404(str(error.message)) from error

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        village = self.get_village()
        data, markets = cache.village_figures(village)
        return super().get_context_data(
            village=village,
            markets=markets,
            **self.figures_context(data),
            **kwargs,
        )
