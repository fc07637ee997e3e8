"""The one append-only event table (domain.md §3.7).

Rows are only ever inserted. The model refuses save-on-existing and delete, the queryset refuses
update and delete, and database triggers (installed by migration 0002 on SQLite and PostgreSQL)
refuse UPDATE and DELETE issued as raw SQL.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an event."""


class LogEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit events cannot be updated")

    def delete(self):
        raise AppendOnlyError("audit events cannot be deleted")

    def for_object(self, obj):
        return self.filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))


class ActorKind(models.TextChoices):
    USER = "user", _("Staff user")
    SYSTEM = "system", _("System")
    CITIZEN = "citizen", _("Citizen")
    DEVICE = "device", _("Device")


class LogEntry(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200, blank=True)
    seq = models.PositiveIntegerField(help_text=_("Contiguous per object, from 1"))
    action = models.CharField(max_length=100, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices, default=ActorKind.USER)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)

    objects = LogEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id", "seq"], name="auditlog_seq_unique")
        ]
        indexes = [models.Index(fields=["content_type", "object_id", "seq"], name="auditlog_obj_idx")]

    def __str__(self) -> str:
        return f"{self.action} #{self.seq} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("audit events cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events cannot be deleted")
