"""The admin: plans and policies configured with audited saves and checked hours; bookings shown
masked and read-only."""

from django.contrib.admin.sites import site
from django.core.exceptions import ValidationError

import pytest

from yimen.accounts.models import User
from yimen.appointments import services
from yimen.appointments.models import Booking, CapacityPlan, PlanDay
from yimen.auditlog.models import LogEntry

from .conftest import FRIDAY, NOW, at


@pytest.fixture
def admin_client(client, world):
    user = User.objects.create_superuser(username="root", password="x" * 12)
    client.force_login(user)
    return client


def test_bookings_are_listed_masked_and_read_only(admin_client, world, applicant):
    b = services.book(world.center, world.item, at(FRIDAY), **applicant, now=NOW)
    r = admin_client.get("/admin/appointments/booking/")
    assert r.status_code == 200 and b.code in r.text and "138****5678" in r.text
    assert applicant["id_number"] not in r.text and applicant["phone"] not in r.text
    r = admin_client.get(f"/admin/appointments/booking/{b.pk}/change/")
    assert r.status_code == 200 and applicant["id_number"] not in r.text
    assert not site._registry[Booking].has_change_permission(None)


def test_a_plan_saved_in_the_admin_is_audited(admin_client, world):
    url = f"/admin/appointments/capacityplan/{world.plan.pk}/change/"
    form = {"center": world.center.pk, "queue": world.queue.pk, "slot_minutes": 20, "handling_minutes": 10,
            "planned_windows": "", "capacity_override": "", "web_percent": 50, "phone_percent": 0,
            "internal_percent": 25, "walk_in_percent": 25, "hours": "{}", "horizon_days": 14, "is_active": "on",
            "days-TOTAL_FORMS": 1, "days-INITIAL_FORMS": 0, "days-0-date": "2026-02-13", "days-0-closed": "on",
            "days-0-hours": "[]", "days-0-note": "停电检修"}
    r = admin_client.post(url, form)
    assert r.status_code == 302, r.content.decode()[:2000]
    assert CapacityPlan.objects.get().slot_minutes == 20
    assert PlanDay.objects.get().closed
    actions = set(LogEntry.objects.values_list("action", flat=True))
    assert {"appointments.plan.saved", "appointments.plan_day.saved"} <= actions
    assert services.day_slots(world.plan, FRIDAY, now=NOW) == []


@pytest.mark.parametrize("hours", [{"8": []}, {"1": [["9:00"]]}, {"1": [["12:00", "09:00"]]}, {"1": "09-12"}])
def test_bad_hours_are_refused(world, hours):
    world.plan.hours = hours
    with pytest.raises(ValidationError):
        world.plan.full_clean()


def test_shares_over_100_percent_are_refused(world):
    world.plan.web_percent = 80
    with pytest.raises(ValidationError):
        world.plan.full_clean()
