"""Public API of the inquiry register (首问负责制, 窗口无否决权制; domain.md §3.3, §4.1, §5).

- `register(center, by=…, topic=…, outcome=…)`: the staff member asked first registers the inquiry
  and owns it. Answered on the spot, guided to a window or "not ours" (naming where the person
  was sent) close at once; anything that cannot be answered now becomes an owned follow-up due
  `follow_up_wd(center)` working days after registration (default 2).
- `hand_over(inquiry, to, by=…, reason=…)`: ownership moves only this way, always with a reason,
  always as an event.
- `answer(inquiry, text, by=…)`, `close(inquiry, by=…)`: closing needs an answer.
- `apply(inquiry, action, by=…, **payload)`: the one transition service behind the three above
  (`INQUIRY_TRANSITIONS` in `constants.py`): row lock, role and state check, guard, a
  compare-and-set UPDATE on (state, version), an `InquiryEvent` in the same transaction.
- `worklist(user)`: my open follow-ups by due date with working days left and SLA status;
  `overdue_follow_ups(center)`. Statuses are computed on read (`sla.py`).

Refusals raise `InquiryError` with a stable `.code`; a refused action changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yimen.hall.models import Center, Window
from yimen.lib.errors import Refused
from yimen.lib.transitions import Wording, Workflow, is_staff_of
from yimen.workdays.services import deadline, get_calendar
from yimen.workdays.sla import Sla, sla_status

from .constants import (
    DEFAULT_FOLLOW_UP_WD,
    INQUIRY_TRANSITIONS,
    REGISTER_TARGET,
    InquiryOutcome,
    InquiryState,
)
from .models import Inquiry, InquiryEvent, InquiryPolicy

__all__ = ["FollowUp", "InquiryError", "answer", "apply", "close", "follow_up_sla", "follow_up_wd", "hand_over",
           "overdue_follow_ups", "register", "worklist"]


class InquiryError(Refused):
    """A refused inquiry action; `.code` is stable, the message is translated."""


# --- registration ---------------------------------------------------------------------------------

def follow_up_wd(center: Center) -> int:
    """The center's follow-up limit in working days (domain.md §8; default 2)."""
    policy = InquiryPolicy.objects.filter(center=center).only("follow_up_wd").first()
    return policy.follow_up_wd if policy else DEFAULT_FOLLOW_UP_WD


def _window_of(center: Center, window: Window | None, *, code: str) -> Window | None:
    if window is not None and (window.center_id != center.pk or not window.is_active):
        raise InquiryError(code, _("Choose an active window of this center."))
    return window


def register(center: Center, *, by, topic: str, outcome: str, window: Window | None = None,
             contact_name: str = "", contact_phone: str = "", item=None, answer: str = "",
             guided_to: Window | None = None, sent_to: str = "", now: datetime | None = None) -> Inquiry:
    """Register an inquiry; `by` is the first staff member asked and owns it (首问负责).

    Refuses: no staff member (`forbidden`), another center (`wrong_center`), no topic
    (`topic_required`), an unknown outcome (`bad_outcome`), a window of another center
    (`wrong_window`), an answer outcome without the answer (`answer_required`), guidance without
    the window (`guided_to_required`), "not ours" without where the person was sent
    (`sent_to_required`)."""
    _WORKFLOW.check_actor(INQUIRY_TRANSITIONS["register"], by, center.pk)
    topic, answer, sent_to = topic.strip(), answer.strip(), sent_to.strip()
    if not topic:
        raise InquiryError("topic_required", _("Say what the inquiry is about."))
    if outcome not in REGISTER_TARGET:
        raise InquiryError("bad_outcome", _("Choose what happened with the inquiry."))
    _window_of(center, window, code="wrong_window")
    if outcome == InquiryOutcome.ANSWERED and not answer:
        raise InquiryError("answer_required", _("Write down the answer given."))
    if outcome == InquiryOutcome.GUIDED:
        if guided_to is None:
            raise InquiryError("guided_to_required", _("Say which window the person was guided to."))
        _window_of(center, guided_to, code="wrong_window")
    if outcome == InquiryOutcome.NOT_OURS and not sent_to:
        raise InquiryError("sent_to_required", _("A window never just says no: name the body the person was sent to."))

    now = now or timezone.now()
    registered_on = timezone.localdate(now)
    state = REGISTER_TARGET[outcome]
    if outcome == InquiryOutcome.FOLLOW_UP:
        answer = ""  # a follow-up is answered later, through `answer`
    due = None
    if outcome == InquiryOutcome.FOLLOW_UP:
        due = deadline(registered_on, follow_up_wd(center), calendar_id=center.calendar_id)
    with transaction.atomic():
        inquiry = Inquiry.objects.create(
            center=center, window=window, first_staff=by, owner=by, contact_name=contact_name.strip(),
            contact_phone=contact_phone.strip(), topic=topic, item=item, outcome=outcome,
            guided_to=guided_to if outcome == InquiryOutcome.GUIDED else None,
            sent_to=sent_to if outcome == InquiryOutcome.NOT_OURS else "",
            answer=answer, registered_at=now, registered_on=registered_on,
            follow_up_due=due.date if due else None, due_provisional=bool(due and due.provisional),
            state=state, answered_at=now if answer else None,
            closed_at=now if state == InquiryState.CLOSED else None,
        )
        _WORKFLOW.record(inquiry, "register", "", state, by, now, {
            "outcome": outcome, "follow_up_due": inquiry.follow_up_due, "owner": by.pk,
            "guided_to": inquiry.guided_to_id, "sent_to": inquiry.sent_to,
        })
    return inquiry


