"""Done means (appointments issue): a citizen books a slot on the phone, checks in at the kiosk,
and the window calls the appointment ticket before a walk-in who arrived earlier (预约优先, within
the fairness cap). The booking, booking page and check-in screens pass axe-core, normal and elder
mode, and are photographed under var/screenshots/."""

import re

import pytest
import time_machine

from yimen.hall.constants import DeviceKind
from yimen.hall.services import register_device
from yimen.queueing import services as queue
from yimen.queueing.constants import Channel

from .conftest import FRIDAY, NOW, at, make_world, person_id

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def screen(browser, live_server, *, width, height, device=None):
    ctx = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
    pg = ctx.new_page()
    pg.set_default_timeout(15000)
    if device:
        pg.goto(f"{live_server.url}/staff/hall/device/enrol/?token={device}&next=/")
    return pg


def elder_sizes(pg) -> list[str]:
    """Text under 18 px and primary controls under 60×60 px in elder mode (a11y-security A2, A11)."""
    return pg.evaluate("""() => {
      const bad = [];
      document.querySelectorAll('main p, main li, main label, main button, main dd, main dt').forEach(el => {
        const px = parseFloat(getComputedStyle(el).fontSize);
        if (el.offsetParent !== null && px < 18) bad.push(el.tagName + ' ' + px + 'px: ' + el.textContent.trim().slice(0, 30));
      });
      document.querySelectorAll('main button, main .btn, main label.slot, main .day-chips a').forEach(el => {
        const r = el.getBoundingClientRect();
        if (el.offsetParent !== null && (r.width < 60 || r.height < 60)) bad.push('target ' + Math.round(r.width) + 'x' + Math.round(r.height) + ': ' + el.textContent.trim().slice(0, 30));
      });
      return bad;
    }""")


