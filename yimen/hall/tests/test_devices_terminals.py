import hashlib
import re
from datetime import timedelta

from django.contrib import messages
from django.test import RequestFactory
from django.utils import timezone

import pytest

from yimen.auditlog.services import events_for
from yimen.catalog.models import CenterItem
from yimen.hall.constants import DeviceKind, TerminalStatus
from yimen.hall.models import Center, Device, Terminal, Window
from yimen.hall.services import (
    HallError,
    authenticate_device,
    device_from_request,
    register_device,
    revoke_device,
    set_terminal_status,
    terminal_items,
    terminal_seen,
)


def test_register_authenticate_revoke(hall):
    device, token = register_device(hall.center, DeviceKind.WINDOW_DISPLAY, "01号窗口屏", window=hall.w1, by=hall.alice)
    assert len(token) >= 43 and token not in device.token_hash
    assert device.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert authenticate_device(token) == device
    assert authenticate_device(token + "x") is None and authenticate_device("") is None
    assert authenticate_device(None) is None and authenticate_device("x" * 500) is None
    revoke_device(device, by=hall.alice, reason="屏幕更换")
    assert authenticate_device(token) is None
    with pytest.raises(HallError) as exc:
        revoke_device(device, by=hall.alice)
    assert exc.value.code == "already_revoked"
    assert [e.action for e in events_for(device)] == ["hall.device.registered", "hall.device.revoked"]
    assert Device.objects.get().revoked_by == hall.alice


def test_last_used_is_written_at_most_once_a_minute(hall):
    device, token = register_device(hall.center, DeviceKind.KIOSK, "取号机", by=None)
    t0 = timezone.now()
    authenticate_device(token, now=t0)
    authenticate_device(token, now=t0 + timedelta(seconds=59))
    assert Device.objects.get().last_used_at == t0
    authenticate_device(token, now=t0 + timedelta(seconds=60))
    assert Device.objects.get().last_used_at == t0 + timedelta(seconds=60)


@pytest.mark.parametrize("kind,name,where,code", [
    ("toaster", "x", None, "bad_kind"),
    (DeviceKind.KIOSK, " ", None, "bad_name"),
    (DeviceKind.KIOSK, "x" * 61, None, "bad_name"),
    (DeviceKind.WINDOW_DISPLAY, "屏", None, "window_required"),
    (DeviceKind.WINDOW_DISPLAY, "屏", "other", "wrong_center"),
])
def test_register_refusals(hall, kind, name, where, code):
    window = None
    if where == "other":
        window = Window.objects.create(center=Center.objects.get(code="o"), number="01")
    with pytest.raises(HallError) as exc:
        register_device(hall.center, kind, name, window=window, by=None)
    assert exc.value.code == code and not Device.objects.exists()


def test_device_from_request_header_cookie_query(hall):
    _, token = register_device(hall.center, DeviceKind.HALL_DISPLAY, "大厅屏", by=None)
    rf = RequestFactory()
    assert device_from_request(rf.get("/", HTTP_AUTHORIZATION=f"Device {token}")).name == "大厅屏"
    assert device_from_request(rf.get("/", HTTP_AUTHORIZATION="Device nope")) is None  # the header wins
    req = rf.get("/")
    req.COOKIES["device"] = token
    assert device_from_request(req).name == "大厅屏"
    assert device_from_request(rf.get("/", {"device": token})).name == "大厅屏"
    assert device_from_request(rf.get("/")) is None
    assert device_from_request(rf.get("/", HTTP_AUTHORIZATION="Bearer abc")) is None


def test_enrol_sets_a_safe_cookie_and_stays_on_this_host(client, hall):
    _, token = register_device(hall.center, DeviceKind.HALL_DISPLAY, "大厅屏", by=None)
    r = client.get("/staff/hall/device/enrol/", {"token": token, "next": "/display/hall/"})
    assert r.status_code == 302 and r["Location"] == "/display/hall/"
    morsel = r.cookies["device"]
    assert morsel.value == token and morsel["httponly"] and morsel["samesite"] == "Lax" and morsel["path"] == "/"
    r = client.get("/staff/hall/device/enrol/", {"token": token, "next": "https://evil.example/"})
    assert r["Location"] == "/"
    r = client.get("/staff/hall/device/enrol/", {"token": "wrong"})
    assert r.status_code == 403 and "device" not in r.cookies


def test_terminal_items_default_to_the_center_terminal_list(hall):
    terminal = Terminal.objects.create(center=hall.center, code="zz-01", name="自助终端")
    assert terminal_items(terminal) == set()
    CenterItem.objects.filter(item=hall.items[0]).update(on_terminal_list=True)
    assert terminal_items(terminal) == {hall.items[0].pk}
    terminal.items.add(hall.items[2])
    assert terminal_items(terminal) == {hall.items[2].pk}


def test_terminal_status_changes_are_audited(hall):
    terminal = Terminal.objects.create(center=hall.center, code="zz-01", name="自助终端")
    with pytest.raises(HallError):
        set_terminal_status(terminal, "broken", by=hall.alice)
    set_terminal_status(terminal, TerminalStatus.OFFLINE, by=hall.alice)
    set_terminal_status(terminal, TerminalStatus.OFFLINE, by=hall.alice)  # no change, no entry
    now = timezone.now()
    terminal_seen(terminal, now=now)
    terminal.refresh_from_db()
    assert terminal.status == TerminalStatus.IN_SERVICE and terminal.last_seen_at == now
    assert [e.data["to"] for e in events_for(terminal)] == ["offline", "in_service"]


def test_admin_registers_with_a_one_time_token_and_revokes(admin_client, hall):
    r = admin_client.post("/admin/hall/device/add/", {"center": hall.center.pk, "kind": "window_display",
                                                      "name": "屏", "window": ""})
    assert r.status_code == 200 and not Device.objects.exists()  # a window display needs its window
    r = admin_client.post("/admin/hall/device/add/", {"center": hall.center.pk, "kind": "kiosk", "name": "取号机"},
                          follow=True)
    device = Device.objects.get()
    [message] = [str(m) for m in r.context["messages"] if m.level == messages.WARNING]
    token = re.search(r"[A-Za-z0-9_-]{43}$", message).group()
    assert authenticate_device(token) == device
    assert admin_client.get(f"/admin/hall/device/{device.pk}/change/").status_code == 200
    admin_client.post("/admin/hall/device/", {"action": "revoke", "_selected_action": [device.pk]})
    assert authenticate_device(token) is None
