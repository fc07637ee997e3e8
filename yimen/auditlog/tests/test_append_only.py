from django.db import DatabaseError, connection, transaction

import pytest

from yimen.auditlog.models import AppendOnlyError, LogEntry
from yimen.auditlog.services import events_for, log_action
from yimen.workdays.services import default_calendar


@pytest.fixture
def subject(db):
    return default_calendar()


def test_log_action_numbers_events_per_object(subject):
    a = log_action(subject, "test.one", None, {"x": 1})
    b = log_action(subject, "test.two", None)
    assert (a.seq, b.seq) == (1, 2)
    assert [e.action for e in events_for(subject)] == ["test.one", "test.two"]
    assert a.actor_kind == "system"


def test_orm_update_and_delete_are_refused(subject):
    entry = log_action(subject, "test.one", None)
    entry.action = "changed"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        LogEntry.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        LogEntry.objects.all().delete()


def test_raw_sql_update_and_delete_are_refused_by_triggers(subject):
    entry = log_action(subject, "test.one", None)
    table = LogEntry._meta.db_table
    with connection.cursor() as cur:  # no maintenance window open (rolled back after the test)
        cur.execute("DELETE FROM auditlog_maintenance")
    for sql in (f"UPDATE {table} SET action = 'x' WHERE id = %s", f"DELETE FROM {table} WHERE id = %s"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [entry.pk])
    assert LogEntry.objects.get(pk=entry.pk).action == "test.one"


def test_truncate_is_refused_on_postgresql(subject):
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE exists only on PostgreSQL")
    log_action(subject, "test.one", None)
    with connection.cursor() as cur:
        cur.execute("DELETE FROM auditlog_maintenance")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"TRUNCATE {LogEntry._meta.db_table} CASCADE")
    assert LogEntry.objects.count() == 1


def test_delete_is_possible_only_in_a_maintenance_window(subject):
    entry = log_action(subject, "test.old", None)
    table = LogEntry._meta.db_table
    with connection.cursor() as cur:
        cur.execute("DELETE FROM auditlog_maintenance")
        cur.execute("INSERT INTO auditlog_maintenance (id, reason) VALUES (7, 'retention purge')")
        cur.execute(f"DELETE FROM {table} WHERE id = %s", [entry.pk])
    assert not LogEntry.objects.filter(pk=entry.pk).exists()
