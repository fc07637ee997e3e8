"""Public API of the audit trail: `log_action`."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Max

from .models import ActorKind, LogEntry

__all__ = ["log_action", "events_for"]


def log_action(obj: models.Model, action: str, actor=None, data: dict[str, Any] | None = None,
               *, actor_kind: str | None = None) -> LogEntry:
    """Append one event for `obj` in the caller's transaction; `seq` is contiguous per object.

    `actor` is a user or None (then the system acted). The unique (object, seq) constraint makes
    two concurrent writers fail loudly rather than share a number.
    """
    ct = ContentType.objects.get_for_model(obj)
    if actor_kind is None:
        actor_kind = ActorKind.USER if actor is not None else ActorKind.SYSTEM
    with transaction.atomic():
        last = (
            LogEntry.objects.filter(content_type=ct, object_id=str(obj.pk)).aggregate(m=Max("seq"))["m"] or 0
        )
        return LogEntry.objects.create(
            content_type=ct,
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            seq=last + 1,
            action=action,
            actor=actor if getattr(actor, "pk", None) else None,
            actor_kind=actor_kind,
            data=data or {},
        )


def events_for(obj: models.Model):
    return LogEntry.objects.for_object(obj).select_related("actor").order_by("seq")
