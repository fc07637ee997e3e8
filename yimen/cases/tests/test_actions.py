"""Corrections (一次告知), 即办件 in one action, authorization to decide at a window, delivery, files."""

from datetime import date

from django.urls import reverse

import pytest

from yimen.accounts.constants import Role
from yimen.cases.constants import CITIZEN, SYSTEM, CaseOutcome, CaseState, Timeliness
from yimen.cases.models import CaseMaterial, CorrectionNotice
from yimen.cases.public import available_actions, permitted, worklist
from yimen.cases.services import CaseError, apply, attach_file, read_file
from yimen.supervision.models import Authorization

from .factories import at, authorize, chief, make_case_item, make_user

pytestmark = pytest.mark.django_db
D = lambda m, d: date(2026, m, d)  # noqa: E731


@pytest.fixture
def received(world, new_case):
    case = new_case(D(3, 2))
    apply(case, "receive", by=world.ws, now=at(D(3, 2)), materials=[case.guide.materials.get(name="居民身份证")])
    return case


def _material(case, name):
    return case.guide.materials.get(name=name)


# --- corrections --------------------------------------------------------------------------------

def test_one_notice_lists_every_missing_material(received, world):
    with pytest.raises(CaseError) as err:
        apply(received, "accept", by=world.ws, now=at(D(3, 3)))
    assert err.value.code == "materials_missing"
    form = _material(received, "申请表")
    ident = _material(received, "居民身份证")
    with pytest.raises(CaseError) as err:
        apply(received, "request_correction", by=world.ws, now=at(D(3, 3)), items=[{"material": ident,
                                                                                    "problem": "复印件不清"}])
    assert err.value.code == "incomplete_notice"
    apply(received, "request_correction", by=world.ws, now=at(D(3, 3)),
          items=[{"material": form, "problem": "未提交"}, {"material": ident, "problem": "复印件不清"}])
    notice = CorrectionNotice.objects.get(case=received)
    assert (notice.round, notice.reply_due, notice.items.count()) == (1, D(4, 2), 2)
    assert received.documents.filter(kind="correction_notice").count() == 1


def test_only_guide_materials_may_be_requested(received, world):
    other = make_case_item()[1].guides.get().materials.first()
    with pytest.raises(CaseError) as err:
        apply(received, "request_correction", by=world.ws, now=at(D(3, 3)),
              items=[{"material": other, "problem": "x"}, {"material": _material(received, "申请表"), "problem": "y"}])
    assert err.value.code == "not_in_guide"


def test_second_notice_needs_a_center_manager_and_a_reason(received, world):
    form = _material(received, "申请表")
    apply(received, "request_correction", by=world.ws, now=at(D(3, 3)), items=[{"material": form, "problem": "缺"}])
    apply(received, "submit_corrections", by=CITIZEN, now=at(D(3, 9)))
    assert (received.state, received.corrections_received_on, received.correction_notice_due) == (
        CaseState.RECEIVED, D(3, 9), D(3, 16))
    items = [{"material": form, "problem": "签名与身份证不符"}]
    with pytest.raises(CaseError) as err:
        apply(received, "request_correction", by=world.ws, now=at(D(3, 10)), items=items)
    assert err.value.code == "second_notice_needs_manager"
    with pytest.raises(CaseError) as err:
        apply(received, "request_correction", by=world.ws, now=at(D(3, 10)), items=items, approved_by=world.cm)
    assert err.value.code == "reason_required"
    apply(received, "request_correction", by=world.ws, now=at(D(3, 10)), items=items, approved_by=world.cm,
          reason="补正材料出现新问题")
    assert received.correction_round == 2
    assert CorrectionNotice.objects.get(case=received, round=2).approved_by == world.cm


def test_the_system_closes_only_after_the_applicants_period(received, world):
    apply(received, "request_correction", by=world.ws, now=at(D(3, 3)),
          items=[{"material": _material(received, "申请表"), "problem": "缺"}])
    with pytest.raises(CaseError) as err:
        apply(received, "abandon_correction", by=SYSTEM, now=at(D(4, 2)))
    assert err.value.code == "reply_period_running"
    apply(received, "abandon_correction", by=SYSTEM, now=at(D(4, 3)))
    assert received.state == CaseState.CLOSED_UNCORRECTED


# --- 即办件 and authorizations ------------------------------------------------------------------

@pytest.fixture
def immediate(world, new_case):
    item, situation = make_case_item(case_type="immediate", promised_limit=0, agency=world.agency)
    return new_case(D(3, 3), item=item, situation=situation)