def test_book_on_the_phone_check_in_at_the_kiosk_called_before_an_earlier_walk_in(
        calendar, live_server, _browser, a11y, shot):
    with time_machine.travel(NOW, tick=True) as clock:
        world = make_world()
        from yimen.hall.models import Terminal

        Terminal.objects.create(center=world.center, code="zz-01", name="大厅自助终端1号", place="一楼大厅东侧",
                                hours="24 小时").items.set([world.item])  # suggested on the slot page
        phone = screen(_browser, live_server, width=390, height=844)
        phone.goto(f"{live_server.url}/appointments/cm/")
        a11y(phone, "booking: item")
        shot(phone, "appointments-1-item", full_page=True)
        phone.get_by_role("link", name=world.item.name).click()
        phone.wait_for_url(re.compile(r"/appointments/cm/MZ-001/$"))
        a11y(phone, "booking: slot")
        shot(phone, "appointments-2-slot", full_page=True)
        phone.locator(".day-chips a", has_text="2月13日").click()
        phone.wait_for_url(re.compile(r"day=2026-02-13"))
        phone.locator("fieldset.day label.slot", has_text="10:00–10:30").click()
        phone.locator("main button.btn-primary").click()
        phone.wait_for_url(re.compile(r"/person/"))
        phone.locator("#id_name").fill("张三")
        phone.locator("#id_id_number").fill(person_id(1)[:-1] + ("0" if person_id(1)[-1] != "0" else "1"))
        phone.locator("#id_phone").fill("13812345678")
        phone.locator("main button.btn-primary").click()
        phone.wait_for_selector("#id_number-error")  # wrong check digit: the error at the field, in text
        assert phone.locator("#id_id_number").get_attribute("aria-invalid") == "true"
        a11y(phone, "booking: details with an error")
        shot(phone, "appointments-3-details-error", full_page=True)
        phone.locator("#id_id_number").fill(person_id(1))
        phone.locator("main button.btn-primary").click()
        phone.wait_for_url(re.compile(r"/appointments/b/[A-Z0-9]+/$"))
        code = phone.locator(".code").inner_text().strip()
        assert re.fullmatch(r"[A-Z0-9]{10}", code)
        assert phone.locator(".qr-box svg").count() == 1
        assert "本人户口簿" in phone.locator(".checklist").inner_text()
        a11y(phone, "booking: done")
        shot(phone, "appointments-4-done", full_page=True)

        phone.locator("form[action$='elder-mode/'] button").click()  # 长辈版
        phone.wait_for_selector("html.elder")
        phone.wait_for_load_state("load")  # the stylesheets too, before sizes are measured
        assert elder_sizes(phone) == []
        a11y(phone, "booking page (elder mode)")
        shot(phone, "appointments-5-done-elder", full_page=True)
        phone.goto(f"{live_server.url}/appointments/cm/MZ-001/")
        phone.set_viewport_size({"width": 320, "height": 700})  # reflows at 320 px (A3)
        assert phone.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        assert elder_sizes(phone) == []
        a11y(phone, "booking: slot (elder mode)")
        shot(phone, "appointments-6-slot-elder")

        clock.move_to(at(FRIDAY, "09:40"))  # a walk-in arrives first
        walk_in = queue.issue_ticket(world.queue, channel=Channel.KIOSK, item=world.item)

        clock.move_to(at(FRIDAY, "09:50"))
        _, token = register_device(world.center, DeviceKind.KIOSK, "取号机", by=None)
        kiosk = screen(_browser, live_server, width=1080, height=1600, device=token)
        kiosk.goto(f"{live_server.url}/hall/kiosk/")
        kiosk.locator("a[href$='/appointments/kiosk/checkin/']").click()
        kiosk.wait_for_url(re.compile(r"/appointments/kiosk/checkin/$"))
        a11y(kiosk, "kiosk check-in")
        shot(kiosk, "appointments-7-kiosk-checkin")
        kiosk.locator("#kiosk-q").fill(f"{live_server.url}/appointments/b/{code}/")  # what the scanner types
        kiosk.locator("#kiosk-q").press("Enter")
        kiosk.wait_for_url(re.compile(r"/hall/kiosk/ticket/"))
        label = kiosk.locator(".slip-label").inner_text().split()[-1]
        a11y(kiosk, "kiosk ticket after check-in")
        shot(kiosk, "appointments-8-kiosk-ticket")

        clock.move_to(at(FRIDAY, "09:55"))
        first = queue.call_next(world.windows[0])
        assert (first.label, first.calls.get().rule) == (label, "appointment")
        assert walk_in.issued_at < first.issued_at
        assert queue.call_next(world.windows[1]).pk == walk_in.pk

        phone.goto(f"{live_server.url}/appointments/b/{code}/")
        assert "已签到" in phone.locator(".summary").inner_text() or "Checked in" in phone.locator(".summary").inner_text()


def test_the_capacity_planner_passes_axe(calendar, live_server, _browser, a11y, shot):
    from django.test import Client

    from yimen.accounts.constants import Role
    from yimen.appointments import services
    from yimen.lib.testing import make_user

    with time_machine.travel(NOW, tick=True):
        world = make_world()
        for n, hhmm in ((1, "09:00"), (2, "09:00"), (3, "10:00")):
            services.book(world.center, world.item, at(FRIDAY, hhmm), name="申请人", id_number=person_id(n),
                          phone=f"1390000000{n}")
        client = Client()
        client.force_login(make_user("boss", world.center, Role.CENTER_MANAGER))
        ctx = _browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        ctx.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
        pg = ctx.new_page()
        pg.goto(f"{live_server.url}/appointments/staff/planner/")
        assert "2/3" in pg.locator("table.planner").inner_text()
        a11y(pg, "capacity planner")
        shot(pg, "appointments-9-planner", full_page=True)


