"""Database triggers that refuse UPDATE and DELETE on case events (SQLite and PostgreSQL).

UPDATE is always refused. DELETE (and TRUNCATE on PostgreSQL) is refused unless a row exists in
`auditlog_maintenance` (created by auditlog migration 0002), which only the retention purge run by a
database administrator or the test runner's database flush writes to.
"""

from django.db import migrations

SQLITE_UP = [
    """CREATE TRIGGER cases_caseevent_no_update BEFORE UPDATE ON cases_caseevent
       BEGIN SELECT RAISE(ABORT, 'case events are append-only'); END;""",
    """CREATE TRIGGER cases_caseevent_no_delete BEFORE DELETE ON cases_caseevent
       WHEN NOT EXISTS (SELECT 1 FROM auditlog_maintenance)
       BEGIN SELECT RAISE(ABORT, 'case events are append-only'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS cases_caseevent_no_update;",
    "DROP TRIGGER IF EXISTS cases_caseevent_no_delete;",
]
PG_UP = [
    """CREATE OR REPLACE FUNCTION cases_caseevent_refuse_change() RETURNS trigger AS $$
       BEGIN
         IF TG_OP <> 'UPDATE' AND EXISTS (SELECT 1 FROM auditlog_maintenance) THEN
           IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
           RETURN NULL;
         END IF;
         RAISE EXCEPTION 'case events are append-only';
       END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER cases_caseevent_append_only BEFORE UPDATE OR DELETE ON cases_caseevent
       FOR EACH ROW EXECUTE FUNCTION cases_caseevent_refuse_change();""",
    """CREATE TRIGGER cases_caseevent_no_truncate BEFORE TRUNCATE ON cases_caseevent
       FOR EACH STATEMENT EXECUTE FUNCTION cases_caseevent_refuse_change();""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS cases_caseevent_append_only ON cases_caseevent;",
    "DROP TRIGGER IF EXISTS cases_caseevent_no_truncate ON cases_caseevent;",
    "DROP FUNCTION IF EXISTS cases_caseevent_refuse_change();",
]


def up(apps, schema_editor):
    for sql in {"sqlite": SQLITE_UP, "postgresql": PG_UP}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def down(apps, schema_editor):
    for sql in {"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial"), ("auditlog", "0002_append_only_triggers")]
    operations = [migrations.RunPython(up, down)]
