"""Capacity: slots computed from the plan, the work calendar and day overrides; channel shares."""

from datetime import timedelta

from yimen.appointments import services
from yimen.appointments.constants import BookingChannel
from yimen.appointments.models import PlanDay

from .conftest import FRIDAY, HOLIDAY, MAKEUP_SATURDAY, NOW, at


def test_capacity_per_slot_comes_from_windows_and_handling_time(world):
    assert services.slot_capacity(world.plan) == 4  # 2 windows × 30 min ÷ 15 min
    world.plan.planned_windows = 3
    assert services.slot_capacity(world.plan) == 6
    world.plan.capacity_override = 5
    assert services.slot_capacity(world.plan) == 5


def test_channel_shares_never_eat_the_walk_in_share(world):
    plan = world.plan
    assert services.channel_quota(plan, BookingChannel.WEB) == 2
    assert services.channel_quota(plan, BookingChannel.INTERNAL) == 1
    assert services.channel_quota(plan, BookingChannel.PHONE) == 0
    plan.web_percent, plan.walk_in_percent = 100, 50
    assert services.channel_quota(plan, BookingChannel.WEB) == 2  # 4 places, 2 kept for walk-ins


def test_slots_follow_opening_hours_on_working_days(world):
    slots = services.day_slots(world.plan, FRIDAY, now=NOW)
    starts = [s.start.strftime("%H:%M") for s in slots]
    # default hours 09:00-12:00 and 13:30-17:00, 30-minute slots
    assert starts[:6] == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    assert starts[6:] == ["13:30", "14:00", "14:30", "15:00", "15:30", "16:00", "16:30"]
    assert all(s.capacity == 4 and s.quota == 2 and s.free == 2 for s in slots)


def test_no_slots_on_holidays_and_slots_on_make_up_working_days(world):
    assert services.day_slots(world.plan, HOLIDAY, now=NOW) == []
    assert len(services.day_slots(world.plan, MAKEUP_SATURDAY, now=NOW)) == 13


def test_today_offers_only_slots_still_ahead(world):
    starts = [s.start for s in services.day_slots(world.plan, NOW.date(), now=NOW)]
    assert starts[0] == at(NOW.date(), "10:30")


def test_search_covers_the_horizon_and_skips_days_without_slots(world):
    days = services.search_slots(world.center, world.item, now=NOW)
    dates = [d.date for d in days]
    assert dates[0] == NOW.date() and FRIDAY in dates and MAKEUP_SATURDAY in dates
    assert HOLIDAY not in dates
    assert max(dates) <= NOW.date() + timedelta(days=13)


def test_a_closure_and_special_hours_override_the_calendar(world):
    PlanDay.objects.create(plan=world.plan, date=FRIDAY, closed=True)
    PlanDay.objects.create(plan=world.plan, date=HOLIDAY, hours=[["09:00", "10:00"]], note="错时服务")
    assert services.day_slots(world.plan, FRIDAY, now=NOW) == []
    assert [s.start.strftime("%H:%M") for s in services.day_slots(world.plan, HOLIDAY, now=NOW)] == ["09:00", "09:30"]


def test_booked_counts_come_from_bookings(world, applicant):
    services.book(world.center, world.item, at(FRIDAY), **applicant, now=NOW)
    slot = services.day_slots(world.plan, FRIDAY, now=NOW)[0]
    assert (slot.booked, slot.free) == (1, 1)
    internal = services.day_slots(world.plan, FRIDAY, channel=BookingChannel.INTERNAL, now=NOW)[0]
    assert (internal.booked, internal.free) == (0, 1)


def test_an_item_without_a_plan_is_not_bookable(world):
    world.plan.is_active = False
    world.plan.save()
    try:
        services.search_slots(world.center, world.item, now=NOW)
    except services.AppointmentError as exc:
        assert exc.code == "not_bookable"
    else:
        raise AssertionError("expected not_bookable")
