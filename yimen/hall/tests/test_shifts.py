from datetime import timedelta

from django.db import IntegrityError, transaction

import pytest

from yimen.auditlog.models import LogEntry
from yimen.auditlog.services import events_for
from yimen.hall.constants import PauseReason, WindowState
from yimen.hall.models import Shift, ShiftPause
from yimen.hall.services import (
    HallError,
    current_shift,
    is_open,
    is_present,
    on_post_seconds,
    on_post_seconds_on,
    opening_spans,
    pause,
    resume,
    sign_in,
    sign_out,
    window_person,
    window_state,
)

from .conftest import DAY, at


def codes(fn, *args, **kw) -> str:
    with pytest.raises(HallError) as exc:
        fn(*args, **kw)
    return exc.value.code


def test_opening_spans_and_is_open(hall):
    assert opening_spans(hall.center, DAY) == [(at("09:00"), at("12:00")), (at("13:30"), at("17:00"))]
    assert opening_spans(hall.center, DAY + timedelta(days=2)) == []  # Saturday
    assert is_open(hall.center, at("09:00")) and not is_open(hall.center, at("12:00"))
    assert not is_open(hall.center, at("08:59")) and is_open(hall.center, at("16:59"))


def test_sign_in_pause_resume_sign_out_with_exact_on_post_time(hall):
    shift = sign_in(hall.alice, hall.w1, now=at("09:00"))
    assert current_shift(hall.alice) == shift
    pause(hall.alice, PauseReason.MEAL, now=at("10:00"))
    resume(hall.alice, now=at("10:15"))
    pause(hall.alice, PauseReason.ERRAND, "去档案室", now=at("11:00"))
    assert on_post_seconds(shift, until=at("11:30")) == (60 + 45) * 60
    sign_out(hall.alice, now=at("12:00"))
    shift.refresh_from_db()
    assert shift.ended_at == at("12:00") and current_shift(hall.alice) is None
    assert ShiftPause.objects.get(shift=shift, reason="errand").ended_at == at("12:00")  # sign-out closes the pause
    assert on_post_seconds(shift) == (60 + 45) * 60  # a closed shift ignores `until`
    actions = [e.action for e in events_for(shift)]
    assert actions == ["hall.shift.signed_in", "hall.shift.paused", "hall.shift.resumed", "hall.shift.paused",
                       "hall.shift.signed_out"]
    assert events_for(shift).get(action="hall.shift.signed_out").data["on_post_seconds"] == 6300


def test_on_post_seconds_of_a_day_adds_shifts_and_clips_midnight(hall):
    s = sign_in(hall.alice, hall.w1, now=at("09:00"))
    sign_out(hall.alice, now=at("10:00"))
    sign_in(hall.alice, hall.w3, now=at("13:30"))
    pause(hall.alice, PauseReason.BREAK, now=at("14:00"))
    assert on_post_seconds_on(hall.alice, DAY, now=at("15:00")) == 90 * 60
    Shift.objects.filter(pk=s.pk).update(started_at=at("23:00", DAY - timedelta(days=1)))
    assert on_post_seconds_on(hall.alice, DAY, now=at("15:00")) == (10 * 60 + 30) * 60


def test_one_open_shift_per_person_and_per_window(hall):
    sign_in(hall.alice, hall.w1, now=at("09:00"))
    assert codes(sign_in, hall.alice, hall.w2, now=at("09:05")) == "already_signed_in"
    assert codes(sign_in, hall.bob, hall.w1, now=at("09:05")) == "window_taken"
    with pytest.raises(IntegrityError), transaction.atomic():  # the database backs both rules
        Shift.objects.create(user=hall.bob, window=hall.w1, started_at=at("09:06"))
    sign_out(hall.alice, now=at("10:00"))
    assert sign_in(hall.bob, hall.w1, now=at("10:01")).window == hall.w1
    assert Shift.objects.count() == 2


def test_sign_in_refusals(hall):
    assert codes(sign_in, hall.outsider, hall.w1) == "wrong_center"
    hall.w2.is_active = False
    hall.w2.save()
    assert codes(sign_in, hall.alice, hall.w2) == "window_inactive"
    hall.carol.is_active = False
    hall.carol.save()
    assert codes(sign_in, hall.carol, hall.w1) == "inactive_user"
    assert not Shift.objects.exists() and not LogEntry.objects.filter(action__startswith="hall.").exists()


def test_pause_and_resume_refusals(hall):
    assert codes(pause, hall.alice, PauseReason.BREAK) == "not_signed_in"
    assert codes(resume, hall.alice) == "not_signed_in"
    assert codes(sign_out, hall.alice) == "not_signed_in"
    sign_in(hall.alice, hall.w1, now=at("09:00"))
    assert codes(pause, hall.alice, "nap", now=at("09:10")) == "bad_reason"
    assert codes(pause, hall.alice, PauseReason.OTHER, "  ", now=at("09:10")) == "note_required"
    assert codes(pause, hall.alice, PauseReason.OTHER, "x" * 201, now=at("09:10")) == "note_too_long"
    assert codes(pause, hall.alice, PauseReason.BREAK, now=at("08:00")) == "bad_time"
    assert codes(resume, hall.alice, now=at("09:10")) == "not_paused"
    pause(hall.alice, PauseReason.OTHER, "接待来访", now=at("09:10"))
    assert codes(pause, hall.alice, PauseReason.BREAK, now=at("09:11")) == "already_paused"
    assert codes(resume, hall.alice, now=at("09:05")) == "bad_time"
    assert ShiftPause.objects.get().note == "接待来访"


def test_window_state_and_presence_follow_the_records(hall):
    assert window_state(hall.w1, now=at("08:59")) == WindowState.CLOSED
    sign_in(hall.alice, hall.w1, now=at("09:00"))
    pause(hall.alice, PauseReason.BREAK, now=at("10:00"))
    resume(hall.alice, now=at("10:10"))
    assert window_state(hall.w1, now=at("09:30")) == WindowState.OPEN
    assert window_state(hall.w1, now=at("10:05")) == WindowState.PAUSED
    assert window_state(hall.w1, now=at("10:10")) == WindowState.OPEN
    assert window_person(hall.w1, now=at("10:05")) == hall.alice
    assert window_person(hall.w2, now=at("10:05")) is None
    assert is_present(hall.alice, at("09:00")) and not is_present(hall.alice, at("10:00"))
    assert not is_present(hall.bob, at("09:30"))
    sign_out(hall.alice, now=at("11:00"))
    assert window_state(hall.w1, now=at("11:00")) == WindowState.CLOSED
    assert window_state(hall.w1, now=at("10:59")) == WindowState.OPEN
