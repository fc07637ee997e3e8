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
    from yimen.queueing import estimate
    from yimen.workdays import services

    search._index = None
    services._cache.clear()
    estimate.clear_cache()  # history and forecasts are keyed by center id, which repeats too
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


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url_of(settings_dict) -> str:
    """A DATABASE_URL naming the (test) database this process uses, for servers started by tests."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or "postgres"
    return f"postgres://{user}@{settings_dict.get('HOST') or '127.0.0.1'}:{settings_dict.get('PORT') or 5432}/{settings_dict['NAME']}"


def stop_processes(procs) -> None:
    """Terminate servers started by a test; kill what has not ended after 5 s."""
    import subprocess

    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()


def wait_for_http(url: str, timeout: float = 15.0) -> None:
    import time
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status < 500:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture
def live_process(transactional_db, settings):
    """A real live process (yimen.live.asgi under granian) on a free port, on the test database;
    this test process publishes to it (UDP on SQLite, pg_notify on PostgreSQL)."""
    import subprocess
    from types import SimpleNamespace

    from django.db import connection

    from yimen.ops.server import live_command, live_env

    port = _free_port()
    env = {**live_env(port), "DATABASE_URL": database_url_of(connection.settings_dict)}
    proc = subprocess.Popen(live_command(port=port), env=env)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/live/health")
        if connection.vendor == "postgresql":
            _wait_listening(f"http://127.0.0.1:{port}/live/health")
        settings.LIVE_PORT = port
        settings.LIVE_BUS_ADDRS = [f"127.0.0.1:{port}"]
        yield SimpleNamespace(port=port, url=f"http://127.0.0.1:{port}", process=proc)
    finally:
        stop_processes([proc])


def _wait_listening(health_url: str, timeout: float = 10.0) -> None:
    import json
    import time
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with urllib.request.urlopen(health_url, timeout=1) as r:
            if json.load(r)["bus"].get("postgres") == "listening":
                return
        time.sleep(0.05)
    raise TimeoutError("live process is not listening on PostgreSQL")


class SSEStream:
    """A minimal server-sent-events client for tests: connect, then read JSON events."""

    def __init__(self, url: str, timeout: float = 5.0):
        import http.client
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        self.conn.request("GET", f"{parts.path}?{parts.query}", headers={"Accept": "text/event-stream"})
        self.response = self.conn.getresponse()
        self.status = self.response.status
        if self.status == 200:
            self._until_blank()  # the preamble (retry + comment) means the subscription is live

    def _until_blank(self) -> list[str]:
        lines = []
        while True:
            line = self.response.readline().decode().rstrip("\r\n")
            if line == "":
                return lines
            lines.append(line)

    def next_event(self) -> dict:
        import json

        while True:
            data = [ln[5:].strip() for ln in self._until_blank() if ln.startswith("data:")]
            if data:
                return json.loads("\n".join(data))

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def sse():
    streams = []

    def open_stream(url: str, timeout: float = 5.0) -> SSEStream:
        stream = SSEStream(url, timeout)
        streams.append(stream)
        return stream

    yield open_stream
    for stream in streams:
        stream.close()


@pytest.fixture
def yimen_servers(transactional_db):
    """Start whole Yimen servers (granian WSGI + the live process) on the test database, as
    `manage.py serve` runs them: `start()` returns SimpleNamespace(url, live_url)."""
    import subprocess
    from types import SimpleNamespace

    from django.db import connection

    from yimen.ops.server import granian_command, live_command, live_env

    procs = []

    def start():
        web, live = _free_port(), _free_port()
        env = {**live_env(live), "DATABASE_URL": database_url_of(connection.settings_dict), "DEBUG": "false",
               "ALLOWED_HOSTS": "*", "LIVE_BUS_ADDRS": f"127.0.0.1:{live}"}
        procs.append(subprocess.Popen(granian_command(port=web, workers=1, threads=2), env=env))
        procs.append(subprocess.Popen(live_command(port=live), env=env))
        wait_for_http(f"http://127.0.0.1:{web}/api/v1/ping")
        wait_for_http(f"http://127.0.0.1:{live}/live/health")
        if connection.vendor == "postgresql":
            _wait_listening(f"http://127.0.0.1:{live}/live/health")
        return SimpleNamespace(url=f"http://127.0.0.1:{web}", live_url=f"http://127.0.0.1:{live}")

    yield start
    stop_processes(procs)


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on a free local port, with Django's SMTP backend pointed at it:
    the fixture is the list of received `email.message.Message`s."""
    from email import message_from_bytes

    from aiosmtpd.controller import Controller

    received = []

    class Collect:
        async def handle_DATA(self, server, session, envelope):
            message = message_from_bytes(envelope.content)
            message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
            received.append(message)
            return "250 OK"

    controller = Controller(Collect(), hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", controller.port, False
    yield received
    controller.stop()


@pytest.fixture
def sms_outbox(settings, tmp_path):
    """SMS written to a file (yimen.lib.sms.FileBackend): the fixture reads the messages sent so far,
    as dicts {at, to (masked), text}."""
    import json

    settings.SMS_BACKEND = "yimen.lib.sms.FileBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "outbox.jsonl")

    def read():
        path = tmp_path / "outbox.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    return read
