"""domain.md §7.2, row by row: the pure deadline functions, then the same through `apply`."""

from datetime import date

import pytest

from yimen.cases import deadlines
from yimen.cases.constants import CaseOutcome, CaseState
from yimen.cases.models import CaseEvent
from yimen.cases.services import CaseError, apply, case_dues, sweep

from .factories import at, make_case_item

pytestmark = pytest.mark.django_db

D = lambda m, d: date(2026, m, d)  # noqa: E731
SNAP = {"legal_limit": 20, "legal_unit": "WD", "promised_limit": 20, "promised_unit": "WD",
        "correction_notice_wd": 5, "delivery_wd": 10, "roll_forward": True}


@pytest.mark.parametrize(("anchors", "field", "expected"), [
    ({"received_on": D(2, 10)}, "correction_notice_due", D(2, 24)),
    ({"received_on": D(2, 12)}, "correction_notice_due", D(2, 26)),
    ({"accepted_on": D(2, 10)}, "legal_due", D(3, 16)),
    ({"accepted_on": D(2, 9)}, "legal_due", D(3, 13)),
    ({"accepted_on": D(2, 9), "extension_days": 10}, "legal_due", D(3, 27)),
    ({"decided_on": D(3, 27)}, "delivery_due", D(4, 13)),
    ({"accepted_on": D(2, 2)}, "legal_due", D(3, 6)),
    ({"accepted_on": D(2, 2), "suspensions": ((D(2, 5), D(2, 26)),)}, "legal_due", D(3, 20)),
    ({"accepted_on": D(2, 2), "suspensions": ((D(2, 5), D(2, 26)),), "extension_days": 10}, "legal_due", D(4, 3)),
    ({"accepted_on": D(2, 2), "suspensions": ((D(2, 5), D(2, 26)),), "extension_days": 10,
      "snapshot": {**SNAP, "legal_limit": 21}}, "legal_due", D(4, 7)),
    ({"accepted_on": D(2, 2), "suspensions": ((D(2, 5), None),)}, "legal_due", None),
])
def test_worked_examples_pure(calendar, anchors, field, expected):
    a = deadlines.Anchors(**{"snapshot": SNAP, **anchors})
    assert getattr(deadlines.compute(a, calendar), field) == expected


def test_open_suspension_leaves_17_days(calendar):
    a = deadlines.Anchors(SNAP, accepted_on=D(2, 2), suspensions=((D(2, 5), None),))
    dues = deadlines.compute(a, calendar)
    assert dues.legal_due is None and dues.legal_remaining == 17


def test_extension_moves_promised_due_only_when_configured(calendar, settings):
    a = deadlines.Anchors(SNAP, accepted_on=D(2, 9), extension_days=10)
    assert deadlines.compute(a, calendar).promised_due == D(3, 13)
    settings.EXTENSION_MOVES_PROMISED_DUE = True
    assert deadlines.compute(a, calendar).promised_due == D(3, 27)


def _received(world, new_case, day):
    case = new_case(day)
    apply(case, "receive", by=world.ws, now=at(day))
    return case


def _accepted(world, new_case, day, **kw):
    case = new_case(day, **kw)
    apply(case, "receive", by=world.ws, now=at(day, 9))
    apply(case, "accept", by=world.ws, now=at(day, 11))
    return case


@pytest.mark.parametrize(("received", "due"), [(D(2, 10), D(2, 24)), (D(2, 12), D(2, 26))])
def test_receipt_sets_correction_notice_due(world, new_case, received, due):
    case = _received(world, new_case, received)
    assert case.correction_notice_due == due
    assert case.receipts.count() == 1 and case.documents.filter(kind="receipt").count() == 1


def test_silence_past_t3_is_deemed_acceptance_once(world, new_case):
    case = _received(world, new_case, D(2, 10))
    assert sweep(now=at(D(2, 24), 23))["deemed_accepted"] == 0  # still in time on the last day
    stats = sweep(now=at(D(2, 25), 0))
    case.refresh_from_db()
    assert stats["deemed_accepted"] == 1
    assert (case.state, case.accepted_on, case.deemed_accepted, case.legal_due) == (
        CaseState.ACCEPTED, D(2, 10), True, D(3, 16))
    events, version = CaseEvent.objects.filter(case=case).count(), case.version
    again = sweep(now=at(D(2, 25), 0))
    case.refresh_from_db()
    assert again["deemed_accepted"] == 0
    assert (CaseEvent.objects.filter(case=case).count(), case.version) == (events, version)


def test_extension_and_delivery(world, new_case):
    case = _accepted(world, new_case, D(2, 9))
    assert case.legal_due == D(3, 13)
    apply(case, "start_review", by=world.rv, now=at(D(2, 10)))
    apply(case, "extend", by=world.rv, now=at(D(3, 12)), reason="需要现场核查", approved_by="局长 李四")
    assert case.legal_due == D(3, 27)
    with pytest.raises(CaseError) as err:
        apply(case, "extend", by=world.rv, now=at(D(3, 12)), reason="再延", approved_by="局长 李四")
    assert err.value.code == "too_many_extensions"
    apply(case, "decide", by=world.rv, now=at(D(3, 27)), outcome=CaseOutcome.APPROVED)
    assert case.delivery_due == D(4, 13)


