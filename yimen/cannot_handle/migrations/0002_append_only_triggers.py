"""Database triggers refusing UPDATE and DELETE on cannot-handle report events (SQLite and PostgreSQL).

As auditlog migration 0002: UPDATE is always refused; DELETE (and TRUNCATE on PostgreSQL) only
while a row sits in `auditlog_maintenance` (test flushes, retention purge). On PostgreSQL the
trigger function `auditlog_refuse_change()` installed by auditlog 0002 is reused.
"""

from django.db import migrations

from yimen.lib.append_only import trigger_operations


class Migration(migrations.Migration):
    dependencies = [("cannot_handle", "0001_initial"), ("auditlog", "0002_append_only_triggers")]
    operations = trigger_operations("cannot_handle_cannothandleevent")
