"""Database triggers that make an event table append-only (SQLite and PostgreSQL), for migrations.

As auditlog migration 0002 does for `auditlog_logentry`: UPDATE is always refused; DELETE (and
TRUNCATE on PostgreSQL) is refused unless a row sits in `auditlog_maintenance` (created by auditlog
migration 0002), which only the retention purge run by a database administrator or the test
runner's database flush writes to. On PostgreSQL the triggers call `auditlog_refuse_change()`
(also from auditlog 0002) unless the table has its own function (`own_function=True`: a
`<table>_refuse_change()` raising `message`).

A migration using it depends on `("auditlog", "0002_append_only_triggers")`:

    operations = trigger_operations("inquiries_inquiryevent")
"""

from __future__ import annotations

from functools import partial

from django.db import migrations

__all__ = ["trigger_operations", "trigger_sql"]


def trigger_sql(table: str, *, message: str = "events are append-only",
                own_function: bool = False) -> dict[str, dict[str, list[str]]]:
    """The statements per database vendor: `{"up": {"sqlite": [...], "postgresql": [...]}, "down": {...}}`."""
    sqlite_up = [
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
       BEGIN SELECT RAISE(ABORT, '{message}'); END;""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
       WHEN NOT EXISTS (SELECT 1 FROM auditlog_maintenance)
       BEGIN SELECT RAISE(ABORT, '{message}'); END;""",
    ]
    sqlite_down = [f"DROP TRIGGER IF EXISTS {table}_no_update;", f"DROP TRIGGER IF EXISTS {table}_no_delete;"]
    function = f"{table}_refuse_change" if own_function else "auditlog_refuse_change"
    pg_up = [
        f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
       FOR EACH ROW EXECUTE FUNCTION {function}();""",
        f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
       FOR EACH STATEMENT EXECUTE FUNCTION {function}();""",
    ]
    pg_down = [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};",
               f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};"]
    if own_function:
        pg_up.insert(0, f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
       BEGIN
         IF TG_OP <> 'UPDATE' AND EXISTS (SELECT 1 FROM auditlog_maintenance) THEN
           IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
           RETURN NULL;
         END IF;
         RAISE EXCEPTION '{message}';
       END; $$ LANGUAGE plpgsql;""")
        pg_down.append(f"DROP FUNCTION IF EXISTS {function}();")
    return {"up": {"sqlite": sqlite_up, "postgresql": pg_up}, "down": {"sqlite": sqlite_down, "postgresql": pg_down}}


def _execute(apps, schema_editor, *, statements: dict[str, list[str]]) -> None:
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def trigger_operations(table: str, *, message: str = "events are append-only",
                       own_function: bool = False) -> list[migrations.RunPython]:
    """One reversible `RunPython` installing the append-only triggers of `table` (see `trigger_sql`)."""
    sql = trigger_sql(table, message=message, own_function=own_function)
    return [migrations.RunPython(partial(_execute, statements=sql["up"]), partial(_execute, statements=sql["down"]))]
