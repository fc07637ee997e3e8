from datetime import datetime, timedelta

from django.utils import timezone

import pytest
import time_machine

from yimen.catalog.tests.factories import make_item
from yimen.hall.models import Center, Window
from yimen.queueing import estimate
from yimen.queueing.constants import Outcome, Priority
from yimen.queueing.estimate import (
    DEFAULT_SECONDS,
    Desk,
    Occupancy,
    Waiting,
    estimate_for,
    estimate_waits,
    robust_mean,
    simulate,
    zms_estimates,
)
from yimen.queueing.models import Queue
from yimen.queueing.services import call_next, finish, issue_ticket, start_service


@pytest.fixture(autouse=True)
def _empty_history_cache():
    estimate.clear_cache()
    yield
    estimate.clear_cache()


def flat(seconds: float, n: int = 50, queue_id: int = 1) -> Occupancy:
    """Every visit of every item lasted `seconds`."""
    return Occupancy(by_queue={queue_id: [seconds] * n}, overall=[seconds] * n)


def tickets(*specs) -> list[Waiting]:
    """specs: (id, queue_id, item_id, priority) with defaults queue 1, no item, normal."""
    out = []
    for s in specs:
        s = (s,) if isinstance(s, int) else s
        out.append(Waiting(*s) if len(s) > 1 else Waiting(s[0], 1))
    return out


# ---------------------------------------------------------------- pure core, table-style

A = frozenset({1})
CASES = [
    # name, waiting, desks, occupancy, expected seconds per ticket id
    ("one window", tickets(1, 2, 3), [Desk(1, A)], flat(300), {1: 0, 2: 300, 3: 600}),
    ("two windows", tickets(1, 2, 3, 4, 5), [Desk(1, A), Desk(2, A)], flat(300),
     {1: 0, 2: 0, 3: 300, 4: 300, 5: 600}),
    ("a window mid-service", tickets(1, 2, 3), [Desk(1, A, busy_for=120)], flat(300), {1: 120, 2: 420, 3: 720}),
    ("one busy, one free", tickets(1, 2, 3), [Desk(1, A, busy_for=100), Desk(2, A)], flat(300),
     {1: 0, 2: 100, 3: 300}),
    ("empty history: the default", tickets(1, 2), [Desk(1, A)], Occupancy(), {1: 0, 2: DEFAULT_SECONDS}),
    ("nobody waits", [], [Desk(1, A)], flat(300), {}),
    ("no window calls the queue", tickets(1, 2), [Desk(1, frozenset({9}))], flat(300), {1: None, 2: None}),
]


@pytest.mark.parametrize("name,waiting,desks,occ,expected", CASES, ids=[c[0] for c in CASES])
def test_simulate(name, waiting, desks, occ, expected):
    assert simulate(waiting, desks, occ) == expected


def test_items_with_different_service_times():
    # item 10 lasts 600 s, item 20 lasts 60 s; the queue mixes both (mean 330)
    occ = Occupancy(by_item={10: [600.0] * 45, 20: [60.0] * 45}, by_queue={1: [600.0] * 5 + [60.0] * 5})
    assert occ.mean(10, 1) == (45 * 600 + 5 * 330) / 50 == 573
    assert occ.mean(20, 1) == (45 * 60 + 5 * 330) / 50 == 87
    waiting = tickets((1, 1, 10), (2, 1, 20), (3, 1, 10))
    assert simulate(waiting, [Desk(1, A)], occ) == {1: 0, 2: 573, 3: 660}


def test_an_item_without_history_takes_the_queue_mean_and_few_visits_are_shrunk():
    occ = Occupancy(by_item={10: [900.0]}, by_queue={1: [300.0] * 20})
    assert occ.mean(99, 1) == 300
    assert occ.mean(10, 1) == (900 + 5 * 300) / 6 == 400
    assert Occupancy(overall=[200.0] * 3).mean(10, 7) == 200  # no queue history: the center's


def test_shared_window_spends_time_on_the_other_queue():
    # window 1 calls queues A (1) and B (2); window 2 calls B only. Call order: B1, A1, B2, A2.
    waiting = [Waiting(11, 2), Waiting(1, 1), Waiting(12, 2), Waiting(2, 1)]
    desks = [Desk(1, frozenset({1, 2})), Desk(2, frozenset({2}))]
    occ = Occupancy(overall=[300.0] * 10)
    assert simulate(waiting, desks, occ) == {11: 0, 12: 0, 1: 300, 2: 600}
    # the same window dedicated to A would have called A1 at once
    assert simulate(waiting, [Desk(1, A), Desk(2, frozenset({2}))], occ) == {11: 0, 12: 300, 1: 0, 2: 300}


