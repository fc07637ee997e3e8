"""The booking screens through Django's test client: the phone flow, form errors in place,
the booking page by code (cancel, reschedule), the kiosk check-in screen."""

from datetime import timedelta

from yimen.appointments.models import Booking
from yimen.hall.constants import DeviceKind
from yimen.hall.services import register_device

from .conftest import FRIDAY, at


def test_the_phone_flow_books_and_shows_code_qr_and_materials(client, world, applicant):
    r = client.get("/appointments/cm/")
    assert r.status_code == 200 and world.item.name in r.text
    r = client.get(f"/appointments/cm/{world.item.code}/")
    assert r.status_code == 200 and "10:30" in r.text and "2月16日" not in r.text
    slot = at(FRIDAY, "09:30").isoformat()
    r = client.get(f"/appointments/cm/{world.item.code}/person/", {"slot": slot, "situation": world.situation.pk})
    assert r.status_code == 200 and "内地居民结婚登记" in r.text
    r = client.post(f"/appointments/cm/{world.item.code}/person/",
                    {"slot": slot, "situation": world.situation.pk, **applicant})
    booking = Booking.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/appointments/b/{booking.code}/"
    r = client.get(r["Location"])
    assert booking.code in r.text and "<svg" in r.text and "本人户口簿" in r.text
    assert applicant["id_number"] not in r.text and applicant["phone"] not in r.text
    assert booking.situation == world.situation


def test_form_errors_are_shown_at_the_field_and_nothing_is_booked(client, world, applicant):
    slot = at(FRIDAY, "09:30").isoformat()
    r = client.post(f"/appointments/cm/{world.item.code}/person/",
                    {"slot": slot, **applicant, "id_number": "310230198001010010"})
    assert r.status_code == 400
    assert 'aria-invalid="true"' in r.text and 'id="id_number-error"' in r.text
    assert Booking.objects.count() == 0


def test_a_full_slot_sends_the_citizen_back_to_choose(client, world, applicant):
    from yimen.appointments import services

    from .conftest import NOW, person_id

    for n in (2, 3):
        services.book(world.center, world.item, at(FRIDAY), **{**applicant, "id_number": person_id(n)}, now=NOW)
    r = client.post(f"/appointments/cm/{world.item.code}/person/", {"slot": at(FRIDAY).isoformat(), **applicant})
    assert r.status_code == 302 and r["Location"].endswith("?full=1")
    assert Booking.objects.count() == 2


def test_manage_page_cancels_and_reschedules(client, world, applicant):
    from yimen.appointments import services

    from .conftest import NOW

    b = services.book(world.center, world.item, at(FRIDAY), **applicant, now=NOW)
    r = client.get(f"/appointments/b/{b.code}/?change=1")
    assert r.status_code == 200 and "14:00" in r.text
    r = client.post(f"/appointments/b/{b.code}/reschedule/", {"slot": at(FRIDAY, "14:00").isoformat()})
    assert r.status_code == 302
    b.refresh_from_db()
    assert b.slot_start == at(FRIDAY, "14:00")
    r = client.post(f"/appointments/b/{b.code}/reschedule/", {"slot": at(FRIDAY, "12:10").isoformat()})
    assert r.status_code == 409 and "12:10" in r.text
    assert client.post(f"/appointments/b/{b.code}/cancel/").status_code == 302
    b.refresh_from_db()
    assert b.state == "cancelled"
    assert client.get("/appointments/find/", {"code": b.code.lower()}).status_code == 302
    assert client.get("/appointments/find/", {"code": "NOPE"}).status_code == 404


def test_kiosk_check_in_screen_issues_the_ticket(client, world, applicant, frozen):
    from yimen.appointments import services

    from .conftest import NOW

    b = services.book(world.center, world.item, at(FRIDAY, "10:00"), **applicant, now=NOW)
    assert client.get("/appointments/kiosk/checkin/").status_code == 403
    _, token = register_device(world.center, DeviceKind.KIOSK, "取号机", by=None)
    client.cookies["device"] = token
    assert client.get("/appointments/kiosk/checkin/").status_code == 200
    frozen.move_to(at(FRIDAY, "09:40"))
    r = client.post("/appointments/kiosk/checkin/", {"code": b.code})
    assert r.status_code == 409 and "09:45" in r.text
    frozen.move_to(at(FRIDAY, "09:50"))
    r = client.post("/appointments/kiosk/checkin/", {"id_number": applicant["id_number"]})
    b.refresh_from_db()
    assert r.status_code == 302 and r["Location"] == f"/hall/kiosk/ticket/{b.ticket.public_token}/"
    assert client.get(r["Location"]).status_code == 200
    assert "appointments/kiosk/checkin/" in client.get("/hall/kiosk/").text


def test_the_capacity_planner_shows_a_week_to_managers_only(client, world, applicant):
    from yimen.accounts.constants import Role
    from yimen.appointments import services
    from yimen.lib.testing import make_user

    from .conftest import NOW

    services.book(world.center, world.item, at(FRIDAY, "09:30"), **applicant, now=NOW)
    client.force_login(make_user("clerk", world.center))
    assert client.get("/appointments/staff/planner/").status_code == 403
    client.force_login(make_user("boss", world.center, Role.CENTER_MANAGER))
    r = client.get("/appointments/staff/planner/", {"week": "2026-02-12"})
    assert r.status_code == 200
    cells = services.week_overview(world.plan, FRIDAY - timedelta(days=4))
    friday = dict(cells)[FRIDAY]
    assert (friday[1].booked_total, friday[1].bookable, friday[1].walk_in, friday[1].capacity) == (1, 3, 1, 4)
    assert dict(cells)[FRIDAY.replace(day=15)] == []  # Spring Festival
    assert "1/3" in r.text and "2月13日" in r.text


def test_an_item_offered_at_terminals_suggests_them_instead(client, world):
    from yimen.hall.constants import TerminalKind, TerminalStatus
    from yimen.hall.models import Terminal

    terminal = Terminal.objects.create(center=world.center, code="zz-01", name="大厅自助终端1号", place="一楼大厅东侧",
                                       kind=TerminalKind.SELF_SERVICE, hours="24 小时")
    r = client.get(f"/appointments/cm/{world.item.code}/")
    assert "大厅自助终端1号" not in r.text  # it does not offer the item
    terminal.items.set([world.item])
    r = client.get(f"/appointments/cm/{world.item.code}/")
    assert "大厅自助终端1号" in r.text and "一楼大厅东侧" in r.text
    terminal.status = TerminalStatus.OUT_OF_SERVICE
    terminal.save()
    assert "大厅自助终端1号" not in client.get(f"/appointments/cm/{world.item.code}/").text
