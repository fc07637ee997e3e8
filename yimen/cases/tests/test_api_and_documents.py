"""The cases API and pages: open → receive → correct → accept over HTTP, every refusal a 4xx with
its code and no change, scope (S9), the applicant's status page and the printable documents."""

import re

import pytest
import time_machine

from yimen.auditlog.models import LogEntry
from yimen.cases.models import Case, CaseEvent
from yimen.cases.schemas import CaseOut, StatusOut

from .factories import VALID_ID, at, make_center, make_user

API = "/api/v1/cases"
DAY = __import__("datetime").date(2026, 3, 3)  # a Tuesday


@pytest.fixture
def desk(client, world):
    client.force_login(world.ws)
    return client


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def open_body(world, **kw):
    return {"item": world.item.code, "situation": world.situation.code, "applicant_name": "张三",
            "id_number": VALID_ID, "phone": "13812345678", **kw}


def test_front_desk_flow_over_http(desk, world):
    with time_machine.travel(at(DAY, 9), tick=False):
        r = post(desk, API, open_body(world))
        assert r.status_code == 201, r.content
        case = r.json()
        assert set(case) == set(CaseOut.model_fields) and CaseOut.model_validate(case)
        assert case["state"] == "submitted" and "receive" in case["actions"]
        assert VALID_ID not in r.content.decode() and case["applicant_name"] != "张三"  # masked
        materials = [m["id"] for m in case["materials"] if not m["exempt"]]
        r = post(desk, f"{API}/{case['number']}/receive", {"version": case["version"], "materials": materials[:1]})
        assert r.status_code == 200, r.content
        case = r.json()
        assert case["state"] == "received" and case["correction_notice_due"] == "2026-03-10"
        assert [d["kind"] for d in case["documents"]] == ["receipt"]
        # accepting with a required material missing is refused, nothing changes
        before = CaseEvent.objects.count()
        r = post(desk, f"{API}/{case['number']}/accept", {"version": case["version"]})
        assert (r.status_code, r.json()["code"]) == (400, "materials_missing")
        assert CaseEvent.objects.count() == before
        # one notice listing the missing material
        r = post(desk, f"{API}/{case['number']}/request_correction",
                 {"version": case["version"], "items": [{"material": materials[1], "problem": "未签字"}]})
        assert r.status_code == 200, r.content
        case = r.json()
        assert case["state"] == "correction_requested"
        r = post(desk, f"{API}/{case['number']}/submit_corrections", {"version": case["version"]})
        case = r.json()
        r = post(desk, f"{API}/{case['number']}/accept", {"version": case["version"]})
        assert r.status_code == 200 and r.json()["state"] == "accepted", r.content
        assert r.json()["promised_due"] is not None


def test_refusals_are_4xx_with_codes_and_change_nothing(desk, world, client):
    with time_machine.travel(at(DAY, 9), tick=False):
        case = post(desk, API, open_body(world)).json()
        n, v = case["number"], case["version"]
        cases = [
            (post(desk, API, open_body(world, id_number="110105194912310021")), 400, "invalid_id_number"),
            (post(desk, API, open_body(world, item="nope")), 400, "unknown_item"),
            (post(desk, API, open_body(world, situation="nope")), 400, "unknown_situation"),
            (post(desk, f"{API}/{n}/receive", {"version": v + 1}), 409, "conflict"),
            (post(desk, f"{API}/{n}/accept", {"version": v}), 409, "bad_state"),
            (post(desk, f"{API}/{n}/start_review", {"version": v}), 403, "forbidden_role"),
            (post(desk, f"{API}/{n}/fly", {"version": v}), 404, "unknown_action"),
            (post(desk, f"{API}/{n}/receive", {}), 422, "invalid_input"),
            (post(desk, f"{API}/NOPE/receive", {"version": 1}), 404, "not_found"),
        ]
        for r, status, code in cases:
            assert (r.status_code, r.json()["code"]) == (status, code), r.content
        assert Case.objects.get(number=n).version == v and Case.objects.count() == 1


