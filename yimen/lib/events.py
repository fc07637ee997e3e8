"""Append-only per-object events (domain.md §3.7): the abstract base of `CaseEvent`, `InquiryEvent`
and `CannotHandleEvent`.

Rows are only inserted. The model refuses save-on-existing and delete, the queryset refuses
update and delete (`yimen.auditlog.models.AppendOnlyError`), and each concrete table gets
database triggers from its migration (`yimen.lib.append_only.trigger_operations`, as auditlog
migration 0002 does) refusing UPDATE and DELETE issued as raw SQL, unless a row sits in
`auditlog_maintenance` (test flushes, retention).
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from yimen.auditlog.models import ActorKind, AppendOnlyError

__all__ = ["AppendOnlyError", "Event", "EventQuerySet", "next_seq"]


class EventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.append_only_name} cannot be updated")

    def delete(self):
        raise AppendOnlyError(f"{self.model.append_only_name} cannot be deleted")


class Event(models.Model):
    """One step of an object's history; `seq` is contiguous per object from 1.

    A concrete event adds the foreign key to its object, a unique constraint on (object, seq)
    and its triggers; it may override a field (a longer `action`, say)."""

    append_only_name = "events"  # how refusals name the rows ("case events cannot be updated")

    seq = models.PositiveIntegerField(_("sequence"))
    action = models.CharField(_("action"), max_length=30)
    from_state = models.CharField(_("from state"), max_length=20, blank=True)
    to_state = models.CharField(_("to state"), max_length=20, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("actor"))
    actor_kind = models.CharField(_("actor kind"), max_length=10, choices=ActorKind.choices, default=ActorKind.USER)
    at = models.DateTimeField(_("time"))
    business_date = models.DateField(_("business date"))
    payload = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    objects = EventQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["seq"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError(f"{self.append_only_name} cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self.append_only_name} cannot be deleted")


def next_seq(events: models.QuerySet) -> int:
    """The `seq` of the next event among `events` (one object's events; its row locked)."""
    return (events.aggregate(m=Max("seq"))["m"] or 0) + 1
