"""The SLA sweep (domain.md §2.6): next_check_at, escalations once per level, deemed acceptance,
and the status computed on read."""

from datetime import date

import pytest
import time_machine

from yimen.accounts.constants import Role
from yimen.cases import deadlines, services
from yimen.cases.constants import CaseState, SlaStatus
from yimen.cases.models import Case, Escalation
from yimen.cases.public import worklist
from yimen.cases.services import apply, notify, sla_status, sweep

from .factories import at

pytestmark = pytest.mark.django_db
D = lambda m, d: date(2026, m, d)  # noqa: E731


@pytest.fixture
def received(world, new_case):
    case = new_case(D(2, 10))
    apply(case, "receive", by=world.ws, now=at(D(2, 10)))
    return case


@pytest.mark.parametrize(("today", "status"), [
    (D(2, 11), SlaStatus.OK), (D(2, 12), SlaStatus.OK), (D(2, 13), SlaStatus.WARNING),
    (D(2, 23), SlaStatus.WARNING), (D(2, 24), SlaStatus.DUE_TODAY), (D(2, 25), SlaStatus.OVERDUE),
])
def test_status_is_computed_on_read(received, today, status):
    assert sla_status(received, today) == status


def test_next_check_is_the_next_status_change(received):
    assert received.next_check_at == deadlines.local_midnight(D(2, 13))
    assert sweep(now=at(D(2, 12), 23))["checked"] == 0  # nothing due: the index range is empty


def test_each_escalation_level_fires_once(received, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr(services, "NOTIFIERS", [lambda n, kind, who: sent.append((n, kind, who))])
    with django_capture_on_commit_callbacks(execute=True):
        first = sweep(now=deadlines.local_midnight(D(2, 13)))
    assert first["escalations"] == 1
    assert sweep(now=deadlines.local_midnight(D(2, 13)))["escalations"] == 0
    assert Escalation.objects.filter(case=received).count() == 1
    assert sent == [(received.number, "escalation_warning", [{"role": "handler", "user": received.receiver_id}])]
    received.refresh_from_db()
    assert received.sla_status == SlaStatus.WARNING
    assert received.next_check_at == deadlines.local_midnight(D(2, 24))
    sweep(now=at(D(2, 24), 8))
    sweep(now=at(D(2, 24), 9))
    assert list(Escalation.objects.filter(case=received).order_by("id").values_list("level", flat=True)) == [
        "warning", "due_today"]


def test_deemed_acceptance_is_idempotent(received):
    sweep(now=at(D(2, 25), 0))
    case = Case.objects.get(pk=received.pk)
    assert case.state == CaseState.ACCEPTED and case.deemed_accepted
    snapshot = (case.version, case.events.count(), Escalation.objects.count(), case.legal_due)
    sweep(now=at(D(2, 25), 0))
    case.refresh_from_db()
    assert (case.version, case.events.count(), Escalation.objects.count(), case.legal_due) == snapshot
    deemed = case.events.get(action="deem_accept")
    assert deemed.actor is None and deemed.actor_kind == "system"


def test_notifications_wait_for_commit(world, new_case, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr(services, "NOTIFIERS", [lambda n, kind, who: sent.append(kind)])
    case = new_case(D(3, 3))
    with django_capture_on_commit_callbacks() as callbacks:
        apply(case, "receive", by=world.ws, now=at(D(3, 3)))
        notify(case, "test", [])
    assert sent == []
    for callback in callbacks:
        callback()
    assert sent == ["received", "test"]


def test_command_and_periodic_task_run_the_sweep(received, time_machine):
    from io import StringIO

    from django.core.management import call_command

    from yimen.cases import tasks

    time_machine.move_to(at(D(2, 25), 1))
    out = StringIO()
    call_command("sweep_cases", stdout=out)
    assert "1 deemed accepted" in out.getvalue()
    tasks.sweep_cases.call_local()  # huey runs the same function every 5 minutes
    received.refresh_from_db()
    assert received.state == CaseState.ACCEPTED


@pytest.mark.parametrize(("today", "status", "left"), [
    (D(2, 11), SlaStatus.OK, 4), (D(2, 13), SlaStatus.WARNING, 2), (D(2, 24), SlaStatus.DUE_TODAY, 0),
    (D(2, 25), SlaStatus.OVERDUE, -1),
])
def test_worklist_shows_the_running_deadline_as_on_read(world, received, today, status, left):
    """Working days after 10 Feb 2026: 11, 12, 13, Sat 14 (make-up day), then 24 Feb after the Spring Festival."""
    [row] = worklist(world.ws, today=today)
    assert (row["number"], row["due"], row["sla_status"], row["working_days_left"]) == (
        received.number, D(2, 24), status, left)
    assert row["sla_status"] == sla_status(received, today)


def _mail(message) -> tuple[str, str, str]:
    from email.header import decode_header, make_header

    body = message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")
    return message["X-Envelope-To"], str(make_header(decode_header(message["Subject"]))), body


def test_escalations_mail_the_handler_then_the_chief_representative(world, received, smtp_server,
                                                                     django_capture_on_commit_callbacks):
    """Real SMTP: warning → the handler; due today → also the agency's 首席事务代表; a deemed
    acceptance → the agency's reviewers. No applicant data in the mail."""
    from .factories import chief, make_user

    world.ws.email, world.rv.email = "ws@center.example", "rv@agency.example"
    world.ws.save()
    world.rv.save()
    head = make_user(Role.REVIEWER, agency=world.agency, email="chief@agency.example")
    chief(head, world.item)
    for now in (deadlines.local_midnight(D(2, 13)), at(D(2, 24), 8), at(D(2, 25), 0)):
        # the sweep runs at `now`; the mail leaves within working hours (quiet hours: test_notifications)
        with time_machine.travel(at(now.date(), 10), tick=False), django_capture_on_commit_callbacks(execute=True):
            sweep(now=now)
    mails = [_mail(m) for m in smtp_server]
    assert [(to, subject) for to, subject, _body in mails] == [
        ("ws@center.example", f"办件{received.number}即将到期"),
        ("chief@agency.example, ws@center.example", f"办件{received.number}今日到期"),
        ("chief@agency.example, rv@agency.example", f"办件{received.number}已依法视为受理，待审查"),
        # accepted as of receipt (10 Feb): the promised limit has run out too
        ("chief@agency.example, ws@center.example", f"办件{received.number}已超期（督办）"),
    ]
    for _to, _subject, body in mails:
        assert f"http://127.0.0.1:8000/cases/staff/{received.number}/" in body
        assert "张三" not in body and received.id_number not in body and "13812345678" not in body


def test_overdue_reaches_the_center_managers(world, received):
    world.cm.email = "cm@center.example"
    world.cm.save()
    people = services._recipients(received, "overdue", D(2, 25))
    assert {"role": "center_manager", "user": world.cm.pk} in people and people[0]["role"] == "handler"
