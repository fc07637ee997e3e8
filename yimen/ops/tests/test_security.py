import re

from django.conf import settings
from django.test import Client


def test_security_headers_and_no_foreign_hosts(client, demo):
    r = client.get("/")
    csp = r["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    # the one origin besides 'self': this host's live process (server-sent events), for connect-src only
    assert re.findall(r"https?://[^ ;]+", csp) == [f"http://testserver:{settings.LIVE_PORT}"]
    assert f"connect-src 'self' http://testserver:{settings.LIVE_PORT};" in csp
    assert r["X-Frame-Options"] == "DENY"
    assert r["X-Content-Type-Options"] == "nosniff"
    page = r.content.decode()
    assert not re.search(r'(src|href)="(https?:)?//', page), "pages load nothing from outside"


def test_csrf_is_enforced(demo):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/accounts/login/", {"username": "editor", "password": "x"}).status_code == 403
    assert strict.post("/accounts/elder-mode/", {}).status_code == 403


def test_staff_pages_are_not_cached(client, demo):
    from yimen.accounts.models import User

    client.force_login(User.objects.get(username="editor"))
    assert client.get("/staff/guides/")["Cache-Control"] == "no-store"


def test_admin_pages_render_and_event_records_are_read_only(admin_client, demo):
    for url in ["/admin/", "/admin/auditlog/logentry/", "/admin/queueing/ticket/", "/admin/queueing/queue/",
                "/admin/catalog/serviceitem/", "/admin/workdays/calendarday/", "/admin/catalog/guide/"]:
        assert admin_client.get(url).status_code == 200, url
    assert admin_client.get("/admin/auditlog/logentry/add/").status_code == 403
    assert admin_client.get("/admin/queueing/ticket/add/").status_code == 403
