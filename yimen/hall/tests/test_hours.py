"""hours_spans: weekly hours as the spans of one day (the center's opening hours, capacity plans)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from yimen.hall.services import hours_spans

SH = ZoneInfo("Asia/Shanghai")
HOURS = {"1": [["09:00", "12:00"], ["13:30", "17:00"]], "3": [["09:00", "12:00"], ["11:00", "19:00"]],
         "7": [["20:00", "24:00"]]}


def test_hours_spans_of_a_day():
    monday, wednesday, saturday, sunday = date(2026, 3, 2), date(2026, 3, 4), date(2026, 3, 7), date(2026, 3, 8)
    assert hours_spans(HOURS, monday) == [(datetime(2026, 3, 2, 9, tzinfo=SH), datetime(2026, 3, 2, 12, tzinfo=SH)),
                                          (datetime(2026, 3, 2, 13, 30, tzinfo=SH), datetime(2026, 3, 2, 17, tzinfo=SH))]
    assert hours_spans(HOURS, wednesday) == [(datetime(2026, 3, 4, 9, tzinfo=SH), datetime(2026, 3, 4, 19, tzinfo=SH))]
    assert hours_spans(HOURS, saturday)[0][0] == datetime(2026, 3, 7, 9, tzinfo=SH)  # make-up day: Monday's hours
    assert hours_spans(HOURS, sunday) == [(datetime(2026, 3, 8, 20, tzinfo=SH), datetime(2026, 3, 9, 0, tzinfo=SH))]
    assert hours_spans({}, monday) == [] and hours_spans(None, monday) == []
    assert hours_spans({"1": [["09:00", "12:00"]]}, date(2026, 3, 3)) == []  # Tuesday: none
