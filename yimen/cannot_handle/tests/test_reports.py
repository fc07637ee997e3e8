"""Cannot-handle reports: due dates from the center's policy on the seeded 2026 calendar, every
(state, action, actor) of the transition table with no change on refusal, the closing rule, and
append-only events."""

from datetime import date

from django.db import IntegrityError, transaction

import pytest

from yimen.cannot_handle.constants import (
    REPORT_TRANSITIONS,
    ReportChannel,
    ReportState,
    Satisfaction,
    Timeliness,
)
from yimen.cannot_handle.models import CannotHandleEvent, CannotHandleReport
from yimen.cannot_handle.services import (
    CannotHandleError,
    apply,
    assign,
    mark_complex,
    record_contact,
    record_satisfaction,
    resolve,
    start_resolving,
    take_report,
)
from yimen.hall.models import RectificationAnchor, RectificationPolicy, RectificationPreset
from yimen.lib.testing import assert_append_only_in_orm, assert_append_only_in_sql, at

RECEIVED, CONTACTED, RESOLVING, RESOLVED, CLOSED = (ReportState.RECEIVED, ReportState.CONTACTED,
                                                    ReportState.RESOLVING, ReportState.RESOLVED, ReportState.CLOSED)


def _take(desk, day=date(2026, 9, 29), channel=ReportChannel.WINDOW, **kw):
    return take_report(desk.center, by=desk.alice, channel=channel, window=desk.desk,
                       description="跨省社保转移被告知无法办理", reporter_name="李四", reporter_phone="13800001111",
                       now=at(day), **kw)


def _in_state(desk, state):
    report = _take(desk)
    if state != RECEIVED:
        report = record_contact(report, by=desk.alice, note="已电话联系", now=at(date(2026, 9, 30)))
    if state in (RESOLVING, RESOLVED, CLOSED):
        report = start_resolving(report, by=desk.alice, note="协调区人社局")
    if state in (RESOLVED, CLOSED):
        report = resolve(report, "已协调办结", by=desk.alice, now=at(date(2026, 10, 9)))
    if state == CLOSED:
        report = record_satisfaction(report, Satisfaction.SATISFIED, by=desk.alice)
    assert report.state == state
    return report


# --- due dates ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("received", "preset", "channel", "dues"), [
    # 1/4/13 from Tuesday 09-29 across 国庆 (10-01..10-07 off; 10-10 a make-up Saturday)
    (date(2026, 9, 29), None, ReportChannel.WINDOW, (date(2026, 9, 30), date(2026, 10, 10), date(2026, 10, 22))),
    (date(2026, 9, 30), None, ReportChannel.ONLINE, (date(2026, 10, 8), date(2026, 10, 12), date(2026, 10, 23))),
    # the Shanghai 1/5/15 preset
    (date(2026, 9, 29), RectificationPreset.SHANGHAI_1_5_15, ReportChannel.WINDOW,
     (date(2026, 9, 30), date(2026, 10, 12), date(2026, 10, 26))),
    (date(2026, 9, 30), RectificationPreset.SHANGHAI_1_5_15, ReportChannel.WINDOW,
     (date(2026, 10, 8), date(2026, 10, 13), date(2026, 10, 27))),
    # domain.md §7.3: Friday 02-13 before 春节
    (date(2026, 2, 13), None, ReportChannel.WINDOW, (date(2026, 2, 14), date(2026, 2, 26), date(2026, 3, 10))),
    (date(2026, 2, 13), RectificationPreset.SHANGHAI_1_5_15, ReportChannel.WINDOW,
     (date(2026, 2, 14), date(2026, 2, 27), date(2026, 3, 12))),
    # T19: a 12345 hotline report is contacted the same day
    (date(2026, 9, 30), None, ReportChannel.HOTLINE, (date(2026, 9, 30), date(2026, 10, 12), date(2026, 10, 23))),
])
def test_due_dates_come_from_the_center_policy(desk, received, preset, channel, dues):
    if preset:
        RectificationPolicy.objects.create(center=desk.center, preset=preset, contact_wd=1, simple_wd=5,
                                           complex_wd=15)
    report = _take(desk, received, channel)
    assert (report.contact_due, report.simple_due, report.complex_due) == dues
    assert report.feedback_due == dues[1] and not report.deadlines_provisional
    assert report.owner == desk.alice and report.received_by == desk.alice and report.state == RECEIVED
    assert report.events.get().payload["contact_due"] == dues[0].isoformat()


