"""The 办不成事 desk: take a report, contact, resolve, record satisfaction; a refusal shows its reason
and changes nothing; reports of another center are out of reach; phones never shown in full."""

import pytest

from yimen.accounts.constants import Role
from yimen.accounts.models import User
from yimen.cannot_handle.models import CannotHandleReport
from yimen.hall.models import Center

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(calendar, client):
    center = Center.objects.create(code="cz", name="中心")
    user = User.objects.create(username="clerk", role=Role.WINDOW_STAFF, center=center)
    client.force_login(user)
    return client, user


def test_report_from_window_to_closed(desk):
    client, user = desk
    assert client.get("/staff/cannot-handle/").status_code == 200
    r = client.post("/staff/cannot-handle/new/", {"channel": "window", "description": ""})
    assert r.status_code == 400 and CannotHandleReport.objects.count() == 0
    r = client.post("/staff/cannot-handle/new/", {"channel": "window", "description": "跨区迁户口被要求回原籍开证明",
                                                  "reporter_phone": "13812345678"})
    report = CannotHandleReport.objects.get()
    assert r.status_code == 302 and r["Location"].endswith(f"/staff/cannot-handle/{report.pk}/")
    page = client.get(r["Location"]).content.decode()
    assert "跨区迁户口" in page and "13812345678" not in page and report.contact_due.isoformat() in page
    act = f"/staff/cannot-handle/{report.pk}/act/"
    assert client.post(act, {"action": "resolve", "resolution": "x"}).status_code == 400  # not contacted yet
    client.post(act, {"action": "record_contact", "note": "电话联系反映人"})
    client.post(act, {"action": "resolve", "resolution": "经协调由派出所直接开具"})
    assert client.post(act, {"action": "mark_complex", "reason": "x"}).status_code == 400  # managers only
    client.post(act, {"action": "record_satisfaction", "satisfaction": "satisfied"})
    report.refresh_from_db()
    assert (report.state, report.satisfaction) == ("closed", "satisfied")
    outsider = User.objects.create(username="far", role=Role.WINDOW_STAFF,
                                   center=Center.objects.create(code="cw", name="别处"))
    client.force_login(outsider)
    assert client.get(f"/staff/cannot-handle/{report.pk}/").status_code == 404
