"""Guide feedback (指南动态修订): a bad review whose verified cause is a wrong or unclear guide opens
a guide revision task for the item's agency editor (domain.md §3.5).

The trigger: the order's verification is 属实 or 部分属实 (set by `verify`, or by `reply` when it
verifies) and its evaluation carries the reason tag `guide_inaccurate` (指南不准确). The task names
the agency, the item and the case's situation (the guide desk `/staff/guides/<situation>/` edits
its guide); it is opened once per order, in the transaction of the action, and closed by the
editor with a note of what was revised. No catalog code changes: the editor revises the guide
through the guide desk as for any revision (reason "review feedback").
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yimen.accounts.constants import Role

from .constants import GUIDE_TAG, SUBSTANTIATED, GuideTaskState
from .models import BadReview, GuideRevisionTask

TASK_ROLES = (Role.AGENCY_EDITOR, Role.CENTER_MANAGER, Role.ADMIN)


def wants_revision(review: BadReview) -> bool:
    return review.verification in SUBSTANTIATED and review.evaluation.reason_tags.filter(code=GUIDE_TAG).exists()


def open_for(review: BadReview, *, now=None) -> GuideRevisionTask | None:
    """The order's guide revision task, opened if its verified cause is the guide (idempotent)."""
    if not wants_revision(review):
        return None
    existing = GuideRevisionTask.objects.filter(review=review).first()
    if existing is not None:
        return existing
    ev = review.evaluation
    case = ev.case
    parts = [_("Reasons: %(tags)s") % {"tags": "、".join(t.name for t in ev.reason_tags.all())}]
    if ev.comment:
        parts.append(_("Comment: %(text)s") % {"text": ev.comment})
    parts += [line.problem for line in review.ledger.all()]
    if review.verification_note:
        parts.append(review.verification_note)
    try:
        with transaction.atomic():
            return GuideRevisionTask.objects.create(
                review=review, center_id=review.center_id, agency_id=ev.agency_id or review.agency_id,
                item_id=ev.item_id, situation_id=case.situation_id if case else None, problem="\n".join(parts),
                created_at=now or timezone.now())
    except IntegrityError:  # opened by a concurrent action on the same order
        return GuideRevisionTask.objects.get(review=review)


def visible_tasks(user) -> QuerySet:
    """An agency editor sees the tasks of the agency; a center manager the center's; an administrator all."""
    rows = GuideRevisionTask.objects.select_related("agency", "item", "situation", "review", "done_by")
    if user.is_superuser or user.role == Role.ADMIN:
        return rows
    if user.role == Role.AGENCY_EDITOR and user.agency_id:
        return rows.filter(agency_id=user.agency_id)
    if user.role == Role.CENTER_MANAGER and user.center_id:
        return rows.filter(center_id=user.center_id)
    return rows.none()


class TaskRefused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def mark_done(task: GuideRevisionTask, *, by, note: str, now=None) -> GuideRevisionTask:
    """Close the task with a note of what was revised. Refuses `note_required`, `already_done`."""
    note = (note or "").strip()
    if not note:
        raise TaskRefused("note_required", _("Say what was revised in the guide."))
    now = now or timezone.now()
    changed = GuideRevisionTask.objects.filter(pk=task.pk, state=GuideTaskState.OPEN).update(
        state=GuideTaskState.DONE, done_at=now, done_by=by, done_note=note[:2000])
    if not changed:
        raise TaskRefused("already_done", _("This task is already done."))
    task.refresh_from_db()
    return task
