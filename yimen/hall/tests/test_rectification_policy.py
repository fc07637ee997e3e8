"""A center's rectification policy: presets, the 15-day ceiling and the due dates (domain.md §2.3
T15–T20, §7.3), on the seeded 2026 calendar."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

import pytest

from yimen.hall.models import Center
from yimen.hall.rectification import (
    RectificationAnchor,
    RectificationPolicy,
    RectificationPreset,
    deadlines,
    from_snapshot,
    policy_for,
    snapshot,
)
from yimen.workdays.services import default_calendar


@pytest.fixture
def center(calendar):
    return Center.objects.create(code="cm", name="崇明区行政服务中心", calendar=default_calendar())


def _policy(center, **kw) -> RectificationPolicy:
    policy = RectificationPolicy(center=center, **kw)
    policy.full_clean()
    policy.save()
    return policy


def test_a_center_without_a_row_gets_the_chongming_default(center):
    policy = policy_for(center)
    assert policy.pk is None
    assert (policy.preset, policy.contact_wd, policy.simple_wd, policy.complex_wd) == (
        RectificationPreset.CHONGMING_1_4_13, 1, 4, 13)
    assert (policy.callback_wd, policy.max_rounds, policy.unreachable_attempts) == (3, 2, 3)
    assert policy.anchor == RectificationAnchor.RECEIPT


def test_a_center_row_wins_and_a_preset_sets_its_own_numbers(center):
    _policy(center, preset=RectificationPreset.SHANGHAI_1_5_15, contact_wd=2, simple_wd=9, complex_wd=14)
    policy = policy_for(center)
    assert policy.pk is not None
    assert (policy.contact_wd, policy.simple_wd, policy.complex_wd) == (1, 5, 15)


@pytest.mark.parametrize(("received", "preset", "expected"), [
    # domain.md §7.3: Friday 02-13, the next day is a make-up Saturday
    (date(2026, 2, 13), RectificationPreset.CHONGMING_1_4_13, (date(2026, 2, 14), date(2026, 2, 26), date(2026, 3, 10))),
    (date(2026, 2, 13), RectificationPreset.SHANGHAI_1_5_15, (date(2026, 2, 14), date(2026, 2, 27), date(2026, 3, 12))),
    # across 国庆 (10-01..10-07 off) with the make-up Saturday 10-10
    (date(2026, 9, 29), RectificationPreset.CHONGMING_1_4_13, (date(2026, 9, 30), date(2026, 10, 10), date(2026, 10, 22))),
    (date(2026, 9, 29), RectificationPreset.SHANGHAI_1_5_15, (date(2026, 9, 30), date(2026, 10, 12), date(2026, 10, 26))),
    (date(2026, 9, 30), RectificationPreset.CHONGMING_1_4_13, (date(2026, 10, 8), date(2026, 10, 12), date(2026, 10, 23))),
    (date(2026, 9, 30), RectificationPreset.SHANGHAI_1_5_15, (date(2026, 10, 8), date(2026, 10, 13), date(2026, 10, 27))),
    # received on a holiday: day 1 is the first working day after it (劳动节 05-01..05-05)
    (date(2026, 5, 2), RectificationPreset.CHONGMING_1_4_13, (date(2026, 5, 6), date(2026, 5, 9), date(2026, 5, 21))),
])
def test_due_dates_count_cumulatively_from_receipt(center, received, preset, expected):
    dues = deadlines(_policy(center, preset=preset), received)
    assert (dues.contact.date, dues.simple.date, dues.complex.date) == expected
    assert not dues.provisional
    assert dues.feedback(False) == dues.simple and dues.feedback(True) == dues.complex


def test_a_late_contact_buys_no_time_unless_chained(center):
    cumulative = _policy(center)
    assert deadlines(cumulative, date(2026, 9, 29), contacted_on=date(2026, 10, 9)).simple.date == date(2026, 10, 10)
    cumulative.anchor = RectificationAnchor.CHAINED
    chained = deadlines(cumulative, date(2026, 9, 29), contacted_on=date(2026, 10, 9))
    assert (chained.contact.date, chained.simple.date, chained.complex.date) == (
        date(2026, 9, 30), date(2026, 10, 14), date(2026, 10, 27))  # 10-10 is a make-up Saturday
    # not contacted yet: chained from the contact due date (09-30 + 4 WD)
    assert deadlines(cumulative, date(2026, 9, 29)).simple.date == date(2026, 10, 12)


def test_hotline_override_contacts_the_same_day(center):
    assert deadlines(policy_for(center), date(2026, 9, 30), contact_wd=0).contact.date == date(2026, 9, 30)


@pytest.mark.parametrize(("numbers", "ok"), [
    ((1, 4, 15), True),
    ((1, 4, 16), False),   # T20: a complex limit of more than 15 working days
    ((2, 1, 10), False),   # contact after the simple limit
    ((1, 8, 6), False),    # simple after complex
])
def test_custom_numbers_are_validated(center, numbers, ok):
    contact, simple, complex_ = numbers
    policy = RectificationPolicy(center=center, preset=RectificationPreset.CUSTOM, contact_wd=contact,
                                 simple_wd=simple, complex_wd=complex_)
    if ok:
        policy.full_clean()
    else:
        with pytest.raises(ValidationError):
            policy.full_clean()


def test_the_database_refuses_a_complex_limit_over_15(center):
    with pytest.raises(IntegrityError), transaction.atomic():
        RectificationPolicy.objects.create(center=center, preset=RectificationPreset.CUSTOM, complex_wd=16)
    policy = _policy(center)
    with pytest.raises(IntegrityError), transaction.atomic():
        RectificationPolicy.objects.filter(pk=policy.pk).update(complex_wd=20)
    assert RectificationPolicy.objects.get(pk=policy.pk).complex_wd == 13


def test_a_snapshot_keeps_the_numbers(center):
    policy = _policy(center, preset=RectificationPreset.SHANGHAI_1_5_15)
    data = snapshot(policy)
    assert data["simple_wd"] == 5 and data["anchor"] == "receipt"
    copy = from_snapshot(data)
    assert copy.pk is None and (copy.contact_wd, copy.simple_wd, copy.complex_wd) == (1, 5, 15)


def test_admin_saves_are_audited_and_the_ceiling_holds(center, admin_client):
    from yimen.auditlog.services import events_for

    url = "/admin/hall/rectificationpolicy/add/"
    form = {"center": center.pk, "preset": "custom", "contact_wd": 1, "simple_wd": 4, "complex_wd": 16,
            "callback_wd": 3, "max_rounds": 2, "unreachable_attempts": 3, "anchor": "receipt"}
    response = admin_client.post(url, form)
    assert response.status_code == 200 and not RectificationPolicy.objects.exists()  # form error: > 15
    response = admin_client.post(url, {**form, "preset": "shanghai_1_5_15"})
    assert response.status_code == 302
    policy = RectificationPolicy.objects.get(center=center)
    assert (policy.contact_wd, policy.simple_wd, policy.complex_wd) == (1, 5, 15)
    event = events_for(policy).get()
    assert event.action == "hall.rectification_policy.saved" and event.data["after"]["complex_wd"] == 15
