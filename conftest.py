"""Shared fixtures: seeded calendar, demo data, and a real browser (Debian's chromium via Playwright)."""

import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Transactional tests empty every table between tests; the audit triggers allow that only
    while a row sits in `auditlog_maintenance` (see auditlog migration 0002). Tests of the
    triggers remove the row inside their own transaction."""
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cur:
        cur.execute("DELETE FROM auditlog_maintenance")
        cur.execute("INSERT INTO auditlog_maintenance (id, reason) VALUES (1, 'test database flush')")


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """Each test starts with empty in-process caches: test databases roll back, so version
    counters (which only grow in production) can repeat between tests."""
    from yimen.catalog import search
    from yimen.workdays import services

    search._index = None
    services._cache.clear()
    yield


@pytest.fixture
def calendar(db):
    """The default work calendar seeded from chinesecalendar (2004-2026 verified)."""
    from yimen.workdays.services import default_calendar, get_calendar, seed_from_chinesecalendar

    seed_from_chinesecalendar()
    default_calendar()
    return get_calendar()


@pytest.fixture
def demo(db):
    from yimen.catalog.demo_loader import load_demo
    from yimen.workdays.services import seed_from_chinesecalendar

    seed_from_chinesecalendar()
    return load_demo()


@pytest.fixture(scope="session")
def _browser():
    if not (os.path.exists(CHROMIUM) and shutil.which("chromium")):
        if os.environ.get("YIMEN_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is required (YIMEN_REQUIRE_BROWSER=1) but missing")
        pytest.skip(f"NOTICE: browser tests skipped: {CHROMIUM} is not installed (apt-get install chromium fonts-noto-cjk)")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(_browser, live_server):
    context = _browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15000)
    pg.base_url = live_server.url
    yield pg
    context.close()


def pytest_report_header(config):
    if not os.path.exists(CHROMIUM):
        return f"NOTICE: {CHROMIUM} not found: browser tests will be skipped"
    return f"browser tests: {CHROMIUM}"


SCREENSHOTS = os.path.join(os.path.dirname(__file__), "var", "screenshots")


@pytest.fixture
def a11y():
    """Run axe-core (WCAG 2.0/2.1 A and AA, 2.2 AA) on the page; fail on serious or critical violations."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(pg, label: str):
        results = axe.run(pg, options={"runOnly": {"type": "tag", "values": [
            "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}, "resultTypes": ["violations"]})
        bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        summary = [f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes'][:3]]}" for v in bad]
        assert not bad, f"{label}: " + "; ".join(summary)

    return check


@pytest.fixture
def shot():
    """Save a screenshot under var/screenshots for people to look at."""
    os.makedirs(SCREENSHOTS, exist_ok=True)

    def take(pg, name: str, **kw):
        pg.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), **kw)

    return take
