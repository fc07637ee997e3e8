"""The live process: a raw ASGI app holding server-sent-event streams (perf-baseline.md §4,
design D). Pages and the API stay on granian's WSGI workers; this process only verifies a
signed subscription, keeps the stream, and relays bus messages. It never queries the database.

Routes: `GET /live/events?s=<signed channels>` (text/event-stream), `GET /live/health`.
Run: `granian --interface asgi --workers 1 yimen.live.asgi:app` (manage.py serve does this).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
from urllib.parse import parse_qs

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yimen.settings")
django.setup()

from django.conf import settings  # noqa: E402

from . import listeners  # noqa: E402
from .hub import CLOSE, Hub  # noqa: E402
from .subscribe import verify  # noqa: E402

log = logging.getLogger("yimen.live")
HEARTBEAT_SECONDS = 20
hub = Hub()
_started: asyncio.Task | None = None


def _headers(content_type: bytes) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-type", content_type),
        (b"cache-control", b"no-store"),
        (b"access-control-allow-origin", b"*"),  # pages are served from the WSGI port
        (b"x-accel-buffering", b"no"),
        (b"x-content-type-options", b"nosniff"),
    ]


async def _plain(send, status: int, body: dict) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": _headers(b"application/json")})
    await send({"type": "http.response.body", "body": json.dumps(body).encode()})


async def _heartbeat() -> None:
    """A comment line to every stream now and then keeps proxies and NAT from closing idle ones."""
    while True:
        await asyncio.sleep(HEARTBEAT_SECONDS)
        hub.ping()


async def _ensure_listeners() -> None:
    global _started
    if _started is None or _started.done():
        _started = asyncio.create_task(listeners.run(hub))
        asyncio.create_task(_heartbeat())


async def _events(scope, receive, send) -> None:
    query = parse_qs(scope.get("query_string", b"").decode())
    channels = verify((query.get("s") or [""])[0])
    if channels is None:
        await _plain(send, 403, {"detail": "invalid or expired subscription", "code": "forbidden"})
        return
    await _ensure_listeners()
    q = hub.subscribe(channels)

    async def watch_disconnect():
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                q.put_nowait(CLOSE)
                return

    watcher = asyncio.create_task(watch_disconnect())
    try:
        await send({"type": "http.response.start", "status": 200, "headers": _headers(b"text/event-stream")})
        # reconnect after 2-5 s, spread so a restart does not bring every display back at once
        await send({"type": "http.response.body", "more_body": True,
                    "body": f"retry: {random.randint(2000, 5000)}\n: ok\n\n".encode()})
        while True:
            frame = await q.get()  # one heartbeat task feeds every stream (no timer per stream)
            if frame == CLOSE:
                break
            await send({"type": "http.response.body", "body": frame, "more_body": True})
    except OSError:
        pass
    finally:
        hub.unsubscribe(channels, q)
        watcher.cancel()


async def app(scope, receive, send) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await _ensure_listeners()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if _started is not None:
                    _started.cancel()
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    path = scope["path"]
    if path == "/live/events" and scope["method"] == "GET":
        await _events(scope, receive, send)
    elif path == "/live/health":
        await _ensure_listeners()
        await _plain(send, 200, {"status": "ok", "streams": hub.streams, "delivered": hub.delivered,
                                 "bus": listeners.describe(), "port": settings.LIVE_PORT})
    else:
        await _plain(send, 404, {"detail": "not found", "code": "not_found"})
