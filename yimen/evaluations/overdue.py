"""Overdue work orders (督办): the desk shows a past due as overdue on read (`services.review_sla`);
this sweep (huey, every 5 minutes, `tasks.sweep_overdue_reviews`) records each overdue due once
per (order, due kind, due date, level) and mails the center's managers, as the case sweep does
(domain.md §2.6), without touching the cases code.

Overdue dues: `contact_due` while a real-name order is RECEIVED, `feedback_due` while it is not
yet replied (RECEIVED, CONTACTED, RECTIFYING, APPEALING), `callback_due` while REPLIED; overdue
when today (local) is after the due. The unique constraint makes a second sweep, or two sweeps at
once, a no-op. A new round's `feedback_due` is a new due date, so it escalates again when missed.
The mail carries the order number, the dues and the desk link, never the evaluator's data.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yimen.accounts.constants import Role
from yimen.accounts.models import User
from yimen.lib.writers import write_turn

from .constants import DueKind, ReviewState
from .models import BadReview, ReviewEscalation

log = logging.getLogger(__name__)

LEVEL = "overdue"
_S = ReviewState
UNREPLIED = (_S.RECEIVED, _S.CONTACTED, _S.RECTIFYING, _S.APPEALING)


def overdue_dues(review: BadReview, today) -> list[tuple[str, object]]:
    dues = []
    if review.state == _S.RECEIVED and review.real_name and review.contact_due and today > review.contact_due:
        dues.append((DueKind.CONTACT, review.contact_due))
    if review.state in UNREPLIED and today > review.feedback_due:
        dues.append((DueKind.FEEDBACK, review.feedback_due))
    if review.state == _S.REPLIED and review.callback_due and today > review.callback_due:
        dues.append((DueKind.CALLBACK, review.callback_due))
    return dues


def managers_of(center_id: int) -> list[dict]:
    ids = User.objects.filter(center_id=center_id, role=Role.CENTER_MANAGER, is_active=True).values_list(
        "pk", flat=True)
    return [{"user": pk} for pk in sorted(ids)]


def sweep(now: datetime | None = None, *, batch: int = 2000) -> dict:
    """Record and mail each newly overdue due once; returns {"checked", "escalations"}."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    candidates = BadReview.objects.filter(
        Q(state=_S.RECEIVED, real_name=True, contact_due__lt=today)
        | Q(state__in=UNREPLIED, feedback_due__lt=today)
        | Q(state=_S.REPLIED, callback_due__lt=today)).order_by("pk")[:batch]
    stats = {"checked": 0, "escalations": 0}
    managers: dict[int, list] = {}
    for review in candidates:
        stats["checked"] += 1
        for kind, due in overdue_dues(review, today):
            key = {"review": review, "due_kind": kind, "due_date": due, "level": LEVEL}
            if ReviewEscalation.objects.filter(**key).exists():
                continue
            if review.center_id not in managers:
                managers[review.center_id] = managers_of(review.center_id)
            try:
                with write_turn(), transaction.atomic():
                    esc = ReviewEscalation.objects.create(**key, recipients=managers[review.center_id],
                                                          created_at=now)
                    transaction.on_commit(lambda pk=esc.pk: _queue_mail(pk))
            except IntegrityError:  # a concurrent sweep recorded it first
                continue
            stats["escalations"] += 1
    return stats


def _queue_mail(escalation_id: int) -> None:
    from .tasks import mail_escalation

    mail_escalation(escalation_id)


def mail_escalation(escalation_id: int) -> int:
    """Mail one escalation to its recipients with an address; returns the messages sent."""
    esc = ReviewEscalation.objects.select_related("review").filter(pk=escalation_id).first()
    if esc is None:
        return 0
    users = [r["user"] for r in esc.recipients if isinstance(r, dict) and r.get("user")]
    to = sorted(set(User.objects.filter(pk__in=users, is_active=True).exclude(email="")
                    .values_list("email", flat=True)))
    if not to:
        return 0
    review = esc.review
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Work order #%(n)s is overdue (督办)") % {"n": review.pk}
        lines = [subject, "", f"{esc.get_due_kind_display()}: {esc.due_date:%Y-%m-%d}",
                 _("State: %(state)s") % {"state": review.get_state_display()},
                 _("Received on: %(day)s") % {"day": f"{review.received_on:%Y-%m-%d}"}, "",
                 settings.SITE_URL.rstrip("/") + reverse("evaluations:review", args=[review.pk])]
    sent = EmailMessage(subject, "\n".join(lines), to=to).send()
    log.info("work order %s: %s overdue mailed to %d managers", review.pk, esc.due_kind, len(to))
    return sent
