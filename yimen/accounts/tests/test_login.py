import pytest

from yimen.accounts.constants import Role
from yimen.accounts.models import User
from yimen.auditlog.models import LogEntry


@pytest.fixture
def staff(db):
    user = User.objects.create(username="wang", role=Role.WINDOW_STAFF, full_name="王芳")
    user.set_password("a-long-demo-password")
    user.save()
    return user


def test_login_page_is_chinese_by_default(client, db):
    page = client.get("/accounts/login/").content.decode()
    assert "工作人员登录" in page
    assert 'lang="zh-CN"' in page


def test_login_logout_and_failures_are_audited(client, staff):
    assert client.post("/accounts/login/", {"username": "wang", "password": "wrong"}).status_code == 200
    r = client.post("/accounts/login/", {"username": "wang", "password": "a-long-demo-password"})
    assert r.status_code == 302
    assert client.get("/accounts/").status_code == 200
    client.post("/accounts/logout/")
    actions = list(LogEntry.objects.for_object(staff).values_list("action", flat=True))
    assert actions == ["accounts.login_failed", "accounts.login", "accounts.logout"]
    assert all("password" not in str(e.data) for e in LogEntry.objects.all())


def test_staff_home_requires_login(client, db):
    r = client.get("/accounts/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_idle_session_ends(client, staff, settings):
    import time_machine

    client.force_login(staff)
    with time_machine.travel(0, tick=False) as traveller:
        assert client.get("/accounts/").status_code == 200
        traveller.shift(settings.SESSION_IDLE_SECONDS + 5)
        assert client.get("/accounts/").status_code == 302


def test_editor_desk_is_forbidden_to_window_staff(client, staff):
    client.force_login(staff)
    assert client.get("/staff/guides/").status_code == 403
