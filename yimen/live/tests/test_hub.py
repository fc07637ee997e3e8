"""The fan-out hub and signed subscriptions, without a server."""

import asyncio
import json

from yimen.live.hub import CLOSE, MAX_BACKLOG, PING, Hub
from yimen.live.subscribe import sign, verify


def run(coro) -> None:
    """asyncio.run in its own thread: Playwright's sync API may hold a running loop in this one."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coro).result()


def test_dispatch_reaches_only_subscribed_streams_once():
    async def scenario():
        hub = Hub()
        display = hub.subscribe(["center.1"])
        console = hub.subscribe(["center.1", "window.5"])
        other = hub.subscribe(["center.2"])
        n = hub.dispatch(json.dumps({"ch": ["center.1", "window.5"], "ev": {"label": "A012"}}))
        assert n == 2
        assert display.get_nowait() == b'data: {"label":"A012"}\n\n'
        assert console.qsize() == 1  # subscribed to both channels, receives the event once
        assert other.empty()
        hub.unsubscribe(["center.1", "window.5"], console)
        hub.unsubscribe(["center.1"], display)
        hub.unsubscribe(["center.2"], other)
        assert hub.subscribers == {} and hub.streams == 0

    run(scenario())


def test_malformed_messages_are_dropped():
    async def scenario():
        hub = Hub()
        q = hub.subscribe(["center.1"])
        assert hub.dispatch(b"not json") == 0
        assert hub.dispatch(json.dumps({"ev": {}})) == 0
        assert q.empty()

    run(scenario())


def test_a_stream_that_stops_reading_is_closed_not_buffered_forever():
    async def scenario():
        hub = Hub()
        q = hub.subscribe(["center.1"])
        for i in range(MAX_BACKLOG + 5):
            hub.dispatch(json.dumps({"ch": ["center.1"], "ev": {"i": i}}))
        frames = [q.get_nowait() for _ in range(q.qsize())]
        assert CLOSE in frames
        assert len(frames) <= MAX_BACKLOG + 5

    run(scenario())


def test_signed_subscription_round_trip_and_tampering():
    token = sign(["ticket.abc", "center.1", "center.1"])
    assert verify(token) == ["center.1", "ticket.abc"]
    assert verify(token[:-2] + ("AA" if not token.endswith("AA") else "BB")) is None
    assert verify("") is None
    assert verify("garbage") is None


def test_ping_reaches_every_stream_once():
    async def scenario():
        hub = Hub()
        a = hub.subscribe(["center.1", "window.2"])
        b = hub.subscribe(["ticket.x"])
        hub.ping()
        assert [a.get_nowait(), b.get_nowait()] == [PING, PING] and a.empty()

    run(scenario())
