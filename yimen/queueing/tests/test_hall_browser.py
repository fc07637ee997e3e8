"""Done means (hall issue): a ticket taken at the kiosk, called from a window console, appears on the
hall display within one second, in a real browser, through the real live process. Every screen on
the way is checked with axe-core and photographed."""

import re
import time

import pytest

from yimen.accounts.models import User
from yimen.catalog.demo_loader import DEMO_PASSWORD
from yimen.hall.models import Window
from yimen.hall.services import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def screen(browser, live_server, *, width, height, device=None):
    ctx = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
    pg = ctx.new_page()
    pg.set_default_timeout(15000)
    pg.base_url = live_server.url
    if device:
        pg.goto(f"{live_server.url}/staff/hall/device/enrol/?token={device}&next=/")
    return pg


def test_kiosk_console_display_within_one_second(demo, live_process, live_server, _browser, a11y, shot):
    display = screen(_browser, live_server, width=1920, height=1080, device="demo-display")
    display.goto(live_server.url + "/hall/display/")
    display.wait_for_selector(".display-root[data-live=live]", state="attached")  # its stream is open
    a11y(display, "hall display")

    kiosk = screen(_browser, live_server, width=1080, height=1600, device="demo-kiosk")
    kiosk.goto(live_server.url + "/hall/kiosk/")
    a11y(kiosk, "kiosk start")
    shot(kiosk, "kiosk-start")
    kiosk.locator(".kiosk-queues a").first.click()  # A 综合受理
    kiosk.locator("label.kiosk-choice").nth(1).click()  # the elderly green channel
    a11y(kiosk, "kiosk take")
    kiosk.locator("button.kiosk-btn-huge").click()
    kiosk.wait_for_url(re.compile(r"/hall/kiosk/ticket/"))
    label = kiosk.locator(".slip-label").inner_text().split()[-1]
    assert re.fullmatch(r"A\d{3}", label)
    assert kiosk.locator(".slip-qr svg").count() == 1
    a11y(kiosk, "kiosk ticket slip")
    shot(kiosk, "kiosk-ticket")

    phone = screen(_browser, live_server, width=390, height=844)
    token = kiosk.url.rstrip("/").rsplit("/", 1)[-1]
    phone.goto(f"{live_server.url}/t/{token}/")
    phone.wait_for_selector(".ticket-live")
    a11y(phone, "live ticket page")

    user = User.objects.get(username="window1")
    sign_in(user, Window.objects.get(number="05"))
    console = screen(_browser, live_server, width=1400, height=1000)
    console.goto(live_server.url + "/accounts/login/")
    console.locator("#id_username").fill("window1")
    console.locator("#id_password").fill(DEMO_PASSWORD)
    console.locator("form button[type=submit]").last.click()
    console.wait_for_url(re.compile(r"/accounts/$"))
    console.goto(live_server.url + "/staff/console/")
    assert label in console.locator(".console-waiting").inner_text()
    a11y(console, "window console")

    started = time.monotonic()
    console.keyboard.press("n")  # call next
    display.wait_for_selector(f".display-calls li:first-child .call-label:text-is('{label}')", timeout=1000)
    seen = time.monotonic() - started
    assert seen < 1.0, f"display saw the call after {seen:.2f} s"
    cell = display.locator('[data-window] [data-ticket]', has_text=label)
    assert cell.count() == 1
    announce = display.locator("[data-announce]").inner_text()
    assert label in announce and "05" in announce
    shot(display, "hall-display-called")

    phone.wait_for_selector("[data-window]:not([hidden])", timeout=3000)
    assert "05" in phone.locator("[data-window]").inner_text()
    shot(phone, "ticket-called")
    console.wait_for_selector(f"[data-current='{label}']")
    assert "绿色通道" in console.locator(".console-current").inner_text() or "Green" in console.locator(
        ".console-current").inner_text()
    shot(console, "console-called")
    for pg in (display, kiosk, phone, console):
        pg.context.close()


def test_kiosk_elder_mode_is_large(demo, live_server, _browser, a11y, shot):
    kiosk = screen(_browser, live_server, width=1080, height=1600, device="demo-kiosk")
    kiosk.goto(live_server.url + "/hall/kiosk/")
    kiosk.locator(".kiosk-pref").click()
    kiosk.wait_for_selector("html.elder")
    kiosk.wait_for_load_state("load")  # the stylesheets too, before sizes are measured
    a11y(kiosk, "kiosk elder mode")
    shot(kiosk, "kiosk-elder")
    sizes = kiosk.evaluate("""() => [...document.querySelectorAll('.kiosk-tile, .kiosk-btn, .kiosk-pref')].map(e => {
        const r = e.getBoundingClientRect(); return [r.width, r.height,
        parseFloat(getComputedStyle(e.querySelector('.kiosk-tile-name') || e).fontSize)]; })""")
    assert sizes and all(w >= 60 and h >= 60 and font >= 18 for w, h, font in sizes), sizes
    body_font = kiosk.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert body_font >= 18
    kiosk.context.close()
