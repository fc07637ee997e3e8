from datetime import date

from django.db import IntegrityError, transaction

import pytest

from yimen.catalog.models import CenterItem
from yimen.hall.constants import PauseReason, PostRole
from yimen.hall.models import Post, PostAssignment
from yimen.hall.services import (
    HallError,
    assign_post,
    consoled_windows,
    coverage,
    handovers,
    pause,
    post_items,
    resume,
    sign_in,
    sign_out,
    window_items,
    window_list_items,
)

from .conftest import at


def ids(items) -> set[int]:
    return {i.pk for i in items}


def test_window_items(hall):
    assert window_items(hall.w1) == ids(hall.items[:2])
    hall.w3.serves_all_items = True  # a 无差别 window serves the window list, not the exited item
    assert window_items(hall.w3) == ids(hall.items) == window_list_items(hall.center)
    CenterItem.objects.filter(item=hall.items[0]).update(on_window_list=False)
    assert window_items(hall.w3) == ids(hall.items[1:])
    CenterItem.objects.filter(item=hall.items[1]).update(entered_on=date(2999, 1, 1))
    assert window_items(hall.w3) == ids(hall.items[2:])
    hall.w1.is_active = False
    assert window_items(hall.w1) == set()


def test_post_items_and_assignments(hall):
    post = Post.objects.create(center=hall.center, name="01岗", window=hall.w1)
    post.items.add(hall.items[2])
    assert post_items(post) == ids(hall.items)
    assert post_items(Post.objects.create(center=hall.center, name="组")) == set()
    assign_post(post, hall.alice, PostRole.A, by=None)
    assert assign_post(post, hall.bob, PostRole.B, by=None).order == 1
    with pytest.raises(HallError) as exc:
        assign_post(post, hall.carol, PostRole.A, by=None)
    assert exc.value.code == "post_has_a"
    for user, role, code in [(hall.bob, PostRole.B, "already_assigned"), (hall.outsider, PostRole.B, "wrong_center"),
                             (hall.carol, "C", "bad_role")]:
        with pytest.raises(HallError) as exc:
            assign_post(post, user, role, by=None)
        assert exc.value.code == code
    with pytest.raises(IntegrityError), transaction.atomic():  # the database keeps one A per post
        PostAssignment.objects.create(post=post, user=hall.carol, role=PostRole.A)
    assert post.assignments.count() == 2


@pytest.fixture
def ab(hall):
    """alice is A of window 01 (items 1, 2) and bob its B (then dave); bob is A of window 02 (item 3)."""
    p1 = Post.objects.create(center=hall.center, name="01岗", window=hall.w1)
    p2 = Post.objects.create(center=hall.center, name="02岗", window=hall.w2)
    assign_post(p1, hall.alice, PostRole.A, by=None)
    assign_post(p1, hall.bob, PostRole.B, order=1, by=None)
    assign_post(p1, hall.dave, PostRole.B, order=2, by=None)
    assign_post(p2, hall.bob, PostRole.A, by=None)
    return p1, p2


def test_b_receives_the_absent_a_window_and_gives_it_back(hall, ab):
    p1, _ = ab
    sign_in(hall.alice, hall.w1, now=at("09:00"))
    sign_in(hall.bob, hall.w2, now=at("09:00"))
    assert consoled_windows(hall.bob, now=at("09:30")) == [hall.w2]
    assert handovers(hall.center, at("09:30")) == []
    pause(hall.alice, PauseReason.MEETING, now=at("10:00"))
    assert consoled_windows(hall.bob, now=at("10:05")) == [hall.w2, hall.w1]
    [h] = handovers(hall.center, at("10:05"))
    assert (h.post, h.a, h.covering) == (p1, hall.alice, hall.bob)
    assert consoled_windows(hall.alice, now=at("10:05")) == [hall.w1]  # her own, paused
    resume(hall.alice, now=at("10:30"))
    assert consoled_windows(hall.bob, now=at("10:31")) == [hall.w2]
    sign_out(hall.alice, now=at("11:00"))
    assert consoled_windows(hall.bob, now=at("11:01")) == [hall.w2, hall.w1]
    assert consoled_windows(hall.bob, now=at("10:45")) == [hall.w2]  # the records answer for any instant


