"""SLA status of cannot-handle reports over dates (worst open deadline, computed on read) and the
owner's worklist."""

from datetime import date

import pytest

from yimen.cannot_handle.constants import ReportChannel, Satisfaction
from yimen.cannot_handle.services import (
    assign,
    mark_complex,
    record_contact,
    record_satisfaction,
    report_sla,
    resolve,
    take_report,
    worklist,
)
from yimen.hall.models import RectificationPolicy, RectificationPreset
from yimen.lib.testing import at
from yimen.workdays.sla import SlaStatus


def _take(desk, day=date(2026, 9, 29), by=None, description="无法办理"):
    return take_report(desk.center, by=by or desk.alice, channel=ReportChannel.WINDOW, description=description,
                       now=at(day))


@pytest.mark.parametrize(("today", "status", "wd_left", "due"), [
    # received 09-29: contact due 09-30 is the worst open deadline until contacted
    (date(2026, 9, 29), SlaStatus.WARNING, 1, date(2026, 9, 30)),
    (date(2026, 9, 30), SlaStatus.DUE_TODAY, 0, date(2026, 9, 30)),
    (date(2026, 10, 3), SlaStatus.OVERDUE, 0, date(2026, 9, 30)),  # 国庆: no working day has passed yet
    (date(2026, 10, 8), SlaStatus.OVERDUE, -1, date(2026, 9, 30)),
])
def test_an_uncontacted_report(desk, today, status, wd_left, due):
    sla = report_sla(_take(desk), today=today)
    assert (sla.status, sla.wd_left, sla.due) == (status, wd_left, due)


@pytest.mark.parametrize(("today", "status", "wd_left"), [
    # contacted 09-30; simple due 10-10 (4 WD: 09-30, 10-08, 10-09, 10-10 make-up Saturday)
    (date(2026, 9, 30), SlaStatus.OK, 3),
    (date(2026, 10, 5), SlaStatus.OK, 3),
    (date(2026, 10, 8), SlaStatus.WARNING, 2),
    (date(2026, 10, 9), SlaStatus.WARNING, 1),
    (date(2026, 10, 10), SlaStatus.DUE_TODAY, 0),
    (date(2026, 10, 11), SlaStatus.OVERDUE, 0),
    (date(2026, 10, 12), SlaStatus.OVERDUE, -1),
])
def test_a_contacted_simple_report(desk, today, status, wd_left):
    report = record_contact(_take(desk), by=desk.alice, note="已联系", now=at(date(2026, 9, 30)))
    sla = report_sla(report, today=today)
    assert (sla.status, sla.wd_left, sla.due) == (status, wd_left, date(2026, 10, 10))


@pytest.mark.parametrize(("today", "status", "wd_left"), [
    # Shanghai preset, complex: due 10-26 (15 WD); 80 % elapsed (12 WD) on 10-21 comes before "2 left"
    (date(2026, 10, 12), SlaStatus.OK, 10),
    (date(2026, 10, 20), SlaStatus.OK, 4),
    (date(2026, 10, 21), SlaStatus.WARNING, 3),
    (date(2026, 10, 26), SlaStatus.DUE_TODAY, 0),
    (date(2026, 10, 27), SlaStatus.OVERDUE, -1),
])
def test_a_complex_report_on_the_shanghai_preset(desk, today, status, wd_left):
    RectificationPolicy.objects.create(center=desk.center, preset=RectificationPreset.SHANGHAI_1_5_15,
                                       simple_wd=5, complex_wd=15)
    report = record_contact(_take(desk), by=desk.alice, note="已联系", now=at(date(2026, 9, 30)))
    report = mark_complex(report, by=desk.manager, reason="涉及跨部门")
    sla = report_sla(report, today=today)
    assert (sla.status, sla.wd_left, sla.due) == (status, wd_left, date(2026, 10, 26))


def test_resolved_and_closed_reports_have_no_sla(desk):
    report = record_contact(_take(desk), by=desk.alice, note="已联系")
    report = resolve(report, "已办结", by=desk.alice)
    assert report_sla(report, today=date(2026, 12, 31)) is None
    report = record_satisfaction(report, Satisfaction.BASICALLY_SATISFIED, by=desk.alice)
    assert report_sla(report, today=date(2026, 12, 31)) is None


def test_worklist_lists_my_open_reports_most_urgent_first(desk):
    contacted = record_contact(_take(desk, date(2026, 9, 28), description="contacted"), by=desk.alice, note="ok",
                               now=at(date(2026, 9, 28)))                      # simple due 10-09
    fresh = _take(desk, date(2026, 10, 8), description="fresh")                # contact due 10-09 … tie
    older = _take(desk, date(2026, 9, 29), description="older")                # contact due 09-30
    handed = assign(_take(desk, description="handed"), desk.bob, by=desk.manager)
    done = resolve(record_contact(_take(desk), by=desk.alice, note="ok"), "已办结", by=desk.alice)

    rows = worklist(desk.alice, today=date(2026, 10, 8))
    assert [r.report.pk for r in rows] == [older.pk, contacted.pk, fresh.pk]
    assert [(r.due, r.wd_left, r.status) for r in rows] == [
        (date(2026, 9, 30), -1, SlaStatus.OVERDUE),
        (date(2026, 10, 9), 1, SlaStatus.WARNING),
        (date(2026, 10, 9), 1, SlaStatus.WARNING),
    ]
    assert done.pk not in [r.report.pk for r in rows]
    assert [r.report.pk for r in worklist(desk.bob, today=date(2026, 10, 8))] == [handed.pk]
