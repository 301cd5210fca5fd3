"""Shared fixtures. Services are real: PostgreSQL and Redis when the environment names them.

Without DATABASE_URL the suite runs on SQLite; tests marked ``postgres`` or ``redis`` then
skip. When DATABASE_URL or REDIS_URL is set, an unreachable service is a failure.
"""

import os

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from accounts.messaging import MemorySender
from tests.factories import MarketFactory, VillageFactory, member
from villages.enums import Role

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def pytest_collection_modifyitems(config, items):
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://...")
    skip_redis = pytest.mark.skip(reason="needs Redis: set REDIS_URL=redis://...")
    for item in items:
        if "postgres" in item.keywords and not ON_POSTGRES:
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not os.environ.get("REDIS_URL"):
            item.add_marker(skip_redis)


@pytest.fixture(autouse=True)
def _fresh_cache_and_outbox():
    """Rate limits live in the cache; each test starts with none used and no messages sent."""
    cache.clear()
    MemorySender.outbox.clear()
    yield
    MemorySender.outbox.clear()


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A request made in English leaves English active in this thread; the next test
    starts in the default language, as a fresh process would."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def text_outbox():
    """Text messages (SMS/WhatsApp) sent during the test, as (phone, text) pairs."""
    return MemorySender.outbox


@pytest.fixture
def two_villages(db):
    """Two villages of one market, each with a person of every role.

    Returns a dict: ``home`` and ``other`` villages, and ``people[village_key][role]``.
    """
    home = VillageFactory(name="Panggungharjo", slug="panggungharjo", code="34.02.15.2001")
    other = VillageFactory(name="Sriharjo", slug="sriharjo", code="34.02.10.2002")
    market = MarketFactory(name="Pasar Desa Bantul", slug="bantul", villages=[home, other])
    people = {
        key: {role: member(village, role) for role in Role.values}
        for key, village in (("home", home), ("other", other))
    }
    return {"home": home, "other": other, "market": market, "people": people}