# --- transitions ----------------------------------------------------------------------------------

def _guard_hand_over(inquiry: Inquiry, *, by, now: datetime, to=None, reason: str = "") -> tuple[dict, dict]:
    reason = reason.strip()
    if not reason:
        raise InquiryError("reason_required", _("Give the reason for the hand-over."))
    if not is_staff_of(to, inquiry.center_id, INQUIRY_TRANSITIONS["register"].roles):
        raise InquiryError("bad_owner", _("Hand over to an active staff member of this center."))
    if to.pk == inquiry.owner_id:
        raise InquiryError("same_owner", _("This person already owns the inquiry."))
    return {"owner": to}, {"from_owner": inquiry.owner_id, "to_owner": to.pk, "reason": reason}


def _guard_answer(inquiry: Inquiry, *, by, now: datetime, text: str = "") -> tuple[dict, dict]:
    text = text.strip()
    if not text:
        raise InquiryError("answer_required", _("Write down the answer given."))
    late = inquiry.follow_up_due is not None and timezone.localdate(now) > inquiry.follow_up_due
    return {"answer": text, "answered_at": now}, {"late": late}


def _guard_close(inquiry: Inquiry, *, by, now: datetime) -> tuple[dict, dict]:
    if not inquiry.has_answer:
        raise InquiryError("answer_required", _("An inquiry is closed only with an answer."))
    return {"closed_at": now}, {}


_GUARDS: dict[str, Callable[..., tuple[dict, dict]]] = {
    "hand_over": _guard_hand_over,
    "answer": _guard_answer,
    "close": _guard_close,
}


def _state_refusal(action: str, inquiry: Inquiry) -> InquiryError | None:
    if action == "close" and inquiry.state == InquiryState.OPEN:
        return InquiryError("answer_required", _("An inquiry is closed only with an answer."))
    return None


_WORKFLOW = Workflow(
    model=Inquiry, transitions=INQUIRY_TRANSITIONS, guards=_GUARDS, error=InquiryError,
    wording=Wording(wrong_center=gettext_lazy("This inquiry belongs to another center."),
                    conflict=gettext_lazy("Someone else changed this inquiry; reload it."),
                    bad_state=gettext_lazy("Not possible while the inquiry is “%(state)s”.")),
    event_model=InquiryEvent, event_fk="inquiry", state_refusal=_state_refusal,
)


def apply(inquiry: Inquiry, action: str, *, by, now: datetime | None = None, **payload) -> Inquiry:
    """The one transition service (domain.md §4.1; `yimen.lib.transitions.Workflow`). Returns the
    inquiry as changed.

    Refuses: an unknown action (`unknown_action`), a stale copy or a concurrent change
    (`conflict`), the actor (`forbidden`, `wrong_center`), the state (`bad_state`; closing an
    open follow-up: `answer_required`) and each action's guard."""
    return _WORKFLOW.apply(inquiry, action, by=by, now=now, **payload)


def hand_over(inquiry: Inquiry, to, *, by, reason: str, now: datetime | None = None) -> Inquiry:
    """Move ownership to `to` (another active staff member of the center), with a reason."""
    return apply(inquiry, "hand_over", by=by, now=now, to=to, reason=reason)


def answer(inquiry: Inquiry, text: str, *, by, now: datetime | None = None) -> Inquiry:
    """Record the answer of an open follow-up (late answers are flagged in the event)."""
    return apply(inquiry, "answer", by=by, now=now, text=text)


def close(inquiry: Inquiry, *, by, now: datetime | None = None) -> Inquiry:
    """Close an answered inquiry; an unanswered one is refused (`answer_required`)."""
    return apply(inquiry, "close", by=by, now=now)


# --- reading ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FollowUp:
    inquiry: Inquiry
    sla: Sla

    @property
    def due(self) -> date:
        return self.sla.due

    @property
    def wd_left(self) -> int:
        return self.sla.wd_left

    @property
    def status(self) -> str:
        return self.sla.status


def follow_up_sla(inquiry: Inquiry, *, today: date | None = None, calendar=None) -> Sla | None:
    """SLA of an open follow-up, computed on read; None when nothing is due."""
    if inquiry.state != InquiryState.OPEN or inquiry.follow_up_due is None:
        return None
    return sla_status(inquiry.follow_up_due, anchor=inquiry.registered_on, today=today or timezone.localdate(),
                      provisional=inquiry.due_provisional,
                      calendar=calendar or get_calendar(inquiry.center.calendar_id))


def worklist(user, *, today: date | None = None) -> list[FollowUp]:
    """The user's open follow-ups, earliest due first, with working days left and SLA status."""
    today = today or timezone.localdate()
    rows = (Inquiry.objects.filter(owner=user, state=InquiryState.OPEN)
            .select_related("center", "window", "item").order_by("follow_up_due", "registered_at", "pk"))
    calendars: dict[int | None, object] = {}
    items = []
    for inquiry in rows:
        cid = inquiry.center.calendar_id
        if cid not in calendars:
            calendars[cid] = get_calendar(cid)
        items.append(FollowUp(inquiry, follow_up_sla(inquiry, today=today, calendar=calendars[cid])))
    return items


def overdue_follow_ups(center: Center, *, today: date | None = None) -> QuerySet[Inquiry]:
    """Open follow-ups of a center past their due date (measure of 首问负责制), oldest due first."""
    today = today or timezone.localdate()
    return (Inquiry.objects.filter(center=center, state=InquiryState.OPEN, follow_up_due__lt=today)
            .select_related("owner").order_by("follow_up_due", "pk"))
