"""My open follow-ups, their working days left and SLA status over dates (domain.md §2.4),
overdue follow-ups per center, and masked contact data in the admin."""

from datetime import date

import pytest

from yimen.inquiries.constants import InquiryOutcome
from yimen.inquiries.models import InquiryPolicy
from yimen.inquiries.services import answer, follow_up_sla, hand_over, overdue_follow_ups, register, worklist
from yimen.lib.testing import at
from yimen.workdays.sla import SlaStatus


def _follow_up(desk, day, by=None, topic="咨询"):
    return register(desk.center, by=by or desk.alice, topic=topic, outcome=InquiryOutcome.FOLLOW_UP, now=at(day))


@pytest.mark.parametrize(("today", "status", "wd_left"), [
    # registered 09-30, due 10-09 (2 WD across 国庆): two days or fewer left is already a warning
    (date(2026, 9, 30), SlaStatus.WARNING, 2),
    (date(2026, 10, 5), SlaStatus.WARNING, 2),
    (date(2026, 10, 8), SlaStatus.WARNING, 1),
    (date(2026, 10, 9), SlaStatus.DUE_TODAY, 0),
    (date(2026, 10, 10), SlaStatus.OVERDUE, -1),  # make-up Saturday
    (date(2026, 10, 11), SlaStatus.OVERDUE, -1),
    (date(2026, 10, 12), SlaStatus.OVERDUE, -2),
])
def test_sla_status_of_a_two_day_follow_up(desk, today, status, wd_left):
    sla = follow_up_sla(_follow_up(desk, date(2026, 9, 30)), today=today)
    assert (sla.status, sla.wd_left, sla.due) == (status, wd_left, date(2026, 10, 9))


@pytest.mark.parametrize(("today", "status", "wd_left"), [
    # 20 WD from Monday 11-02: due 11-30; warning at 80 % elapsed (4 days left), before the 2-day rule
    (date(2026, 11, 2), SlaStatus.OK, 20),
    (date(2026, 11, 23), SlaStatus.OK, 5),
    (date(2026, 11, 24), SlaStatus.WARNING, 4),
    (date(2026, 11, 27), SlaStatus.WARNING, 1),
    (date(2026, 11, 30), SlaStatus.DUE_TODAY, 0),
    (date(2026, 12, 1), SlaStatus.OVERDUE, -1),
])
def test_sla_status_of_a_longer_follow_up(desk, today, status, wd_left):
    InquiryPolicy.objects.create(center=desk.center, follow_up_wd=20)
    sla = follow_up_sla(_follow_up(desk, date(2026, 11, 2)), today=today)
    assert (sla.status, sla.wd_left, sla.due) == (status, wd_left, date(2026, 11, 30))


def test_answered_inquiries_have_no_sla(desk):
    inquiry = answer(_follow_up(desk, date(2026, 9, 30)), "done", by=desk.alice)
    assert follow_up_sla(inquiry, today=date(2026, 12, 1)) is None


def test_worklist_lists_my_open_follow_ups_by_due_date(desk):
    late = _follow_up(desk, date(2026, 10, 9), topic="late")        # due 10-12 (10-10 is a make-up Saturday)
    early = _follow_up(desk, date(2026, 9, 29), topic="early")      # due 10-08
    answered = answer(_follow_up(desk, date(2026, 9, 28)), "done", by=desk.alice)
    handed = hand_over(_follow_up(desk, date(2026, 9, 28), topic="handed"), desk.bob, by=desk.alice, reason="bob's")
    _follow_up(desk, date(2026, 9, 28), by=desk.bob, topic="bob's own")
    register(desk.center, by=desk.alice, topic="on the spot", outcome=InquiryOutcome.ANSWERED, answer="ok")

    rows = worklist(desk.alice, today=date(2026, 10, 9))
    assert [r.inquiry.pk for r in rows] == [early.pk, late.pk]
    assert [(r.due, r.wd_left, r.status) for r in rows] == [
        (date(2026, 10, 8), -1, SlaStatus.OVERDUE), (date(2026, 10, 12), 2, SlaStatus.WARNING)]
    assert answered.pk not in [r.inquiry.pk for r in rows]
    assert [r.inquiry.topic for r in worklist(desk.bob, today=date(2026, 10, 9))] == ["handed", "bob's own"]
    assert handed.first_staff == desk.alice


def test_overdue_follow_ups_of_a_center(desk):
    overdue = _follow_up(desk, date(2026, 9, 29))                     # due 10-08
    due_today = _follow_up(desk, date(2026, 9, 30))                   # due 10-09
    answer(_follow_up(desk, date(2026, 9, 28)), "answered late", by=desk.alice)
    assert list(overdue_follow_ups(desk.center, today=date(2026, 10, 9))) == [overdue]
    assert list(overdue_follow_ups(desk.center, today=date(2026, 10, 10))) == [overdue, due_today]


def test_admin_lists_mask_contact_data(desk, admin_client):
    inquiry = register(desk.center, by=desk.alice, topic="户口迁移", outcome=InquiryOutcome.FOLLOW_UP,
                       contact_name="张三丰", contact_phone="13912345678")
    for url in ("/admin/inquiries/inquiry/", "/admin/inquiries/inquiryevent/",
                f"/admin/inquiries/inquiry/{inquiry.pk}/change/"):
        response = admin_client.get(url)
        assert response.status_code == 200
        page = response.content.decode()
        assert "13912345678" not in page and "张三丰" not in page
    page = admin_client.get("/admin/inquiries/inquiry/").content.decode()
    assert "139****5678" in page