def test_the_service_map_on_a_phone_passes_axe_in_elder_mode_and_reflows(calendar, live_server, _browser, a11y, shot):
    from django.test import Client

    from yimen.hall.constants import TerminalStatus
    from yimen.hall.models import Terminal
    from yimen.lib.testing import make_user

    with time_machine.travel(NOW, tick=True):
        world = make_world()
        Terminal.objects.create(center=world.center, code="t1", name="大厅自助终端", place="一楼大厅东侧",
                                open_24h=True, directions="正门进入左手边，24 小时自助区").items.set([world.item])
        Terminal.objects.create(center=world.center, code="t2", name="银行网点终端", place="农商银行城桥支行",
                                hours="工作日 9:00–17:00", status=TerminalStatus.OUT_OF_SERVICE, status_note="打印机卡纸")
        queue.issue_ticket(world.queue, channel=Channel.KIOSK, item=world.item)
        phone = screen(_browser, live_server, width=390, height=844)
        phone.goto(f"{live_server.url}/appointments/map/")
        assert "大厅自助终端" in phone.locator("main").inner_text()
        a11y(phone, "service map")
        shot(phone, "appointments-10-map", full_page=True)
        phone.locator("form[action$='elder-mode/'] button").click()
        phone.wait_for_selector("html.elder")
        phone.wait_for_load_state("load")  # the stylesheets too, before sizes are measured
        phone.set_viewport_size({"width": 320, "height": 700})
        assert phone.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        assert elder_sizes(phone) == []
        a11y(phone, "service map (elder mode)")
        shot(phone, "appointments-11-map-elder", full_page=True)

        client = Client()
        client.force_login(make_user("wang", world.center))
        ctx = _browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        ctx.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
        pg = ctx.new_page()
        pg.goto(f"{live_server.url}/appointments/staff/terminals/")
        row = pg.locator("tr", has_text="大厅自助终端")
        row.locator("input[name=note]").fill("触摸屏无响应")
        row.locator("button").click()
        pg.wait_for_selector("tr:has-text('触摸屏无响应')")
        a11y(pg, "terminal faults")
        shot(pg, "appointments-12-terminals", full_page=True)


def test_join_a_full_slots_waitlist_and_accept_the_offered_place(calendar, live_server, _browser, a11y, shot):
    from yimen.appointments import services
    from yimen.appointments.models import BookingPolicy

    with time_machine.travel(NOW, tick=True):
        world = make_world()
        BookingPolicy.objects.create(center=world.center, release_delay_minutes=0)
        ten = at(FRIDAY, "10:00")
        taken = [services.book(world.center, world.item, ten, name="申请人", id_number=person_id(n),
                               phone=f"1390000000{n}") for n in (1, 2)]
        phone = screen(_browser, live_server, width=390, height=844)
        phone.goto(f"{live_server.url}/appointments/cm/MZ-001/?day=2026-02-13")
        phone.locator("details.waitlist-slots summary").click()
        phone.locator("details.waitlist-slots a", has_text="10:00").click()
        phone.wait_for_url(re.compile(r"waitlist=1"))
        phone.locator("#id_name").fill("李四")
        phone.locator("#id_id_number").fill(person_id(5))
        phone.locator("#id_phone").fill("13812340005")
        a11y(phone, "waitlist: details")
        phone.locator("main button.btn-primary").click()
        phone.wait_for_url(re.compile(r"/appointments/w/[A-Z0-9]+/$"))
        assert "1" in phone.locator(".summary").inner_text()
        a11y(phone, "waitlist: waiting")
        shot(phone, "appointments-13-waitlist", full_page=True)
        services.cancel(taken[0])  # no release delay: offered at once
        phone.reload()
        phone.locator("form[action$='elder-mode/'] button").click()
        phone.wait_for_selector("html.elder")
        phone.wait_for_load_state("load")  # the stylesheets too, before sizes are measured
        assert elder_sizes(phone) == []
        a11y(phone, "waitlist: offered (elder mode)")
        shot(phone, "appointments-14-waitlist-offered-elder", full_page=True)
        phone.locator("form[action$='/accept/'] button").click()
        phone.wait_for_url(re.compile(r"/appointments/b/[A-Z0-9]+/$"))
        assert phone.locator(".code").count() == 1