def test_cases_of_another_center_do_not_exist_for_you(client, world):
    with time_machine.travel(at(DAY, 9), tick=False):
        client.force_login(world.ws)
        number = post(client, API, open_body(world)).json()["number"]
        stranger = make_user("window_staff", center=make_center())
        client.force_login(stranger)
        assert client.get(f"{API}/{number}").status_code == 404
        assert post(client, f"{API}/{number}/receive", {"version": 1}).status_code == 404
        client.force_login(world.rv)  # the item's agency reviewer sees it
        assert client.get(f"{API}/{number}").status_code == 200
        client.logout()
        assert client.get(f"{API}/{number}").status_code == 401


def test_status_page_and_api_with_the_verification_code(client, desk, world):
    with time_machine.travel(at(DAY, 9), tick=False):
        case = post(desk, API, open_body(world)).json()
        case = post(desk, f"{API}/{case['number']}/receive", {"version": case["version"]}).json()
        row = Case.objects.get(number=case["number"])
        client.logout()
        r = client.get(f"{API}/status", {"number": row.number, "code": row.verification_code.lower()})
        assert r.status_code == 200 and StatusOut.model_validate(r.json()).state == "received"
        assert client.get(f"{API}/status", {"number": row.number, "code": "WRONG"}).status_code == 404
        page = client.get("/cases/status/", {"number": row.number, "code": row.verification_code})
        assert page.status_code == 200 and row.item.name in page.content.decode()
        assert "msg-error" in client.get("/cases/status/", {"number": row.number, "code": "X"}).content.decode()


def test_documents_print_for_staff_and_applicant_only(client, desk, world):
    with time_machine.travel(at(DAY, 9), tick=False):
        case = post(desk, API, open_body(world)).json()
        case = post(desk, f"{API}/{case['number']}/receive", {"version": case["version"]}).json()
        row = Case.objects.get(number=case["number"])
        url = case["documents"][0]["url"]
        page = desk.get(url)
        body = page.content.decode()
        assert page.status_code == 200 and row.number in body and "2026-03-10" in body
        assert not re.search(r"\d{17}[\dXx]", body) and "<svg" in body  # masked ID, QR code
        rate = re.search(r'class="eval-qr"><svg[^>]*>\s*<title>([^<]*)</title>', body)  # 好差评 QR on the receipt
        assert rate is not None, body[body.find("eval-qr") - 100:body.find("eval-qr") + 300]
        assert LogEntry.objects.filter(action="print_document").count() == 1
        assert desk.get(url, {"paper": "80mm"}).status_code == 200
        client.logout()
        assert client.get(url).status_code == 404
        assert client.get(url, {"code": row.verification_code}).status_code == 200


def test_personal_data_is_encrypted_at_rest(desk, world):
    """a11y-security S17: raw SQL shows no plaintext ID number or phone; the blind index finds the case."""
    from django.db import connection

    from yimen.lib.crypto import blind_index

    with time_machine.travel(at(DAY, 9), tick=False):
        number = post(desk, API, open_body(world, agent_name="李四", agent_id_number="110101199003070134")).json()["number"]
    with connection.cursor() as cur:
        cur.execute("SELECT id_number, phone, agent_id_number, id_index FROM cases_case WHERE number = %s", [number])
        raw = cur.fetchone()
    assert all(v.startswith("sm4gcm:") for v in raw[:3])
    assert not re.search(r"\d{17}[\dXx]|1[3-9]\d{9}", " ".join(raw))
    case = Case.objects.get(id_index=blind_index(VALID_ID.lower()))
    assert (case.number, case.id_number, case.phone) == (number, VALID_ID, "13812345678")


