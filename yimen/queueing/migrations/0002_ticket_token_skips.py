"""Ticket.public_token (filled for existing rows, then unique), Ticket.skip_count and the queue's
channel and recall settings."""

import secrets

from django.db import migrations, models

import yimen.queueing.models


def fill_tokens(apps, schema_editor):
    Ticket = apps.get_model("queueing", "Ticket")
    for pk in Ticket.objects.filter(public_token__isnull=True).values_list("pk", flat=True).iterator():
        Ticket.objects.filter(pk=pk).update(public_token=secrets.token_urlsafe(16))


class Migration(migrations.Migration):

    dependencies = [
        ("queueing", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="public_token",
            field=models.CharField(editable=False, max_length=32, null=True),
        ),
        migrations.RunPython(fill_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="ticket",
            name="public_token",
            field=models.CharField(default=yimen.queueing.models.new_token, editable=False, max_length=32,
                                   unique=True),
        ),
        migrations.AddField(
            model_name="ticket",
            name="skip_count",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="times skipped"),
        ),
        migrations.AddField(
            model_name="queue",
            name="channels",
            field=models.JSONField(blank=True, default=yimen.queueing.models.all_channels,
                                   help_text="Where tickets of this queue may be taken: kiosk, phone, checkin, staff",
                                   verbose_name="channels"),
        ),
        migrations.AddField(
            model_name="queue",
            name="max_recalls",
            field=models.PositiveSmallIntegerField(default=3, help_text="After this many recalls the next one ends "
                                                   "the ticket as a no-show", verbose_name="calls again at most"),
        ),
        migrations.AddField(
            model_name="queue",
            name="recall_after_minutes",
            field=models.PositiveSmallIntegerField(default=1, help_text="A ticket is not called again sooner",
                                                   verbose_name="minutes between calls"),
        ),
    ]
