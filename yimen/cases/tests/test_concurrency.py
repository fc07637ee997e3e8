"""Two windows accept the same case at once: one wins, the other gets `conflict` (domain.md §7.5)."""

import threading
from datetime import date

from django.db import connection

import pytest

from yimen.cases.constants import CaseState
from yimen.cases.models import Case
from yimen.cases.services import CaseError, apply

from .factories import at

DAY = date(2026, 3, 3)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_accepts_one_wins_one_conflicts(world, new_case):
    case = new_case(DAY)
    apply(case, "receive", by=world.ws, now=at(DAY))
    barrier = threading.Barrier(2)
    results: list[str] = []
    lock = threading.Lock()

    def work(by):
        try:
            mine = Case.objects.get(pk=case.pk)  # both read the same version
            barrier.wait()
            apply(mine, "accept", by=by, now=at(DAY, 11))
            outcome = "accepted"
        except CaseError as exc:
            outcome = exc.code
        except BaseException as exc:  # noqa: BLE001 - reported below
            outcome = repr(exc)
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=work, args=(by,)) for by in (world.ws, world.rv)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(results) == ["accepted", "conflict"]
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED
    assert list(case.events.values_list("seq", flat=True)) == [1, 2, 3]


def test_a_stale_copy_is_a_conflict_never_an_overwrite(world, new_case, db):
    case = new_case(DAY)
    apply(case, "receive", by=world.ws, now=at(DAY))
    stale = Case.objects.get(pk=case.pk)
    apply(case, "accept", by=world.ws, now=at(DAY, 11))
    with pytest.raises(CaseError) as err:
        apply(stale, "reject", by=world.rv, now=at(DAY, 12), reasons="x", remedies="y")
    assert err.value.code == "conflict"
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED
