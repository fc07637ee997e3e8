from yimen.accounts.constants import Role
from yimen.accounts.models import User
from yimen.auditlog.services import events_for
from yimen.catalog.demo_loader import load_demo
from yimen.hall.constants import CenterKind, DeviceKind, PostRole
from yimen.hall.demo import DEMO_DEVICES
from yimen.hall.models import Center, Device, Post, Shift, Terminal
from yimen.hall.services import (
    authenticate_device,
    consoled_windows,
    current_shift,
    post_items,
    sign_in,
    window_list_items,
)

from .conftest import make_user


def test_coverage_page_is_for_managers_and_supervisors(client, hall):
    assert client.get("/staff/hall/coverage/").status_code == 302  # to the login page
    client.force_login(hall.alice)
    assert client.get("/staff/hall/coverage/").status_code == 403
    manager = make_user("boss", hall.center, Role.CENTER_MANAGER)
    client.force_login(manager)
    r = client.get("/staff/hall/coverage/")
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    assert "事项1" in r.content.decode() and "其他中心" not in r.content.decode()  # one center: no chooser
    supervisor = User.objects.create_user("sup", password="x", role=Role.DISTRICT_SUPERVISOR)
    client.force_login(supervisor)
    assert "事项1" in client.get("/staff/hall/coverage/", {"center": "h"}).content.decode()
    assert client.get("/staff/hall/coverage/", {"center": "nope"}).status_code == 200  # falls back, no 500


def test_post_page_sign_in_pause_resume_sign_out(client, hall):
    client.force_login(hall.alice)
    page = client.get("/staff/hall/post/").content.decode()
    assert 'value="sign_in"' in page
    assert client.post("/staff/hall/post/", {"action": "sign_in", "window": "999999"}).status_code == 400
    assert client.post("/staff/hall/post/", {"action": "sign_in"}).status_code == 400
    assert client.post("/staff/hall/post/", {"action": "sign_in", "window": hall.w1.pk}).status_code == 302
    assert current_shift(hall.alice).window == hall.w1
    assert client.post("/staff/hall/post/", {"action": "pause", "reason": "nap"}).status_code == 400
    r = client.post("/staff/hall/post/", {"action": "pause", "reason": "other", "note": ""})
    assert r.status_code == 400 and r.context["pause_form"].errors["note"]
    assert client.post("/staff/hall/post/", {"action": "resume"}).status_code == 400  # not paused
    assert client.post("/staff/hall/post/", {"action": "dance"}).status_code == 400
    assert client.post("/staff/hall/post/", {"action": "pause", "reason": "meal"}).status_code == 302
    assert client.post("/staff/hall/post/", {"action": "resume"}).status_code == 302
    assert client.post("/staff/hall/post/", {"action": "sign_out"}).status_code == 302
    shift = Shift.objects.get()
    assert shift.ended_at and [e.action for e in events_for(shift)][-1] == "hall.shift.signed_out"
    client.force_login(hall.outsider)
    r = client.post("/staff/hall/post/", {"action": "sign_in", "window": hall.w2.pk})
    assert r.status_code == 400 and not Shift.objects.filter(user=hall.outsider).exists()  # not one of its windows


def test_demo_hall_is_idempotent_and_crosses_window1_and_window2(demo):
    center = Center.objects.get(code=demo["center"])
    township = Center.objects.get(kind=CenterKind.TOWNSHIP)
    station = Center.objects.get(kind=CenterKind.STATION)
    assert township.parent == center and station.parent == township
    assert demo["hall"] == {"centers": 2, "posts": 14, "terminals": 4, "devices": 4}
    assert load_demo()["hall"] == {"centers": 0, "posts": 0, "terminals": 0, "devices": 0}
    w1, w2 = User.objects.get(username="window1"), User.objects.get(username="window2")
    p01, p02 = Post.objects.get(window__number="01", center=center), Post.objects.get(window__number="02", center=center)
    assert {(a.user, a.role) for a in p01.assignments.all()} == {(w1, PostRole.A), (w2, PostRole.B)}
    assert {(a.user, a.role) for a in p02.assignments.all()} == {(w2, PostRole.A), (w1, PostRole.B)}
    assert post_items(p01) == window_list_items(center) and len(window_list_items(center)) == 98
    assert Terminal.objects.filter(center=center).count() == 3
    for kind, _name, token, _number in DEMO_DEVICES:
        assert authenticate_device(token).kind == kind
    assert Device.objects.get(kind=DeviceKind.WINDOW_DISPLAY).window.number == "01"
    # window2 signs in at 02 while window1 is away: window2's console also calls window 01
    sign_in(w2, p02.window)
    assert consoled_windows(w2) == [p02.window, p01.window]
