"""Debian's Chromium, driven through Playwright's sync API, against pytest-django's live server.

Only the system browser is used (``/usr/bin/chromium``); none is ever downloaded. Without
it these tests skip, except under ``CI=true``, where a missing browser is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 15_000


def _running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so ``page`` can tell whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def chromium() -> Path:
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    reason = f"needs Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
    if _running_in_ci():
        pytest.fail(f"{reason}; CI=true, so browser tests may not skip")
    pytest.skip(reason)


@pytest.fixture
def page(chromium, live_server, monkeypatch, request, tmp_path) -> Iterator:
    """A fresh browser page; on failure a screenshot is saved under the test's tmp_path."""
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # in between are still synchronous, so Django's async-safety check is lifted here.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(base_url=live_server.url, locale="id-ID")
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            yield page
            report = getattr(request.node, "report_call", None)
            if report is not None and report.failed:
                screenshot = tmp_path / "failure.png"
                page.screenshot(path=str(screenshot), full_page=True)
                print(f"screenshot of the failed page: {screenshot}")
        finally:
            browser.close()
            # While Playwright's loop runs, Django keeps this thread's database connections
            # apart from the usual ones; close them here or they outlive the test database.
            connections.close_all()
