import pytest

from tests.transparency.history import History


@pytest.fixture(autouse=True)
def _fresh_figures(settings):
    """Every request reads the ledger: the figures are not cached in these tests."""
    settings.TRANSPARENCY_CACHE_SECONDS = 0


@pytest.fixture
def history(two_villages, monkeypatch):
    """One round of aid, sales, settlement and profit sharing in the two villages."""
    return History(two_villages, monkeypatch).round()
