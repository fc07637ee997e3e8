"""Several servers share the displays (hall issue, Realtime): a call made through one server
reaches a display connected to another server's live process. On PostgreSQL the bus is
LISTEN/NOTIFY; each server here is a real granian WSGI process plus its own live process."""

import json
import secrets
import urllib.parse
import urllib.request

from django.db import connection
from django.test import Client

import pytest

from yimen.accounts.models import User
from yimen.hall.models import Center, Window
from yimen.hall.services import sign_in
from yimen.live import channels
from yimen.live.subscribe import sign
from yimen.queueing.models import Queue
from yimen.queueing.services import issue_ticket

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def staff_session(username: str) -> dict[str, str]:
    """Headers of a logged-in staff session (stored in the shared database) with a CSRF pair."""
    client = Client()
    client.force_login(User.objects.get(username=username))
    csrf = secrets.token_hex(16)
    return {"Cookie": f"sessionid={client.cookies['sessionid'].value}; csrftoken={csrf}", "X-CSRFToken": csrf}


def test_a_call_through_one_server_reaches_a_display_on_another(demo, yimen_servers, sse):
    if connection.vendor != "postgresql":
        pytest.skip("across server processes the bus is PostgreSQL LISTEN/NOTIFY (docs/realtime.md)")
    center = Center.objects.get(code=demo["center"])
    window = Window.objects.get(center=center, number="01")
    sign_in(User.objects.get(username="window1"), window)
    ticket = issue_ticket(Queue.objects.get(center=center, prefix="A"), channel="staff")

    one, two = yimen_servers(), yimen_servers()
    display = sse(f"{two.live_url}/live/events?s={urllib.parse.quote(sign([channels.center(center.pk)]))}")
    assert display.status == 200

    request = urllib.request.Request(f"{one.url}/api/v1/queue/windows/{window.pk}/call-next", data=b"{}",
                                     method="POST", headers={**staff_session("window1"),
                                                             "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as r:
        assert r.status == 200
        assert json.load(r)["label"] == ticket.label

    event = display.next_event()
    assert event["action"] == "call" and event["ticket"]["label"] == ticket.label
    assert event["ticket"]["window"] == "01"
