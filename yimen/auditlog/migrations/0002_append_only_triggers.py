"""Database triggers that refuse UPDATE and DELETE on audit events (SQLite and PostgreSQL).

UPDATE is always refused. DELETE (and TRUNCATE on PostgreSQL) is refused unless a row exists in
`auditlog_maintenance`, a table outside Django's models that only a database administrator
running the retention purge (events older than the retention period, a11y-security.md S14) or
the test runner's database flush writes to.
"""

from django.db import migrations

MAINTENANCE = "CREATE TABLE auditlog_maintenance (id INTEGER PRIMARY KEY, reason VARCHAR(200) NOT NULL)"

SQLITE_UP = [
    MAINTENANCE,
    """CREATE TRIGGER auditlog_logentry_no_update BEFORE UPDATE ON auditlog_logentry
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
    """CREATE TRIGGER auditlog_logentry_no_delete BEFORE DELETE ON auditlog_logentry
       WHEN NOT EXISTS (SELECT 1 FROM auditlog_maintenance)
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS auditlog_logentry_no_update;",
    "DROP TRIGGER IF EXISTS auditlog_logentry_no_delete;",
    "DROP TABLE IF EXISTS auditlog_maintenance;",
]
PG_UP = [
    MAINTENANCE,
    """CREATE OR REPLACE FUNCTION auditlog_refuse_change() RETURNS trigger AS $$
       BEGIN
         IF TG_OP <> 'UPDATE' AND EXISTS (SELECT 1 FROM auditlog_maintenance) THEN
           IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
           RETURN NULL;
         END IF;
         RAISE EXCEPTION 'audit events are append-only';
       END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER auditlog_logentry_append_only BEFORE UPDATE OR DELETE ON auditlog_logentry
       FOR EACH ROW EXECUTE FUNCTION auditlog_refuse_change();""",
    """CREATE TRIGGER auditlog_logentry_no_truncate BEFORE TRUNCATE ON auditlog_logentry
       FOR EACH STATEMENT EXECUTE FUNCTION auditlog_refuse_change();""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS auditlog_logentry_append_only ON auditlog_logentry;",
    "DROP TRIGGER IF EXISTS auditlog_logentry_no_truncate ON auditlog_logentry;",
    "DROP FUNCTION IF EXISTS auditlog_refuse_change();",
    "DROP TABLE IF EXISTS auditlog_maintenance;",
]


def up(apps, schema_editor):
    statements = {"sqlite": SQLITE_UP, "postgresql": PG_UP}.get(schema_editor.connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def down(apps, schema_editor):
    statements = {"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN}.get(schema_editor.connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("auditlog", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
