"""The last place is never sold twice: 20 bookers at once for the 2 web places of a slot, and one
person booking twice at once (SQLite and PostgreSQL; services module docstring)."""

import threading

from django.db import connection

import pytest

from yimen.appointments import services
from yimen.appointments.models import Booking

from .conftest import FRIDAY, NOW, at, make_world, person_id

BOOKERS = 20


def race(work, n):
    barrier = threading.Barrier(n)
    results, lock = [], threading.Lock()

    def run(i):
        try:
            barrier.wait()
            outcome = work(i)
        except services.AppointmentError as exc:
            outcome = exc.code
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion
            outcome = repr(exc)
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_twenty_bookers_for_two_places_never_overbook(calendar, frozen):
    world = make_world()
    slot = at(FRIDAY, "10:00")

    def work(i):
        services.book(world.center, world.item, slot, name="申请人", id_number=person_id(i + 1),
                      phone=f"139{i:08d}", address=f"10.0.0.{i}", now=NOW)
        return "booked"

    results = race(work, BOOKERS)
    assert sorted(set(results)) == ["booked", "slot_full"], results
    assert results.count("booked") == 2
    booked = Booking.objects.filter(slot_start=slot).count()
    overbooked = max(0, booked - services.channel_quota(world.plan, "web"))
    assert overbooked == 0
    assert services.day_slots(world.plan, FRIDAY, now=NOW)[2].free == 0


@pytest.mark.django_db(transaction=True)
def test_one_person_booking_twice_at_once_gets_one_booking(calendar, frozen):
    world = make_world()

    def work(i):
        services.book(world.center, world.item, at(FRIDAY, ["10:00", "11:00"][i % 2]), name="申请人",
                      id_number=person_id(1), phone=f"139{i:08d}", now=NOW)
        return "booked"

    results = race(work, 6)
    assert results.count("booked") == 1 and results.count("duplicate") == 5, results
    assert Booking.objects.count() == 1
