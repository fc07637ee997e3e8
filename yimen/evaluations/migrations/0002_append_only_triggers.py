"""Database triggers refusing UPDATE and DELETE on bad-review events (SQLite and PostgreSQL), as
auditlog migration 0002 does; PostgreSQL reuses `auditlog_refuse_change()`."""

from django.db import migrations

from yimen.lib.append_only import trigger_operations


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0001_initial"), ("auditlog", "0002_append_only_triggers")]
    operations = trigger_operations("evaluations_badreviewevent")
