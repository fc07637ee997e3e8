from datetime import date, timedelta

import holidays
import pytest

from yimen.auditlog.models import LogEntry
from yimen.workdays import services
from yimen.workdays.constants import DayKind, YearStatus
from yimen.workdays.models import CalendarDay, CalendarYear

# The one documented difference with the `holidays` package (docs/calendar.md): chinesecalendar
# marks Saturday 2005-12-31 as a holiday, `holidays` 0.109 as a weekend make-up workday.
KNOWN_DIFFERENCES = {date(2005, 12, 31)}


def test_seeding_twice_changes_nothing(calendar):
    count = CalendarDay.objects.count()
    years = CalendarYear.objects.count()
    assert services.seed_from_chinesecalendar() == {"days_added": 0, "years_added": []}
    assert CalendarDay.objects.count() == count
    assert CalendarYear.objects.count() == years == 23
    assert set(CalendarYear.objects.values_list("status", flat=True)) == {YearStatus.VERIFIED}


def test_admin_edits_survive_reseeding(calendar):
    services.set_day(date(2026, 2, 16), DayKind.LOCAL_CLOSURE, name="typhoon closure")
    services.seed_from_chinesecalendar()
    row = CalendarDay.objects.get(date=date(2026, 2, 16))
    assert row.kind == DayKind.LOCAL_CLOSURE
    assert row.source == "admin"


def test_editing_a_day_bumps_version_audits_and_refreshes_the_snapshot(calendar):
    before = services.get_calendar()
    assert before.is_workday(date(2026, 3, 2))
    services.set_day(date(2026, 3, 2), DayKind.LOCAL_CLOSURE, name="closure")
    after = services.get_calendar()
    assert after.version == before.version + 1
    assert not after.is_workday(date(2026, 3, 2))
    event = LogEntry.objects.filter(action="workdays.day.set").latest("id")
    assert event.data["before"] is None
    assert event.data["after"]["kind"] == "local_closure"


def test_seeded_days_cannot_be_deleted(calendar):
    seeded = CalendarDay.objects.filter(source__startswith="seed:").first()
    with pytest.raises(ValueError):
        services.delete_day(seeded)


def test_every_day_2004_to_2026_matches_the_holidays_package(calendar):
    cn = holidays.China(years=range(2004, 2027))
    mismatches = []
    day = date(2004, 1, 1)
    while day <= date(2026, 12, 31):
        if calendar.is_workday(day) != cn.is_working_day(day):
            mismatches.append(day)
        day += timedelta(days=1)
    assert set(mismatches) == KNOWN_DIFFERENCES


def test_makeup_weekend_days_are_seeded_as_makeup(calendar):
    row = CalendarDay.objects.get(date=date(2026, 2, 14))
    assert row.kind == DayKind.MAKEUP_WORKDAY and row.is_workday
    assert row.source.startswith("seed:chinesecalendar@")


def test_calendar_status_warns_when_the_horizon_is_unverified(calendar):
    status = services.calendar_status(today=date(2026, 11, 27))
    assert status.last_verified_year == 2026
    assert status.warning and "2027" in status.warning
    assert services.calendar_status(today=date(2026, 3, 1)).warning is None


def test_admin_index_warns_about_an_unverified_year(admin_client, calendar):
    import time_machine

    with time_machine.travel("2026-11-27 10:00 +0800"):
        page = admin_client.get("/admin/").content.decode()
    assert "2026" in page and ("provisional" in page or "暂定" in page)
    with time_machine.travel("2026-03-01 10:00 +0800"):
        page = admin_client.get("/admin/").content.decode()
    assert "暂定" not in page and "provisional" not in page


def test_naive_datetimes_are_errors_in_tests(calendar):
    from datetime import datetime

    with pytest.raises(RuntimeWarning):
        CalendarYear.objects.create(calendar=services.default_calendar(), year=2030, status=YearStatus.VERIFIED,
                                    verified_at=datetime(2026, 1, 1, 12, 0))
