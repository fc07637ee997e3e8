"""Two submissions of the same visit race: one evaluation, one clear refusal (domain.md §7.3)."""

import threading

from django.db import connection

import pytest

from yimen.evaluations.models import BadReview, Evaluation
from yimen.evaluations.services import EvaluationError, pending_visit, submit, visit_token

from .conftest import FRIDAY, at


def _race(calls) -> list[str]:
    barrier = threading.Barrier(len(calls))
    results: list[str] = []
    lock = threading.Lock()

    def work(fn):
        try:
            barrier.wait()
            fn()
            outcome = "stored"
        except EvaluationError as exc:
            outcome = exc.code
        except BaseException as exc:  # noqa: BLE001 - reported below
            outcome = repr(exc)
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=work, args=(fn,)) for fn in calls]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return sorted(results)


@pytest.mark.django_db(transaction=True)
def test_the_same_pad_token_twice_at_once_stores_one_rating(hall):
    now = at(FRIDAY, "10:00")
    hall.served(now)
    token = pending_visit(hall.pad, now=now).token
    results = _race([lambda: submit(token, level=1, tags=["attitude"], now=now),
                     lambda: submit(token, level=2, tags=["long_wait"], now=now)])
    assert results == ["already_rated", "stored"]
    assert Evaluation.objects.count() == 1 and BadReview.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_pad_and_qr_of_one_case_at_once_store_one_rating(hall):
    now = at(FRIDAY, "10:00")
    ticket = hall.served(now)
    case = hall.case_from(ticket, now)
    pad = pending_visit(hall.pad, now=now).token
    qr = visit_token(case=case)
    results = _race([lambda: submit(pad, level=5, now=now), lambda: submit(qr, level=4, now=now)])
    assert results == ["already_rated", "stored"]
    assert Evaluation.objects.filter(case=case).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_staff_acting_on_one_work_order_at_once_one_conflicts(hall):
    from yimen.evaluations.models import BadReview
    from yimen.evaluations.services import apply

    now = at(FRIDAY, "10:00")
    hall.served(now)
    review = submit(pending_visit(hall.pad, now=now).token, level=1, tags=["attitude"], now=now).bad_review
    mine, theirs = BadReview.objects.get(pk=review.pk), BadReview.objects.get(pk=review.pk)
    results = _race([
        lambda: apply(mine, "verify", by=hall.alice, verification="untrue", note="a", now=now),
        lambda: apply(theirs, "mark_complex", by=hall.manager, reason="b", now=now),
    ])
    assert results == ["conflict", "stored"]
    review.refresh_from_db()
    assert review.version == 2 and list(review.events.values_list("seq", flat=True)) == [1, 2]