def test_future_priority_tickets_stretch_only_normal_waits():
    waiting = tickets((1, 1, None, "green_channel"), 2, 3)
    result = simulate(waiting, [Desk(1, A)], flat(300), inflow_share={1: 0.25})
    assert result == {1: 0, 2: 400, 3: 800}
    assert simulate(waiting, [Desk(1, A)], flat(300), inflow_share={1: 0.9})[3] == 1200  # capped at 0.5


def test_remaining_time_of_an_overrunning_visit():
    occ = Occupancy(by_queue={1: [100.0, 200.0, 300.0, 400.0, 500.0, 1000.0]})
    assert occ.remaining(None, 1, 0) == pytest.approx(occ.mean(None, 1))
    assert occ.remaining(None, 1, 250) == pytest.approx((50 + 150 + 250 + 750) / 4)  # not mean − 250
    assert occ.remaining(None, 1, 2000) == pytest.approx(0.2 * occ.mean(None, 1))


def test_robust_mean_clips_a_visit_nobody_finished():
    assert robust_mean([300.0] * 19 + [30000.0]) == 300
    assert robust_mean([100.0, 200.0]) == 150


@pytest.mark.parametrize("processing,workstations,expected", [
    (600, 2, [300, 600, 900]),
    (420, 4, [60, 180, 300]),   # 105 s steps, floored to whole minutes
    (300, 0, [300, 600, 900]),  # no workstation counted: one
])
def test_zms_formula(processing, workstations, expected):
    waiting = tickets(1, 2, 3)
    assert list(zms_estimates(waiting, processing, workstations).values()) == expected


# ---------------------------------------------------------------- database layer

T0 = timezone.make_aware(datetime(2026, 3, 3, 9, 0))


@pytest.fixture
def hall(db):
    center = Center.objects.create(code="c", name="中心")
    w1, w2 = (Window.objects.create(center=center, number=f"{n:02d}") for n in (1, 2))
    item = make_item()
    queue = Queue.objects.create(center=center, prefix="A", name="综合")
    queue.windows.set([w1, w2])
    queue.items.set([item])
    return center, (w1, w2), queue, item


def visit(queue, window, item, called_at, *, walk=30, service=300):
    """A full visit at `window`: issued and called at `called_at`, ended walk + service later."""
    t = issue_ticket(queue, item=item, now=called_at)
    t = call_next(window, now=called_at)
    t = start_service(t, window, now=called_at + timedelta(seconds=walk))
    return finish(t, window, Outcome.SERVED, now=called_at + timedelta(seconds=walk + service))