def test_a_policy_change_does_not_move_running_reports(desk):
    report = _take(desk)
    RectificationPolicy.objects.create(center=desk.center, preset=RectificationPreset.SHANGHAI_1_5_15,
                                       simple_wd=5, complex_wd=15)
    report = mark_complex(report, by=desk.manager, reason="涉及跨部门")
    report = record_contact(report, by=desk.alice, note="已联系")
    assert (report.simple_due, report.complex_due) == (date(2026, 10, 10), date(2026, 10, 22))
    assert report.policy_snapshot["preset"] == RectificationPreset.CHONGMING_1_4_13


def test_a_chained_policy_counts_from_the_contact(desk):
    RectificationPolicy.objects.create(center=desk.center, anchor=RectificationAnchor.CHAINED)
    report = _take(desk)
    assert report.simple_due == date(2026, 10, 12)  # from the contact due date 09-30
    report = record_contact(report, by=desk.alice, note="联系晚了", now=at(date(2026, 10, 9)))
    assert (report.simple_due, report.complex_due) == (date(2026, 10, 14), date(2026, 10, 27))
    event = report.events.last()
    assert event.payload["late"] is True and event.payload["simple_due"] == "2026-10-14"


def test_cumulative_contact_late_buys_no_time(desk):
    report = record_contact(_take(desk), by=desk.alice, note="联系晚了", now=at(date(2026, 10, 9)))
    assert report.simple_due == date(2026, 10, 10)
    assert report.events.last().payload["late"] is True


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"channel": "fax"}, "bad_channel"),
    ({"description": "  "}, "description_required"),
    ({"by": None}, "forbidden"),
    ({"by": "outsider"}, "wrong_center"),
    ({"by": "reviewer"}, "forbidden"),
    ({"window": "foreign"}, "wrong_window"),
])
def test_refused_reports_leave_nothing_behind(desk, kwargs, code):
    from yimen.accounts.constants import Role
    from yimen.hall.models import Center, Window
    from yimen.lib.testing import make_user

    args = {"by": desk.alice, "channel": ReportChannel.WINDOW, "description": "无法办理", **kwargs}
    if args["by"] == "outsider":
        args["by"] = desk.outsider
    if args["by"] == "reviewer":
        args["by"] = make_user("reviewer", desk.center, Role.REVIEWER)
    if args.get("window") == "foreign":
        args["window"] = Window.objects.create(center=Center.objects.get(code="xx"), number="01")
    with pytest.raises(CannotHandleError) as exc:
        take_report(desk.center, **args)
    assert exc.value.code == code
    assert not CannotHandleReport.objects.exists()


# --- the transition table -------------------------------------------------------------------------

def _payload(desk, action):
    return {"assign": {"to": desk.bob, "note": "bob 负责社保"}, "record_contact": {"note": "已联系"},
            "start_resolving": {"note": "协调中"}, "mark_complex": {"reason": "涉及跨部门"},
            "resolve": {"resolution": "已办结"}, "record_satisfaction": {"satisfaction": Satisfaction.SATISFIED}}[action]