def test_suspension_extension_and_21_day_limit(world, new_case):
    item, situation = make_case_item(legal_limit=21, agency=world.agency)
    case = _accepted(world, new_case, D(2, 2), item=item, situation=situation)
    assert case.legal_due == D(3, 9)
    apply(case, "suspend", by=world.rv, now=at(D(2, 5)), reason_type="testing", basis="《行政许可法》第四十五条",
          notice_ref="检测告知书 1 号")
    assert case.is_suspended and case.legal_due is None
    assert case_dues(case).legal_remaining == 18
    apply(case, "resume", by=world.rv, now=at(D(2, 26)))
    assert case.legal_due == D(3, 23)
    apply(case, "extend", by=world.rv, now=at(D(3, 2)), reason="检测复杂", approved_by="局长 李四")
    assert case.legal_due == D(4, 7)


def test_suspended_accepted_0202(world, new_case):
    case = _accepted(world, new_case, D(2, 2))
    assert case.legal_due == D(3, 6)
    apply(case, "suspend", by=world.rv, now=at(D(2, 5)), reason_type="hearing", basis="听证", notice_ref="告知 2")
    assert case_dues(case).legal_remaining == 17
    apply(case, "resume", by=world.rv, now=at(D(2, 26)))
    assert case.legal_due == D(3, 20)
    apply(case, "extend", by=world.rv, now=at(D(3, 20)), reason="复杂", approved_by="局长")
    assert case.legal_due == D(4, 3)


# --- the refusals of §7.2 -------------------------------------------------------------------------

def test_extension_after_legal_due_is_refused(world, new_case):
    case = _accepted(world, new_case, D(2, 9))
    with pytest.raises(CaseError) as err:
        apply(case, "extend", by=world.rv, now=at(D(3, 16)), reason="晚了", approved_by="局长")
    assert err.value.code == "extension_too_late"


def test_decide_while_suspended_is_refused(world, new_case):
    case = _accepted(world, new_case, D(2, 2))
    apply(case, "start_review", by=world.rv, now=at(D(2, 3)))
    apply(case, "suspend", by=world.rv, now=at(D(2, 5)), reason_type="inspection", basis="检验", notice_ref="告知 3")
    with pytest.raises(CaseError) as err:
        apply(case, "decide", by=world.rv, now=at(D(2, 6)), outcome=CaseOutcome.APPROVED)
    assert err.value.code == "suspended"


@pytest.mark.parametrize("payload", [{}, {"reasons": "材料不符"}, {"remedies": "可申请复议"},
                                     {"reasons": " ", "remedies": "可申请复议"}])
def test_reject_without_reasons_and_remedies_is_refused(world, new_case, payload):
    case = _received(world, new_case, D(2, 10))
    with pytest.raises(CaseError) as err:
        apply(case, "reject", by=world.rv, now=at(D(2, 11)), **payload)
    assert err.value.code == "reasons_required"
    case.refresh_from_db()
    assert case.state == CaseState.RECEIVED


def test_denial_without_reasons_is_refused(world, new_case):
    case = _accepted(world, new_case, D(2, 9))
    apply(case, "start_review", by=world.rv, now=at(D(2, 10)))
    with pytest.raises(CaseError) as err:
        apply(case, "decide", by=world.rv, now=at(D(2, 11)), outcome=CaseOutcome.DENIED, reasons="不符合条件")
    assert err.value.code == "reasons_required"
    apply(case, "decide", by=world.rv, now=at(D(2, 11)), outcome=CaseOutcome.DENIED, reasons="不符合条件",
          remedies="可于六十日内申请行政复议或六个月内提起行政诉讼")
    assert (case.state, case.outcome) == (CaseState.DECIDED, CaseOutcome.DENIED)


def test_correction_request_after_the_notice_due_date_is_refused(world, new_case):
    case = _received(world, new_case, D(2, 10))
    material = case.guide.materials.get(name="申请表")
    with pytest.raises(CaseError) as err:
        apply(case, "request_correction", by=world.ws, now=at(D(2, 25)),
              items=[{"material": material, "problem": "未签字"}])
    assert err.value.code == "correction_too_late"
    apply(case, "request_correction", by=world.ws, now=at(D(2, 24), 23),
          items=[{"material": material, "problem": "未签字"}])
    assert case.state == CaseState.CORRECTION_REQUESTED


def test_provisional_deadlines_warn_one_working_day_earlier(calendar):
    """domain.md §7.4: 2026-12-28 + 5 WD reaches unverified 2027: 2027-01-04 by the weekly rule, 暂定."""
    a = deadlines.Anchors(SNAP, received_on=date(2026, 12, 28))
    dues = deadlines.compute(a, calendar)
    assert (dues.correction_notice_due, dues.provisional) == (date(2027, 1, 4), True)
    assert deadlines.warning_from(date(2026, 12, 28), date(2027, 1, 4), True, calendar) == date(2026, 12, 30)
    assert deadlines.warning_from(date(2026, 12, 28), date(2027, 1, 4), False, calendar) == date(2026, 12, 31)
    a = deadlines.Anchors(SNAP, received_on=date(2026, 12, 24))
    assert deadlines.compute(a, calendar).correction_notice_due == date(2026, 12, 31)
    assert not deadlines.compute(a, calendar).provisional


@pytest.mark.parametrize(("completed", "expected"), [(D(3, 12), "early"), (D(3, 13), "on_time"),
                                                     (D(3, 16), "late")])
def test_timeliness_against_the_promised_limit(completed, expected):
    assert deadlines.timeliness(completed, D(3, 13), D(4, 1)) == expected