def history(queue, windows, item, start=T0, n=6):
    """n visits of 330 s (call → end), alternating windows, all over by start + 1 h."""
    for i in range(n):
        visit(queue, windows[i % 2], item, start + timedelta(seconds=400 * (i // 2)))


def test_busy_and_idle_windows_from_real_tickets(hall):
    _, (w1, w2), queue, item = hall
    history(queue, (w1, w2), item)
    now = T0 + timedelta(hours=1)
    current = issue_ticket(queue, item=item, now=now - timedelta(seconds=200))
    assert call_next(w1, now=now - timedelta(seconds=100)).pk == current.pk
    visit(queue, w2, item, now - timedelta(seconds=400))  # w2 finished 70 s ago: idle, serving
    waiting = [issue_ticket(queue, item=item, now=now - timedelta(seconds=60 - i)) for i in range(3)]
    # w1 has 230 s left of its 330 s visit; w2 is free now
    assert estimate_waits(queue, now=now) == {waiting[0].pk: 0, waiting[1].pk: 230, waiting[2].pk: 330}
    assert estimate_for(waiting[1], now=now) == 230
    assert estimate_for(current, now=now) is None


def test_a_window_idle_while_tickets_wait_counts_as_paused(hall):
    _, (w1, w2), queue, item = hall
    history(queue, (w1, w2), item)
    now = T0 + timedelta(hours=2)
    current = issue_ticket(queue, item=item, now=now - timedelta(seconds=900))
    call_next(w1, now=now - timedelta(seconds=100))
    assert current.pk
    waiting = [issue_ticket(queue, item=item, now=now - timedelta(seconds=600 - i)) for i in range(3)]
    # w2 has been idle since its last visit (almost 2 h) while tickets wait: closed, only w1 counts
    assert estimate_waits(queue, now=now) == {waiting[0].pk: 230, waiting[1].pk: 560, waiting[2].pk: 890}


def test_a_window_on_a_break_is_expected_back(hall):
    _, (w1, w2), queue, item = hall
    history(queue, (w1, w2), item)
    now = T0 + timedelta(hours=1)
    visit(queue, w2, item, now - timedelta(seconds=930))  # w2 finished 10 minutes ago
    current = issue_ticket(queue, item=item, now=now - timedelta(seconds=400))
    assert call_next(w1, now=now - timedelta(seconds=100)).pk == current.pk
    waiting = [issue_ticket(queue, item=item, now=now - timedelta(seconds=300 - i)) for i in range(3)]
    # w2 left them waiting 5 minutes: on a break, back 15 minutes after its last finish (in 300 s)
    assert estimate_waits(queue, now=now) == {waiting[0].pk: 230, waiting[1].pk: 300, waiting[2].pk: 560}


def test_green_channel_is_estimated_first_and_other_queues_share_the_window(hall):
    center, (w1, w2), queue, item = hall
    history(queue, (w1, w2), item)
    other = Queue.objects.create(center=center, prefix="B", name="不动产")
    other.windows.set([w2])
    now = T0 + timedelta(hours=1)
    early_b = issue_ticket(other, now=now - timedelta(seconds=30))
    normal = issue_ticket(queue, item=item, now=now - timedelta(seconds=20))
    green = issue_ticket(queue, item=item, priority=Priority.GREEN_CHANNEL, now=now - timedelta(seconds=10))
    got = estimate_waits(queue, now=now)
    assert set(got) == {normal.pk, green.pk}
    assert got[green.pk] == 0  # first in call order, on w1
    # w2 calls queue B's earlier ticket first, so `normal` waits for a 330 s visit, stretched by
    # the green ticket issued this hour (share = 1/3600 × 330 / 2 windows)
    assert got[normal.pk] == round(330 / (1 - 330 / 3600 / 2))
    assert estimate_waits(other, now=now) == {early_b.pk: 0}


def test_no_history_uses_the_default(hall):
    _, (w1, _w2), queue, item = hall
    queue.windows.set([w1])
    a, b = (issue_ticket(queue, item=item, now=T0 + timedelta(seconds=i)) for i in range(2))
    assert estimate_waits(queue, now=T0 + timedelta(seconds=5)) == {a.pk: 0, b.pk: DEFAULT_SECONDS}


def test_queries_and_the_history_cache(hall, django_assert_num_queries):
    _, (w1, w2), queue, item = hall
    history(queue, (w1, w2), item)
    now = T0 + timedelta(hours=1)
    issue_ticket(queue, item=item, now=now)
    # links, tickets, shifts, the windows' last activity (no shifts here), priority inflow, history
    with django_assert_num_queries(6):
        estimate_waits(queue, now=now)
    with django_assert_num_queries(5):
        estimate_waits(queue, now=now + timedelta(seconds=30))
    with django_assert_num_queries(6):  # a minute later the history is read again
        estimate_waits(queue, now=now + timedelta(seconds=61))


def test_an_empty_queue_has_no_estimates(hall):
    _, _, queue, _ = hall
    assert estimate_waits(queue, now=T0) == {}


def test_shift_records_say_which_windows_serve_now(hall):
    """Once staff sign in to windows, the estimate trusts the shifts: a window nobody is signed in to
    serves nobody, a paused one is back after the usual pause, a present one is free now."""
    from yimen.accounts.models import User
    from yimen.hall.services import pause, sign_in

    center, (w1, w2), queue, item = hall
    history(queue, (w1, w2), item)
    now = T0 + timedelta(hours=1)
    a, b = (issue_ticket(queue, item=item, now=now - timedelta(seconds=10 - i)) for i in range(2))
    clerk = User.objects.create(username="clerk", center=center, role="window_staff")
    sign_in(clerk, w1, now=now - timedelta(minutes=30))
    # only w1 is staffed: the second ticket waits for w1's next free moment (one 330 s visit)
    assert estimate_waits(queue, now=now) == {a.pk: 0, b.pk: 330}
    pause(clerk, "meal", now=now - timedelta(seconds=300))
    waits = estimate_waits(queue, now=now)
    assert waits[a.pk] == estimate.PAUSE_SECONDS - 300 and waits[b.pk] == waits[a.pk] + 330
    other = User.objects.create(username="other", center=center, role="window_staff")
    sign_in(other, w2, now=now - timedelta(seconds=60))
    assert estimate_waits(queue, now=now)[a.pk] == 0  # w2 is staffed and free


def test_b_covering_an_absent_a_serves_a_queue_at_b_window(hall):
    """AB posts: B's console calls absent A's queue (hall.consoled_windows), so the estimate counts
    B's window as one of that queue's desks."""
    from yimen.accounts.models import User
    from yimen.hall.constants import PostRole
    from yimen.hall.models import Post, PostAssignment
    from yimen.hall.services import sign_in

    center, (w1, w2), queue, item = hall
    history(queue, (w1, w2), item)
    b_queue = Queue.objects.create(center=center, prefix="B", name="专窗")
    b_queue.windows.set([w2])
    now = T0 + timedelta(hours=1)
    a_ticket = issue_ticket(queue, item=item, now=now - timedelta(seconds=10))
    queue.windows.set([w1])  # A's queue is called at w1 only
    alice = User.objects.create(username="alice", center=center, role="window_staff")
    bob = User.objects.create(username="bob", center=center, role="window_staff")
    post = Post.objects.create(center=center, name="01岗", window=w1)
    PostAssignment.objects.create(post=post, user=alice, role=PostRole.A)
    PostAssignment.objects.create(post=post, user=bob, role=PostRole.B)
    sign_in(bob, w2, now=now - timedelta(minutes=30))
    # alice (A at w1) is absent: bob at w2 covers, so queue A is served now at w2
    assert estimate_waits(queue, now=now) == {a_ticket.pk: 0}
    sign_in(alice, w1, now=now - timedelta(seconds=5))
    assert estimate_waits(queue, now=now) == {a_ticket.pk: 0}  # A is back: her own window serves it


# ---------------------------------------------------------------- the forecast (estimate_for without now)

def test_the_forecast_answers_new_normal_tickets_as_a_new_simulation_would(hall, django_assert_num_queries):
    _, (w1, w2), queue, item = hall
    history(queue, (w1, w2), item)
    now = T0 + timedelta(hours=1)
    with time_machine.travel(now, tick=False):
        first = issue_ticket(queue, item=item)
        assert estimate_for(first) == estimate_for(first, now=now) == 0  # this one makes the forecast
        later = [issue_ticket(queue, item=item) for _ in range(5)]
        with django_assert_num_queries(0):  # counted after the forecast's tickets, no query
            got = [estimate_for(t) for t in later]
        assert got == [estimate_for(t, now=now) for t in later] == [0, 330, 330, 660, 660]


def test_a_priority_ticket_or_a_window_action_makes_the_forecast_anew(hall, django_assert_num_queries):
    _, (w1, w2), queue, item = hall
    history(queue, (w1, w2), item)
    now = T0 + timedelta(hours=1)
    with time_machine.travel(now, tick=False):
        waiting = [issue_ticket(queue, item=item) for _ in range(4)]
        estimate_for(waiting[0])
        green = issue_ticket(queue, item=item, priority=Priority.GREEN_CHANNEL)
        assert estimate_for(green) == estimate_for(green, now=now) == 0  # ahead of the normal tickets
        assert estimate_for(waiting[3]) == estimate_for(waiting[3], now=now)
        assert queue.center_id in estimate._forecasts
        call_next(w1)
        assert queue.center_id not in estimate._forecasts  # the hall changed: forgotten


def test_the_forecast_is_recomputed_when_old(hall, django_assert_num_queries):
    _, (w1, w2), queue, item = hall
    history(queue, (w1, w2), item)
    now = T0 + timedelta(hours=1)
    with time_machine.travel(now, tick=False):
        ticket = issue_ticket(queue, item=item)
        estimate_for(ticket)
        with django_assert_num_queries(0):
            estimate_for(ticket)
        estimate._forecasts[queue.center_id].made -= estimate.FORECAST_SECONDS
        with django_assert_num_queries(6):  # the ticket numbers, then the hall (the history is cached)
            estimate_for(ticket)