def test_immediate_case_completes_in_one_action(immediate, world):
    authorize(world.ws, immediate.item)
    apply(immediate, "complete_immediately", by=world.ws, now=at(D(3, 3)))
    assert (immediate.state, immediate.outcome, immediate.timeliness) == (
        CaseState.COMPLETED, CaseOutcome.APPROVED, Timeliness.ON_TIME)
    assert (immediate.accepted_on, immediate.decided_on, immediate.completed_on) == (D(3, 3),) * 3
    assert list(immediate.events.values_list("action", flat=True)) == [
        "open", "receive", "accept", "start_review", "decide", "complete"]
    assert immediate.delivery_due == D(3, 17)
    assert immediate.receipts.count() == 1
    assert set(immediate.documents.values_list("kind", flat=True)) == {
        "receipt", "acceptance_notice", "decision", "completion_notice"}


def test_immediate_needs_an_authorization_and_an_immediate_item(immediate, world, new_case):
    with pytest.raises(CaseError) as err:
        apply(immediate, "complete_immediately", by=world.ws, now=at(D(3, 3)))
    assert err.value.code == "not_authorized"
    chief(world.ws, world.item)
    with pytest.raises(CaseError) as err:
        apply(new_case(D(3, 3)), "complete_immediately", by=world.ws, now=at(D(3, 3)))
    assert err.value.code == "not_immediate"


@pytest.fixture
def under_review(world, new_case):
    case = new_case(D(3, 2))
    apply(case, "receive", by=world.ws, now=at(D(3, 2)))
    apply(case, "accept", by=world.ws, now=at(D(3, 2)))
    apply(case, "start_review", by=world.rv, now=at(D(3, 3)))
    return case


@pytest.mark.parametrize(("grant", "allowed"), [
    (None, False),
    ({"powers": ("receive", "accept")}, False),
    ({"powers": ("decide",)}, True),
    ({"powers": ("decide",), "valid_to": D(3, 1)}, False),
    ({"powers": ("decide",), "revoked": True}, False),
    ({"chief": True}, True),
])
def test_deciding_at_a_window_needs_a_covering_authorization(under_review, world, grant, allowed):
    if grant and grant.get("chief"):
        chief(world.ws, world.item)
    elif grant:
        auth = authorize(world.ws, world.item, powers=grant["powers"], valid_to=grant.get("valid_to"))
        if grant.get("revoked"):
            Authorization.objects.filter(pk=auth.pk).update(revoked_at=at(D(3, 1)))
    if allowed:
        apply(under_review, "decide", by=world.ws, now=at(D(3, 4)), outcome="approved")
        assert under_review.state == CaseState.DECIDED
    else:
        with pytest.raises(CaseError) as err:
            apply(under_review, "decide", by=world.ws, now=at(D(3, 4)), outcome="approved")
        assert err.value.code == "not_authorized"


def test_window_authorization_for_another_item_does_not_cover(under_review, world):
    authorize(world.ws, make_case_item(agency=world.agency)[0], powers=("decide",))
    with pytest.raises(CaseError) as err:
        apply(under_review, "decide", by=world.ws, now=at(D(3, 4)), outcome="approved")
    assert err.value.code == "not_authorized"


def test_reviewer_decides_completes_and_the_release_window_delivers(under_review, world):
    apply(under_review, "decide", by=world.rv, now=at(D(3, 4)), outcome="partially_approved", reasons="部分符合")
    apply(under_review, "complete", by=world.rv, now=at(D(3, 4)))
    assert under_review.promised_due == D(3, 5)  # accepted 03-02, promised 3 WD
    assert under_review.timeliness == Timeliness.EARLY
    with pytest.raises(CaseError) as err:
        apply(under_review, "deliver", by=SYSTEM, now=at(D(3, 6)), method="post")
    assert err.value.code == "system_delivers_e_licences"
    apply(under_review, "deliver", by=world.ws, now=at(D(3, 6)), method="window")
    assert (under_review.state, under_review.delivered_on) == (CaseState.DELIVERED, D(3, 6))


