"""The ordering policy, table-style (policy.py)."""

from datetime import datetime, timedelta

import pytest

from yimen.queueing.policy import Candidate, Policy, choose

T0 = datetime(2026, 3, 2, 9, 0)


def c(i, priority="normal", minutes=0, slot=None, overtaken=0):
    return Candidate(i, f"A{i:03d}", priority, T0 + timedelta(minutes=minutes), slot, overtaken)


NOW = T0 + timedelta(minutes=30)


@pytest.mark.parametrize(
    ("candidates", "recent", "expected_id", "rule"),
    [
        ([], [], None, None),
        ([c(1, minutes=5), c(2, minutes=1)], [], 2, "arrival"),
        ([c(1, minutes=1), c(2, "green_channel", minutes=9)], [], 2, "green_channel"),
        ([c(1, minutes=1), c(2, "transfer", minutes=9)], [], 2, "transfer"),
        ([c(1, "green_channel", 1), c(2, "transfer", 0)], [], 1, "green_channel"),
        # appointment within -15/+10 minutes of its slot outranks everyone
        ([c(1, "green_channel", 1), c(2, "appointment", 20, slot=NOW + timedelta(minutes=5))], [], 2, "appointment"),
        # an appointment far from its slot waits in arrival order like everyone else
        ([c(1, minutes=1), c(2, "appointment", 0, slot=NOW + timedelta(hours=2))], [], 2, "arrival"),
        ([c(1, minutes=0), c(2, "appointment", 5, slot=NOW + timedelta(hours=2))], [], 1, "arrival"),
        # fairness: after two priority calls in a row the longest waiting normal ticket goes first
        ([c(1, minutes=1), c(2, "green_channel", 9)], ["green_channel", "appointment"], 1, "fairness_cap"),
        ([c(1, minutes=1), c(2, "green_channel", 9)], ["green_channel", "arrival"], 2, "green_channel"),
        ([c(2, "green_channel", 9)], ["green_channel", "green_channel"], 2, "green_channel"),
        # a ticket overtaken too often is called next
        ([c(1, minutes=1, overtaken=5), c(2, "green_channel", 9)], [], 1, "overtaken_limit"),
    ],
)
def test_choose(candidates, recent, expected_id, rule):
    choice = choose(candidates, NOW, recent)
    if expected_id is None:
        assert choice is None
    else:
        assert (choice.candidate.id, choice.rule) == (expected_id, rule)
        assert choice.reason


def test_streak_cap_is_configurable():
    cands = [c(1, minutes=1), c(2, "green_channel", 9)]
    assert choose(cands, NOW, ["green_channel"], Policy(priority_streak_cap=1)).rule == "fairness_cap"
    assert choose(cands, NOW, ["green_channel", "green_channel"], Policy(priority_streak_cap=3)).rule == "green_channel"