def test_desk_pages_from_ticket_to_receipt(client, world):
    """The front desk: open a case from the ticket being served, receive, accept; refusals come back
    in the panel with the reason and change nothing."""
    from yimen.catalog.models import CenterItem
    from yimen.hall.models import Window
    from yimen.queueing.models import Queue
    from yimen.queueing.services import call_next, issue_ticket, start_service

    with time_machine.travel(at(DAY, 9), tick=False):
        CenterItem.objects.create(center=world.center, item=world.item)  # on the window list
        window = Window.objects.create(center=world.center, number="05")
        queue = Queue.objects.create(center=world.center, prefix="A", name="综合", channels=["staff"])
        queue.windows.set([window])
        ticket = issue_ticket(queue, channel="staff", item=None)
        start_service(call_next(window), window)
        client.force_login(world.ws)
        page = client.get("/cases/staff/new/", {"ticket": ticket.public_token})
        assert page.status_code == 200 and world.item.name in page.content.decode()  # step 1: choose the item
        form = {"item": world.item.code, "ticket": ticket.public_token, "situation": world.situation.pk,
                "applicant_type": "person", "applicant_name": "张三", "id_number": "110105194912310021"}
        bad = client.post("/cases/staff/new/", form)
        assert bad.status_code == 200 and "field-error" in bad.content.decode() and Case.objects.count() == 0
        r = client.post("/cases/staff/new/", {**form, "id_number": VALID_ID, "phone": "13812345678"})
        case = Case.objects.get()
        assert r.status_code == 302 and r["Location"].endswith(f"/cases/staff/{case.number}/")
        assert case.ticket == ticket and case.window == window
        page = client.get(r["Location"]).content.decode()
        assert "Receive" in page or "收件" in page
        act = f"/cases/staff/{case.number}/act/"
        stale = client.post(act, {"action": "receive", "version": case.version + 1})
        assert stale.status_code == 409
        ids = list(case.materials.filter(exempt=False).values_list("material_id", flat=True))
        r = client.post(act, {"action": "receive", "version": case.version, "material": ids})
        case.refresh_from_db()
        assert r.status_code == 200 and case.state == "received" and "/cases/documents/" in r.content.decode()
        r = client.post(act, {"action": "start_review", "version": case.version})
        assert r.status_code == 403 and Case.objects.get().version == case.version
        r = client.post(act, {"action": "accept", "version": case.version})
        case.refresh_from_db()
        assert r.status_code == 200 and case.state == "accepted"
        assert client.get("/cases/staff/").status_code == 200


def test_a_second_correction_notice_needs_the_managers_co_signature(client, world):
    """一次告知: the desk refuses a second notice unless the center manager signs it off with a reason;
    a wrong password or another role changes nothing."""
    from yimen.cases.models import CorrectionNotice
    from yimen.cases.services import apply, open_case

    world.cm.set_password("manager-pass-2026")
    world.cm.save()
    with time_machine.travel(at(DAY, 9), tick=False):
        case = open_case(center=world.center, item=world.item, situation=world.situation, applicant_name="张三",
                         id_number=VALID_ID, by=world.ws)
        apply(case, "receive", by=world.ws, materials=[])
        missing = list(case.materials.filter(exempt=False).values_list("material_id", flat=True))
        apply(case, "request_correction", by=world.ws, items=[{"material": m, "problem": "未提交"} for m in missing])
        apply(case, "submit_corrections", by=world.ws, materials=missing[:1])
        case.refresh_from_db()
        client.force_login(world.ws)
        url = f"/cases/staff/{case.number}/act/"
        form = {"action": "request_correction", "version": case.version, "fix": missing[1:],
                **{f"problem_{m}": "仍未提交" for m in missing[1:]}}
        assert "cn-approver" in client.get(f"/cases/staff/{case.number}/").content.decode()
        for extra in ({}, {"approver": world.cm.username, "approver_password": "wrong", "reason": "x"},
                      {"approver": world.ws.username, "approver_password": "x", "reason": "x"},
                      {"approver": world.cm.username, "approver_password": "manager-pass-2026"}):
            r = client.post(url, {**form, **extra})
            assert r.status_code == 400 and CorrectionNotice.objects.filter(case=case).count() == 1, extra
        r = client.post(url, {**form, "approver": world.cm.username, "approver_password": "manager-pass-2026",
                              "reason": "申请人补交的章程缺少签章"})
        assert r.status_code == 200, r.content.decode()[:300]
        second = CorrectionNotice.objects.get(case=case, round=2)
        assert second.approved_by == world.cm and second.approval_reason == "申请人补交的章程缺少签章"