def test_decided_results_wait_on_the_delivery_worklist_until_handed_out(under_review, world, client):
    """统一窗口出件: the decided case leaves the reviewer's hands and waits for the 出件 window."""
    apply(under_review, "decide", by=world.rv, now=at(D(3, 4)), outcome="approved")
    [row] = worklist(world.ws, kind="delivery", today=D(3, 5))
    assert (row["number"], row["decided_on"], row["due"], row["outcome"]) == (
        under_review.number, D(3, 4), under_review.delivery_due, "approved")
    assert row["working_days_left"] > 0
    client.force_login(world.ws)
    page = client.get(reverse("cases:worklist") + "?kind=delivery").content.decode()
    assert under_review.number in page and 'aria-current="page"' in page
    r = client.get("/api/v1/cases/worklist?kind=delivery")
    assert [w["number"] for w in r.json()] == [under_review.number]
    assert client.get("/api/v1/cases/worklist?kind=elsewhere").status_code == 422
    apply(under_review, "complete", by=world.rv, now=at(D(3, 5)))
    assert [r["state"] for r in worklist(world.ws, kind="delivery", today=D(3, 5))] == ["completed"]
    apply(under_review, "deliver", by=world.ws, now=at(D(3, 6)), method="window")
    assert worklist(world.ws, kind="delivery", today=D(3, 6)) == []


def test_handler_must_be_a_reviewer_of_the_agency(world, new_case):
    case = new_case(D(3, 2))
    apply(case, "receive", by=world.ws, now=at(D(3, 2)))
    apply(case, "accept", by=world.ws, now=at(D(3, 2)))
    with pytest.raises(CaseError) as err:
        apply(case, "start_review", by=world.rv, handler=make_user(Role.REVIEWER), now=at(D(3, 3)))
    assert err.value.code == "bad_handler"


def test_a_second_open_suspension_is_refused_and_items_may_forbid_them(under_review, world):
    apply(under_review, "suspend", by=world.rv, now=at(D(3, 4)), reason_type="hearing", basis="听证", notice_ref="1")
    with pytest.raises(CaseError) as err:
        apply(under_review, "suspend", by=world.rv, now=at(D(3, 5)), reason_type="hearing", basis="听证",
              notice_ref="2")
    assert err.value.code == "already_suspended"
    with pytest.raises(CaseError) as err:
        apply(under_review, "suspend", by=world.rv, now=at(D(3, 5)), reason_type="weather", basis="x", notice_ref="3")
    assert err.value.code in ("bad_reason_type", "already_suspended")


def test_offered_actions_leave_out_what_the_case_rules_out(under_review, world):
    """The buttons and the API's `actions`: suspend or resume, never both; 即办件 only for immediate items."""
    offered = available_actions(under_review, world.rv)
    assert "suspend" in offered and "resume" not in offered and "complete_immediately" not in offered
    apply(under_review, "suspend", by=world.rv, now=at(D(3, 4)), reason_type="hearing", basis="听证", notice_ref="1")
    offered = available_actions(under_review, world.rv)
    assert "resume" in offered and "suspend" not in offered
    assert permitted(under_review, world.rv, "suspend")  # the table allows it; the guard says why not


def test_withdraw_and_terminate_need_reasons(world, new_case):
    case = new_case(D(3, 2))
    with pytest.raises(CaseError) as err:
        apply(case, "withdraw", by=CITIZEN, now=at(D(3, 2)))
    assert err.value.code == "reason_required"
    with pytest.raises(CaseError) as err:
        apply(case, "terminate", by=world.cm, now=at(D(3, 2)), reason="x")
    assert err.value.code == "legal_cause_required"
    apply(case, "withdraw", by=CITIZEN, now=at(D(3, 2)), reason="不再需要")
    assert case.state == CaseState.WITHDRAWN


def test_files_are_stored_outside_the_database(received, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    row = CaseMaterial.objects.get(case=received, material__name="申请表")
    attach_file(row, b"%PDF-1.4 test", filename="form.PDF", content_type="text/plain")
    assert row.received and row.size == 13 and len(row.sha256) == 64 and row.content_type == "application/pdf"
    stored = (tmp_path / "media" / row.file_path).read_bytes()
    assert b"%PDF" not in stored and read_file(row) == b"%PDF-1.4 test"  # encrypted at rest (S17)
    assert row.file_path.startswith(f"cases/{received.number}/")
    for content, code in [(b"", "empty_file"), (b"MZ\x90\x00 not a scan", "bad_file_type"),
                          (b"%PDF" + b"x" * 30, "file_too_large")]:
        settings.CASE_UPLOAD_MAX_BYTES = 20
        with pytest.raises(CaseError) as err:
            attach_file(row, content, filename="x.pdf")
        assert err.value.code == code
    row.refresh_from_db()
    assert read_file(row) == b"%PDF-1.4 test"
