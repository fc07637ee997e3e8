"""Database triggers refusing UPDATE and DELETE on cannot-handle report events (SQLite and PostgreSQL).

As auditlog migration 0002: UPDATE is always refused; DELETE (and TRUNCATE on PostgreSQL) only
while a row sits in `auditlog_maintenance` (test flushes, retention purge). On PostgreSQL the
trigger function `auditlog_refuse_change()` installed by auditlog 0002 is reused.
"""

from django.db import migrations

TABLE = "cannot_handle_cannothandleevent"

SQLITE_UP = [
    f"""CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE}
       BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;""",
    f"""CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE}
       WHEN NOT EXISTS (SELECT 1 FROM auditlog_maintenance)
       BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;""",
]
SQLITE_DOWN = [f"DROP TRIGGER IF EXISTS {TABLE}_no_update;", f"DROP TRIGGER IF EXISTS {TABLE}_no_delete;"]
PG_UP = [
    f"""CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE}
       FOR EACH ROW EXECUTE FUNCTION auditlog_refuse_change();""",
    f"""CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE}
       FOR EACH STATEMENT EXECUTE FUNCTION auditlog_refuse_change();""",
]
PG_DOWN = [f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE};",
           f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE};"]


def up(apps, schema_editor):
    for sql in {"sqlite": SQLITE_UP, "postgresql": PG_UP}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def down(apps, schema_editor):
    for sql in {"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("cannot_handle", "0001_initial"), ("auditlog", "0002_append_only_triggers")]
    operations = [migrations.RunPython(up, down)]
