"""The raw-row loader (yimen.lib.rows) answers exactly what the ORM answers, converters included."""

from django.db import connection
from django.forms.models import model_to_dict

from yimen.lib.rows import from_row, load, returning
from yimen.queueing.constants import Priority
from yimen.queueing.models import Queue, Ticket
from yimen.queueing.services import call_next, issue_ticket


def _same(a, b):
    assert type(a) is type(b)
    assert {f.attname: getattr(a, f.attname) for f in a._meta.concrete_fields} == \
        {f.attname: getattr(b, f.attname) for f in b._meta.concrete_fields}


def test_load_equals_orm_with_related(hall):
    _, windows, queue, _ = hall
    issue_ticket(queue, priority=Priority.GREEN_CHANNEL)
    called = call_next(windows[0])
    orm = Ticket.objects.select_related("queue", "window").get(pk=called.pk)
    raw = load(Ticket, called.pk, related=("queue", "window"))
    _same(raw, orm)
    _same(raw.queue, orm.queue)
    _same(raw.window, orm.window)
    assert raw.wait_started_at.tzinfo is not None  # datetimes come back aware, as the ORM's do
    assert load(Ticket, -1) is None
    assert load(Queue, "A", by="prefix").pk == queue.pk


def test_load_leaves_an_empty_nullable_relation_none(hall):
    _, _, queue, _ = hall
    ticket = issue_ticket(queue)
    raw = load(Ticket, ticket.pk, related=("window",))
    assert raw.window is None
    _same(raw, Ticket.objects.get(pk=ticket.pk))


def test_from_row_of_returning_equals_orm(hall):
    _, _, queue, _ = hall
    ticket = issue_ticket(queue, priority=Priority.GREEN_CHANNEL)
    with connection.cursor() as cur:
        cur.execute(f"SELECT {returning(Ticket)} FROM {Ticket._meta.db_table} WHERE id = %s", [ticket.pk])
        row = cur.fetchone()
    _same(from_row(Ticket, row), Ticket.objects.get(pk=ticket.pk))
    assert model_to_dict(from_row(Ticket, row))["priority"] == Priority.GREEN_CHANNEL
