"""The live process for real: granian serving yimen.live.asgi on the test database; this process
publishes (UDP on SQLite, pg_notify on PostgreSQL) and an SSE client receives."""

import time
import urllib.error
import urllib.request

from django.db import transaction

import pytest

from yimen.live import channels
from yimen.live.bus import publish
from yimen.live.subscribe import sign


def events_url(live, chans):
    from urllib.parse import quote

    return f"{live.url}/live/events?s={quote(sign(chans))}"


@pytest.mark.django_db(transaction=True)
def test_an_event_published_in_a_transaction_arrives_after_commit(live_process, sse):
    stream = sse(events_url(live_process, [channels.center(1)]))
    assert stream.status == 200
    with transaction.atomic():
        publish([channels.center(1)], {"type": "ticket", "action": "called", "ticket": {"label": "A012"}})
    sent = time.time()
    event = stream.next_event()
    assert event["ticket"]["label"] == "A012"
    assert event["action"] == "called"
    assert abs(event["ts"] - sent) < 2


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_publishes_nothing(live_process, sse):
    stream = sse(events_url(live_process, [channels.window(7)]))
    try:
        with transaction.atomic():
            publish([channels.window(7)], {"n": "rolled back"})
            raise RuntimeError("abort")
    except RuntimeError:
        pass
    with transaction.atomic():
        publish([channels.window(7)], {"n": "committed"})
    assert stream.next_event()["n"] == "committed"


@pytest.mark.django_db(transaction=True)
def test_streams_only_receive_their_channels(live_process, sse):
    mine = sse(events_url(live_process, [channels.ticket("tok-1")]))
    with transaction.atomic():
        publish([channels.ticket("tok-2")], {"n": "not for you"})
        publish([channels.ticket("tok-1"), channels.center(1)], {"n": "yours"})
    assert mine.next_event()["n"] == "yours"


@pytest.mark.django_db(transaction=True)
def test_a_forged_subscription_is_refused(live_process):
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"{live_process.url}/live/events?s=forged", timeout=3)
    assert err.value.code == 403
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"{live_process.url}/nowhere", timeout=3)
    assert err.value.code == 404
