"""Case events: contiguous `seq`, append-only in the ORM and in the database (domain.md §3.7)."""

from datetime import date

from django.db import DatabaseError, connection, transaction

import pytest

from yimen.cases.models import AppendOnlyError, CaseEvent
from yimen.cases.services import apply

from .factories import at

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 3)


@pytest.fixture
def case(world, new_case):
    case = new_case(DAY)
    apply(case, "receive", by=world.ws, now=at(DAY))
    apply(case, "accept", by=world.ws, now=at(DAY, 11))
    apply(case, "start_review", by=world.rv, now=at(DAY, 12))
    return case


def test_seq_is_contiguous_and_events_carry_their_context(case, world):
    events = list(case.events.order_by("seq"))
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert [(e.action, e.from_state, e.to_state) for e in events] == [
        ("open", "", "submitted"), ("receive", "submitted", "received"), ("accept", "received", "accepted"),
        ("start_review", "accepted", "under_review")]
    accept = events[2]
    assert accept.actor == world.ws and accept.business_date == DAY
    assert accept.payload["deadlines"]["after"]["legal_due"] == "2026-03-31"


def test_orm_update_and_delete_are_refused(case):
    event = case.events.first()
    event.action = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        CaseEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        CaseEvent.objects.all().delete()


def test_raw_sql_update_and_delete_are_refused_by_triggers(case):
    event = case.events.first()
    table = CaseEvent._meta.db_table
    with connection.cursor() as cur:  # close the maintenance window (rolled back after the test)
        cur.execute("DELETE FROM auditlog_maintenance")
    for sql in (f"UPDATE {table} SET action = 'x' WHERE id = %s", f"DELETE FROM {table} WHERE id = %s"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [event.pk])
    assert CaseEvent.objects.get(pk=event.pk).action == "open"


def test_truncate_is_refused_on_postgresql(case):
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE exists only on PostgreSQL")
    with connection.cursor() as cur:
        cur.execute("DELETE FROM auditlog_maintenance")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"TRUNCATE {CaseEvent._meta.db_table} CASCADE")
    assert CaseEvent.objects.filter(case=case).count() == 4


def test_raw_delete_works_only_in_a_maintenance_window(case):
    event = case.events.first()
    with connection.cursor() as cur:
        cur.execute("DELETE FROM auditlog_maintenance")
        cur.execute("INSERT INTO auditlog_maintenance (id, reason) VALUES (7, 'retention purge')")
        cur.execute(f"DELETE FROM {CaseEvent._meta.db_table} WHERE id = %s", [event.pk])
    assert not CaseEvent.objects.filter(pk=event.pk).exists()