OPEN_ = (RECEIVED, CONTACTED, RESOLVING)
# (state, action, actor) -> resulting state or refusal code; alice owns every report here.
TABLE = [
    *[(s, "assign", "alice", s) for s in OPEN_], *[(s, "assign", "manager", s) for s in OPEN_],
    *[(s, "assign", "bob", "forbidden") for s in OPEN_],
    (RESOLVED, "assign", "manager", "bad_state"), (CLOSED, "assign", "alice", "bad_state"),
    (RECEIVED, "assign", "outsider", "wrong_center"),
    (RECEIVED, "record_contact", "alice", CONTACTED), (RECEIVED, "record_contact", "manager", CONTACTED),
    (RECEIVED, "record_contact", "bob", "forbidden"),
    *[(s, "record_contact", "alice", "bad_state") for s in (CONTACTED, RESOLVING, RESOLVED, CLOSED)],
    (CONTACTED, "start_resolving", "alice", RESOLVING), (CONTACTED, "start_resolving", "manager", RESOLVING),
    (CONTACTED, "start_resolving", "bob", "forbidden"),
    *[(s, "start_resolving", "alice", "bad_state") for s in (RECEIVED, RESOLVING, RESOLVED, CLOSED)],
    *[(s, "mark_complex", "manager", s) for s in OPEN_],
    *[(s, "mark_complex", "alice", "forbidden") for s in OPEN_],
    (RESOLVED, "mark_complex", "manager", "bad_state"), (CLOSED, "mark_complex", "manager", "bad_state"),
    (CONTACTED, "resolve", "alice", RESOLVED), (RESOLVING, "resolve", "alice", RESOLVED),
    (RESOLVING, "resolve", "manager", RESOLVED), (RESOLVING, "resolve", "bob", "forbidden"),
    *[(s, "resolve", "alice", "bad_state") for s in (RECEIVED, RESOLVED, CLOSED)],
    (RESOLVED, "record_satisfaction", "alice", CLOSED), (RESOLVED, "record_satisfaction", "manager", CLOSED),
    (RESOLVED, "record_satisfaction", "bob", "forbidden"),
    *[(s, "record_satisfaction", "alice", "resolution_required") for s in OPEN_],
    (CLOSED, "record_satisfaction", "alice", "bad_state"),
]


def test_the_table_covers_every_state_and_action():
    covered = {(state, action) for state, action, _actor, _result in TABLE}
    assert covered == {(s, a) for s in ReportState.values for a in REPORT_TRANSITIONS if a != "take_report"}


def _snapshot(report):
    row = CannotHandleReport.objects.get(pk=report.pk)
    return {f.attname: getattr(row, f.attname) for f in CannotHandleReport._meta.concrete_fields}


@pytest.mark.parametrize(("state", "action", "actor", "result"), TABLE)
def test_transition_table(desk, state, action, actor, result):
    report = _in_state(desk, state)
    before = _snapshot(report)
    events = report.events.count()
    by = getattr(desk, actor)
    if result in ReportState.values:
        after = apply(report, action, by=by, **_payload(desk, action))
        assert after.state == result and after.version == before["version"] + 1
        event = after.events.last()
        assert (event.seq, event.action, event.from_state, event.to_state, event.actor) == (
            events + 1, action, state, result, by)
    else:
        with pytest.raises(CannotHandleError) as exc:
            apply(report, action, by=by, **_payload(desk, action))
        assert exc.value.code == result
        assert _snapshot(report) == before
        assert report.events.count() == events


@pytest.mark.parametrize(("state", "action", "payload", "code"), [
    (RECEIVED, "assign", {"to": None}, "bad_owner"),
    (RECEIVED, "assign", {"to": "alice"}, "same_owner"),
    (RECEIVED, "assign", {"to": "outsider"}, "bad_owner"),
    (RECEIVED, "record_contact", {"note": " "}, "note_required"),
    (CONTACTED, "start_resolving", {"note": ""}, "note_required"),
    (RECEIVED, "mark_complex", {"reason": ""}, "reason_required"),
    (CONTACTED, "resolve", {"resolution": "  "}, "resolution_required"),
    (RESOLVED, "record_satisfaction", {"satisfaction": ""}, "satisfaction_required"),
    (RESOLVED, "record_satisfaction", {"satisfaction": "meh"}, "satisfaction_required"),
    (RECEIVED, "no_such_action", {}, "unknown_action"),
    (RECEIVED, "take_report", {}, "unknown_action"),
])
def test_guards_refuse_without_change(desk, state, action, payload, code):
    report = _in_state(desk, state)
    before = _snapshot(report)
    payload = {k: getattr(desk, v) if k == "to" and v else v for k, v in payload.items()}
    by = desk.manager if action == "mark_complex" else desk.alice
    with pytest.raises(CannotHandleError) as exc:
        apply(report, action, by=by, **payload)
    assert exc.value.code == code
    assert _snapshot(report) == before