def test_a_further_notice_over_the_api_uses_a_managers_recorded_approval(client, world):
    """一次告知 over the API: a center manager approves one further notice with a reason (an event on the
    case); the window then issues it; the approval is used up by that notice."""
    from yimen.cases.models import CorrectionNotice
    from yimen.cases.services import apply, open_case

    with time_machine.travel(at(DAY, 9), tick=False):
        case = open_case(center=world.center, item=world.item, situation=world.situation, applicant_name="张三",
                         id_number=VALID_ID, by=world.ws)
        apply(case, "receive", by=world.ws, materials=[])
        missing = list(case.materials.filter(exempt=False).values_list("material_id", flat=True))
        apply(case, "request_correction", by=world.ws, items=[{"material": m, "problem": "未提交"} for m in missing])
        apply(case, "submit_corrections", by=world.ws, materials=missing[:1])
        items = [{"material": m, "problem": "仍未提交"} for m in missing[1:]]
        approval = f"{API}/{case.number}/second-notice-approval"

        client.force_login(world.ws)
        version = client.get(f"{API}/{case.number}").json()["version"]
        r = post(client, f"{API}/{case.number}/request_correction", {"version": version, "items": items,
                                                                     "approved_by": world.cm.username})
        assert (r.status_code, r.json()["code"]) == (403, "second_notice_needs_manager")
        r = post(client, approval, {"reason": "x"})
        assert (r.status_code, r.json()["code"]) == (403, "forbidden")

        client.force_login(world.cm)
        assert post(client, approval, {"reason": ""}).status_code == 422
        assert CaseEvent.objects.filter(case=case, action="second_notice_approved").count() == 0
        r = post(client, approval, {"reason": "补交的章程缺少签章"})
        assert r.status_code == 201 and r.json()["action"] == "second_notice_approved", r.content

        client.force_login(world.ws)
        r = post(client, f"{API}/{case.number}/request_correction", {"version": version, "items": items})
        assert r.status_code == 200, r.content
        second = CorrectionNotice.objects.get(case=case, round=2)
        assert (second.approved_by, second.approval_reason) == (world.cm, "补交的章程缺少签章")
        assert r.json()["events"][-1]["action"] == "request_correction"

        r = post(client, f"{API}/{case.number}/submit_corrections", {"version": r.json()["version"]})
        r = post(client, f"{API}/{case.number}/request_correction", {"version": r.json()["version"],
                                                                     "items": items})
        assert (r.status_code, r.json()["code"]) == (403, "second_notice_needs_manager")  # used up
        assert CorrectionNotice.objects.filter(case=case).count() == 2


def test_open_and_receive_in_one_request(desk, world):
    """The front desk's usual step in one transaction: the case comes back received with its receipt;
    a refused receive opens nothing (no case, no number used)."""
    with time_machine.travel(at(DAY, 9), tick=False):
        material = world.situation.guides.get().materials.get(name="居民身份证").pk
        before = Case.objects.count()
        r = post(desk, API, open_body(world, receive=True, materials=[999999]))
        assert (r.status_code, r.json()["code"]) == (400, "unknown_material")
        assert Case.objects.count() == before
        r = post(desk, API, open_body(world, receive=True, materials=[material]))
        assert r.status_code == 201, r.content
        case = r.json()
        assert CaseOut.model_validate(case)
        assert (case["state"], case["version"], case["correction_notice_due"]) == ("received", 2, "2026-03-10")
        assert [e["action"] for e in case["events"]] == ["open", "receive"]
        assert [d["kind"] for d in case["documents"]] == ["receipt"]
        assert [m["received"] for m in case["materials"] if m["id"] == material] == [True]
        assert case["number"].endswith("000001")  # the refused attempt used no number
