"""The transparency figures, kept briefly in the cache: adding up the ledger for every visit
of a public page is wasted work. ``TRANSPARENCY_CACHE_SECONDS`` (default 60) bounds how old
a figure may be; 0 turns the cache off (tests read fresh figures).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache

from transparency import selectors
from villages.models import Market, Village

DEFAULT_CACHE_SECONDS = 60

T = TypeVar("T")


def cache_seconds() -> int:
    return int(getattr(settings, "TRANSPARENCY_CACHE_SECONDS", DEFAULT_CACHE_SECONDS))


def cached(key: str, compute: Callable[[], T]) -> T:
    """``compute()``, kept in the cache under ``key`` for ``cache_seconds()``."""
    seconds = cache_seconds()
    if not seconds:
        return compute()
    key = f"transparency:v1:{key}"
    found: T | None = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, seconds)
    return found


def markets_overview() -> selectors.MarketsOverview:
    return cached("markets", selectors.market_summaries)


def market_figures(market: Market) -> selectors.Transparency:
    return cached(f"market:{market.pk}", lambda: selectors.market_transparency(market=market))


def village_figures(village: Village) -> tuple[selectors.Transparency, list[Market]]:
    return cached(
        f"village:{village.pk}",
        lambda: (
            selectors.village_transparency(village=village),
            selectors.markets_of_village(village=village),
        ),
    )