def test_marking_complex_twice_is_refused(desk):
    report = mark_complex(_take(desk), by=desk.manager, reason="涉及跨部门")
    with pytest.raises(CannotHandleError) as exc:
        mark_complex(report, by=desk.manager, reason="again")
    assert exc.value.code == "already_complex"


def test_assignment_moves_ownership_with_an_event(desk):
    report = assign(_take(desk), desk.bob, by=desk.manager, note="bob 负责社保")
    assert report.owner == desk.bob and report.received_by == desk.alice
    assert report.events.last().payload == {"from_owner": desk.alice.pk, "to_owner": desk.bob.pk,
                                            "note": "bob 负责社保"}
    with pytest.raises(CannotHandleError) as exc:
        record_contact(report, by=desk.alice, note="x")
    assert exc.value.code == "forbidden"
    assert record_contact(report, by=desk.bob, note="已联系").state == CONTACTED


@pytest.mark.parametrize(("complex_", "resolved_on", "timeliness"), [
    (False, date(2026, 10, 10), Timeliness.ON_TIME),   # simple due 10-10 (make-up Saturday)
    (False, date(2026, 10, 12), Timeliness.LATE),
    (True, date(2026, 10, 12), Timeliness.ON_TIME),    # complex due 10-22
    (True, date(2026, 10, 22), Timeliness.ON_TIME),
    (True, date(2026, 10, 23), Timeliness.LATE),
])
def test_resolving_records_timeliness_against_the_applicable_due(desk, complex_, resolved_on, timeliness):
    report = _in_state(desk, CONTACTED)
    if complex_:
        report = mark_complex(report, by=desk.manager, reason="涉及跨部门")
        assert report.feedback_due == date(2026, 10, 22) and report.events.last().payload["feedback_due"] == {
            "before": "2026-10-10", "after": "2026-10-22"}
    report = resolve(report, "已办结", by=desk.alice, now=at(resolved_on))
    assert (report.resolved_on, report.timeliness) == (resolved_on, timeliness)


def test_closing_needs_a_resolution_and_a_satisfaction(desk):
    report = _in_state(desk, CLOSED)
    assert (report.resolution, report.satisfaction) == ("已协调办结", Satisfaction.SATISFIED)
    assert report.closed_at is not None
    assert list(report.events.values_list("action", flat=True)) == [
        "take_report", "record_contact", "start_resolving", "resolve", "record_satisfaction"]
    assert list(report.events.values_list("seq", flat=True)) == [1, 2, 3, 4, 5]
    other = _in_state(desk, RESOLVING)
    for fields in ({"state": CLOSED, "satisfaction": Satisfaction.SATISFIED},
                   {"state": CLOSED, "resolution": "x", "resolved_on": date(2026, 10, 9)},
                   {"state": RESOLVED}):
        with pytest.raises(IntegrityError), transaction.atomic():
            CannotHandleReport.objects.filter(pk=other.pk).update(**fields)


def test_a_stale_copy_is_a_conflict(desk):
    report = _take(desk)
    stale = CannotHandleReport.objects.get(pk=report.pk)
    record_contact(report, by=desk.alice, note="已联系")
    with pytest.raises(CannotHandleError) as exc:
        mark_complex(stale, by=desk.manager, reason="x")
    assert exc.value.code == "conflict"
    assert not CannotHandleReport.objects.get(pk=report.pk).is_complex


# --- events and personal data -------------------------------------------------------------------

def test_events_are_append_only(desk):
    event = _take(desk).events.get()
    assert_append_only_in_orm(event)
    assert_append_only_in_sql(event)
    assert CannotHandleEvent.objects.get(pk=event.pk).action == "take_report"


def test_reporter_data_is_masked(desk, admin_client):
    report = _take(desk)
    assert "李四" not in str(report) and "李*" in str(report)
    for url in ("/admin/cannot_handle/cannothandlereport/", "/admin/cannot_handle/cannothandleevent/",
                f"/admin/cannot_handle/cannothandlereport/{report.pk}/change/"):
        response = admin_client.get(url)
        assert response.status_code == 200
        page = response.content.decode()
        assert "13800001111" not in page and "李四" not in page
    assert "138****1111" in admin_client.get("/admin/cannot_handle/cannothandlereport/").content.decode()
