"""Database triggers that refuse UPDATE and DELETE on case events (SQLite and PostgreSQL).

UPDATE is always refused. DELETE (and TRUNCATE on PostgreSQL) is refused unless a row exists in
`auditlog_maintenance` (created by auditlog migration 0002), which only the retention purge run by a
database administrator or the test runner's database flush writes to. On PostgreSQL the triggers
call their own function `cases_caseevent_refuse_change()`, whose error names case events.
"""

from django.db import migrations

from yimen.lib.append_only import trigger_operations


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial"), ("auditlog", "0002_append_only_triggers")]
    operations = trigger_operations("cases_caseevent", message="case events are append-only", own_function=True)