def test_the_next_b_in_order_covers_and_a_staffed_window_needs_nobody(hall, ab):
    sign_in(hall.bob, hall.w2, now=at("09:00"))
    sign_in(hall.dave, hall.w3, now=at("09:00"))
    pause(hall.bob, PauseReason.BREAK, now=at("09:10"))
    assert consoled_windows(hall.bob, now=at("09:20")) == [hall.w2]  # a paused B covers nobody
    assert consoled_windows(hall.dave, now=at("09:20")) == [hall.w3, hall.w1]
    resume(hall.bob, now=at("09:30"))
    assert consoled_windows(hall.bob, now=at("09:40")) == [hall.w2, hall.w1]
    assert consoled_windows(hall.dave, now=at("09:40")) == [hall.w3]
    sign_in(hall.carol, hall.w1, now=at("09:50"))  # someone sits at window 01: its queue is served
    assert consoled_windows(hall.bob, now=at("09:55")) == [hall.w2]
    assert handovers(hall.center, at("09:55")) == []
    assert consoled_windows(hall.alice, now=at("09:55")) == []  # not signed in


def test_coverage_now_and_today_with_exact_minutes(hall, ab):
    """Thursday; opening so far at 14:30 = 09:00–12:00 + 13:30–14:30 = 240 minutes."""
    p1, p2 = ab
    PostAssignment.objects.filter(post=p2).delete()
    assign_post(p2, hall.carol, PostRole.A, by=None)  # window 02 (item 3): carol alone, no B
    sign_in(hall.alice, hall.w1, now=at("09:10"))
    pause(hall.alice, PauseReason.MEAL, now=at("10:00"))
    resume(hall.alice, now=at("10:20"))
    sign_out(hall.alice, now=at("11:00"))
    sign_in(hall.bob, hall.w3, now=at("09:30"))
    sign_out(hall.bob, now=at("11:30"))
    sign_in(hall.carol, hall.w2, now=at("09:00"))
    pause(hall.carol, PauseReason.MEAL, now=at("12:30"))
    resume(hall.carol, now=at("13:40"))
    sign_in(hall.alice, hall.w1, now=at("13:30"))
    pause(hall.alice, PauseReason.OTHER, "临时会议", now=at("14:00"))

    cov = coverage(hall.center, now=at("14:30"))
    by_code = {ic.code: ic for ic in cov.items}
    assert list(by_code) == ["I-1", "I-2", "I-3"]  # the exited item is not on the list
    assert cov.is_open
    # now: alice paused, bob gone, carol present
    assert [ic.code for ic in cov.uncovered_now] == ["I-1", "I-2"]
    assert by_code["I-3"].people == [hall.carol]
    # today: items 1 and 2 covered by alice ∪ bob = 09:10–11:30, 13:30–14:00 → gaps 10 + 30 + 30 min
    assert by_code["I-1"].uncovered_seconds_today == by_code["I-2"].uncovered_seconds_today == 70 * 60
    # item 3 by carol: 09:00–12:30, 13:40– → gap 13:30–13:40
    assert by_code["I-3"].uncovered_seconds_today == 10 * 60
    assert [ic.code for ic in cov.uncovered_today] == ["I-1", "I-2", "I-3"]
    assert cov.opening_seconds_today == 240 * 60
    assert cov.fully_covered_seconds_today == (240 - 80) * 60
    assert cov.time_covered_rate == pytest.approx(160 / 240)
    # figures: general windows 01 and 03 of 01–03 (the release window is not counted)
    assert (cov.general_windows, cov.counted_windows) == (2, 3)
    assert cov.ab_items == 2 and cov.ab_rate == pytest.approx(2 / 3)
    assert cov.posts_without_b == [p2]
    [h] = cov.handovers
    assert (h.post, h.a, h.covering) == (p1, hall.alice, None)
    assert [(w.number, state, person) for w, state, person in cov.windows] == [
        ("01", "paused", hall.alice), ("02", "open", hall.carol), ("03", "closed", None), ("04", "closed", None)]


def test_coverage_before_opening_and_on_a_rest_day(hall, ab):
    cov = coverage(hall.center, now=at("08:00"))
    assert not cov.is_open and cov.opening_seconds_today == 0 and cov.uncovered_today == []
    assert cov.time_covered_rate is None
    sunday = coverage(hall.center, now=at("10:00", date(2026, 11, 29)))
    assert not sunday.is_open and sunday.opening_seconds_today == 0
    full = coverage(hall.center, now=at("17:30"))
    assert full.opening_seconds_today == 390 * 60
    assert {ic.uncovered_seconds_today for ic in full.items} == {390 * 60}
