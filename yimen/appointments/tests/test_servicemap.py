"""The service map (15-minute service circle) and the staff's terminal fault and repair marks."""

import re

from yimen.auditlog.models import LogEntry
from yimen.hall.constants import TerminalStatus
from yimen.hall.models import Center, Terminal
from yimen.lib.testing import make_user
from yimen.queueing import services as queue
from yimen.queueing.constants import Channel


def _terminals(world):
    lobby = Terminal.objects.create(center=world.center, code="t1", name="大厅自助终端", place="一楼大厅",
                                    open_24h=True, directions="正门进入左手边")
    lobby.items.set([world.item])
    bank = Terminal.objects.create(center=world.center, code="t2", name="银行网点终端", place="农商银行城桥支行",
                                   hours="工作日 9:00–17:00", status=TerminalStatus.OUT_OF_SERVICE,
                                   status_note="打印机卡纸")
    return lobby, bank


def test_the_map_lists_centers_hours_live_waiting_counts_and_terminals(client, world):
    lobby, _bank = _terminals(world)
    Center.objects.create(code="xx", name="城桥镇社区事务受理中心", address="城桥镇某路 2 号")
    for _n in range(3):
        queue.issue_ticket(world.queue, channel=Channel.KIOSK, item=world.item)
    r = client.get("/appointments/map/")
    assert r.status_code == 200
    text = r.text
    assert "崇明区某路 1 号" in text and "城桥镇社区事务受理中心" in text
    assert "09:00–12:00" in text  # today's hours (Thursday)
    assert re.search(r'class="waiting">\s*3\s*(人|people)', text), text[text.find("waiting"):][:200]
    assert "大厅自助终端" in text and "正门进入左手边" in text and world.item.name in text
    assert "打印机卡纸" in text  # out of service, with the fault
    assert "tiles" not in text and "maps.google" not in text and "amap" not in text  # no external map
    fragment = client.get("/appointments/map/", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and 'id="map-centers"' in fragment.text


def test_staff_mark_a_fault_and_its_repair_audited(client, world):
    lobby, _bank = _terminals(world)
    client.force_login(make_user("wang", world.center))
    r = client.get("/appointments/staff/terminals/")
    assert r.status_code == 200 and "大厅自助终端" in r.text
    r = client.post(f"/appointments/staff/terminals/{lobby.pk}/", {"action": "fault", "note": "触摸屏无响应"},
                    headers={"HX-Request": "true"})
    assert r.status_code == 200 and f'id="terminal-{lobby.pk}"' in r.text and "<html" not in r.text
    lobby.refresh_from_db()
    assert (lobby.status, lobby.status_note) == (TerminalStatus.OUT_OF_SERVICE, "触摸屏无响应")
    assert lobby.status_since is not None
    assert "触摸屏无响应" in client.get("/appointments/map/").text
    r = client.post(f"/appointments/staff/terminals/{lobby.pk}/", {"action": "repair", "note": "更换触摸屏"})
    assert r.status_code == 302
    lobby.refresh_from_db()
    assert lobby.status == TerminalStatus.IN_SERVICE
    entries = LogEntry.objects.filter(action="hall.terminal.status_changed").order_by("id")
    assert [e.data["to"] for e in entries] == ["out_of_service", "in_service"]
    assert entries[0].actor.username == "wang"


def test_bad_marks_are_refused_and_change_nothing(client, world):
    lobby, bank = _terminals(world)
    other = Center.objects.create(code="xx", name="其他中心")
    elsewhere = Terminal.objects.create(center=other, code="t9", name="别处终端")
    assert client.get("/appointments/staff/terminals/").status_code == 302  # login first
    client.force_login(make_user("wang", world.center))
    r = client.post(f"/appointments/staff/terminals/{lobby.pk}/", {"action": "fault", "note": "  "})
    assert r.status_code == 400 and 'aria-invalid="true"' in r.text
    r = client.post(f"/appointments/staff/terminals/{bank.pk}/", {"action": "fault", "note": "又坏了"})
    assert r.status_code == 400
    assert client.post(f"/appointments/staff/terminals/{elsewhere.pk}/",
                       {"action": "fault", "note": "坏了"}).status_code == 404
    lobby.refresh_from_db(), bank.refresh_from_db(), elsewhere.refresh_from_db()
    assert lobby.status == TerminalStatus.IN_SERVICE and bank.status_note == "打印机卡纸"
    assert elsewhere.status == TerminalStatus.IN_SERVICE
    assert not LogEntry.objects.filter(action="hall.terminal.status_changed").exists()
