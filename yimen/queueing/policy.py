"""The ordering policy: which waiting ticket a window calls next, and why. Pure; tested table-style.

Order of precedence (plan §三(三)1 预约优先, 绿色通道; anchors.md on fairness complaints):

1. `overtaken_limit`: a ticket overtaken `max_overtaken` times is called next, whatever else waits;
2. `fairness_cap`: after `priority_streak_cap` priority calls in a row at this window, the longest
   waiting normal ticket goes first (if one waits);
3. `appointment`: appointment tickets inside their check-in window around the slot start;
4. `green_channel`: elderly, disabled, pregnant, military applicants declared at the kiosk;
5. `transfer`: tickets transferred from another window, by their original arrival time;
6. `arrival`: everyone else (and appointments outside their window) by arrival time.

A skipped ticket (过号) has lost its priority class: it waits by arrival like everyone else, its
arrival time being the moment it was skipped (services.skip).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

PRIORITY_RULES = frozenset({"appointment", "green_channel", "transfer"})


@dataclass(frozen=True)
class Policy:
    priority_streak_cap: int = 2
    max_overtaken: int = 5
    checkin_before: timedelta = timedelta(minutes=15)
    checkin_after: timedelta = timedelta(minutes=10)


@dataclass(frozen=True)
class Candidate:
    id: int
    label: str
    priority: str
    wait_started_at: datetime
    slot_start: datetime | None = None
    overtaken: int = 0
    skip_count: int = 0


@dataclass(frozen=True)
class Choice:
    candidate: Candidate
    rule: str
    reason: str


def _class(c: Candidate, now: datetime, policy: Policy) -> tuple[int, str]:
    if c.skip_count:
        return 3, "arrival"
    if c.priority == "appointment" and c.slot_start is not None:
        if c.slot_start - policy.checkin_before <= now <= c.slot_start + policy.checkin_after:
            return 0, "appointment"
    if c.priority == "green_channel":
        return 1, "green_channel"
    if c.priority == "transfer":
        return 2, "transfer"
    return 3, "arrival"


def choose(candidates: list[Candidate], now: datetime, recent_rules: list[str], policy: Policy = Policy()) -> Choice | None:
    """The ticket to call. `recent_rules` are the rules of this window's last calls, newest first."""
    if not candidates:
        return None
    by_arrival = sorted(candidates, key=lambda c: (c.wait_started_at, c.id))
    starved = [c for c in by_arrival if c.overtaken >= policy.max_overtaken]
    if starved:
        c = starved[0]
        return Choice(c, "overtaken_limit", f"{c.label} was overtaken {c.overtaken} times")
    ranked = sorted(candidates, key=lambda c: (_class(c, now, policy)[0], c.wait_started_at, c.id))
    best = ranked[0]
    rule = _class(best, now, policy)[1]
    streak = recent_rules[:policy.priority_streak_cap]
    if (rule in PRIORITY_RULES and len(streak) == policy.priority_streak_cap
            and all(r in PRIORITY_RULES for r in streak)):
        normal = [c for c in by_arrival if _class(c, now, policy)[1] == "arrival"]
        if normal:
            c = normal[0]
            return Choice(c, "fairness_cap",
                          f"{policy.priority_streak_cap} priority calls in a row: longest waiting ticket {c.label} first")
    if rule == "appointment":
        reason = f"{best.label} has an appointment at {best.slot_start:%H:%M}"
    else:
        reason = {
            "green_channel": f"{best.label} uses the green channel",
            "transfer": f"{best.label} was transferred and keeps its arrival time",
            "arrival": f"{best.label} has waited longest",
        }[rule]
    return Choice(best, rule, reason)
