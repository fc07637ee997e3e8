"""Append-only per-object events (domain.md §3.7): the abstract base of `InquiryEvent` and
`CannotHandleEvent`.

Rows are only inserted. The model refuses save-on-existing and delete, the queryset refuses
update and delete (`yimen.auditlog.models.AppendOnlyError`), and each concrete table gets
database triggers from its migration (as auditlog migration 0002 does) refusing UPDATE and
DELETE issued as raw SQL, unless a row sits in `auditlog_maintenance` (test flushes, retention).

Generic: it belongs in `yimen.lib` once that package's owners take it (a move of one import).
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from yimen.auditlog.models import ActorKind, AppendOnlyError

__all__ = ["AppendOnlyError", "Event", "EventQuerySet"]


class EventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("events cannot be updated")

    def delete(self):
        raise AppendOnlyError("events cannot be deleted")


class Event(models.Model):
    """One step of an object's history; `seq` is contiguous per object from 1."""

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
            raise AppendOnlyError("events cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("events cannot be deleted")

