"""Public API of a center's rectification policy (domain.md §2.3 T15–T20, §3.5, §8).

Used by cannot-handle reports (办不成事) and, later, by bad-review work orders (差评工单):

- `policy_for(center)` returns the center's `RectificationPolicy` row, or an unsaved row with the
  default preset (`chongming_1_4_13`) when the center has none;
- `snapshot(policy)` / `from_snapshot(data)` copy the numbers onto a work order at receipt, so a
  later policy edit never moves the deadlines of running orders;
- `deadlines(policy, received_on, …)` computes the contact, simple and complex due dates with the
  one deadline computation (`yimen.workdays.services.deadline`).

Anchors: by default every limit counts **cumulatively from receipt** (a late contact buys no
time). The chained option counts the simple and complex limits from the contact: the date the
contact was made when known, else the contact due date.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from yimen.workdays.services import Due, deadline

from .models import (
    COMPLEX_WD_CEILING,
    RECTIFICATION_PRESETS,
    Center,
    RectificationAnchor,
    RectificationPolicy,
    RectificationPreset,
)

__all__ = [
    "COMPLEX_WD_CEILING",
    "RECTIFICATION_PRESETS",
    "RectificationAnchor",
    "RectificationDues",
    "RectificationPolicy",
    "RectificationPreset",
    "deadlines",
    "from_snapshot",
    "policy_for",
    "snapshot",
]

SNAPSHOT_FIELDS = ("preset", "contact_wd", "simple_wd", "complex_wd", "callback_wd", "max_rounds",
                   "unreachable_attempts", "anchor")


class RectificationDues(NamedTuple):
    contact: Due
    simple: Due
    complex: Due

    def feedback(self, is_complex: bool) -> Due:
        """The due date that applies to the work order: complex or simple."""
        return self.complex if is_complex else self.simple

    @property
    def provisional(self) -> bool:
        return self.contact.provisional or self.simple.provisional or self.complex.provisional


def policy_for(center: Center) -> RectificationPolicy:
    """The center's policy, or an unsaved default (`chongming_1_4_13`, cumulative from receipt)."""
    policy = RectificationPolicy.objects.filter(center=center).first()
    if policy is None:
        policy = RectificationPolicy(center=center)
        policy.clean()
    return policy


def snapshot(policy: RectificationPolicy) -> dict:
    return {name: getattr(policy, name) for name in SNAPSHOT_FIELDS}


def from_snapshot(data: dict) -> RectificationPolicy:
    """An unsaved policy holding the numbers of a snapshot (never saved, only computed with)."""
    return RectificationPolicy(**{k: v for k, v in data.items() if k in SNAPSHOT_FIELDS})


def deadlines(policy: RectificationPolicy, received_on: date, *, contacted_on: date | None = None,
              contact_wd: int | None = None, calendar_id: int | None = None) -> RectificationDues:
    """Contact, simple and complex due dates of a work order received on `received_on`.

    `contact_wd` overrides the policy's contact limit (a 12345 hotline order is contacted the same
    day, T19). `calendar_id` defaults to the policy's center's calendar (the default calendar when
    neither is set)."""
    if calendar_id is None and policy.center_id is not None:
        calendar_id = policy.center.calendar_id
    contact_n = policy.contact_wd if contact_wd is None else contact_wd
    contact = deadline(received_on, contact_n, calendar_id=calendar_id)
    if policy.anchor == RectificationAnchor.CHAINED:
        start = contacted_on or contact.date or received_on
    else:
        start = received_on
    simple = deadline(start, policy.simple_wd, calendar_id=calendar_id)
    complex_ = deadline(start, policy.complex_wd, calendar_id=calendar_id)
    return RectificationDues(contact, simple, complex_)
