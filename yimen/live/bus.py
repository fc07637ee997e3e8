"""The bus between the processes that change things (WSGI, huey) and the live processes that hold
the screens' streams.

- `local` (the embedded default): one UDP datagram per event to each live process on this host
  (`LIVE_BUS_ADDRS`, default 127.0.0.1:LIVE_PORT). Sent after commit; fire-and-forget, ~10 µs.
- `postgres` (default when the database is PostgreSQL): `pg_notify` inside the writing
  transaction, so PostgreSQL itself delivers it at commit, and never for a rollback, to every live
  process on every host that LISTENs.

Messages are JSON `{"ch": [channels], "ev": event}`; an event is small (PostgreSQL's limit is
8,000 bytes). Publishing never raises: a screen that misses an event catches up on reconnect.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterable

from django.conf import settings
from django.db import connection, transaction

log = logging.getLogger("yimen.live")
PG_CHANNEL = "yimen_live"
MAX_BYTES = 7900

_sock: socket.socket | None = None


def backend() -> str:
    configured = getattr(settings, "LIVE_BUS", "")
    if configured:
        return configured
    return "postgres" if connection.vendor == "postgresql" else "local"


def encode(channels: Iterable[str], event: dict) -> str:
    return json.dumps({"ch": list(channels), "ev": event}, ensure_ascii=False, separators=(",", ":"))


def publish(channels: Iterable[str], event: dict) -> None:
    """Send `event` to every screen subscribed to one of `channels`, once the current
    transaction commits. `event["ts"]` is stamped with the send time (epoch seconds)."""
    channels = list(channels)
    if not channels:
        return
    kind = backend()
    if kind == "postgres" and connection.vendor == "postgresql":
        event = {**event, "ts": time.time()}
        message = encode(channels, event)
        if len(message.encode()) > MAX_BYTES:
            log.warning("live event too large (%s bytes), not sent", len(message.encode()))
            return
        try:
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute("SELECT pg_notify(%s, %s)", [PG_CHANNEL, message])
        except Exception:  # noqa: BLE001 - a display missing one event must never fail the write
            log.exception("live publish failed")
        return
    transaction.on_commit(lambda: send_local(channels, event))


def send_local(channels: list[str], event: dict) -> None:
    global _sock
    data = encode(channels, {**event, "ts": time.time()}).encode()
    if len(data) > 65000:
        log.warning("live event too large (%s bytes), not sent", len(data))
        return
    if _sock is None:
        _sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        _sock.setblocking(False)
    for addr in bus_addrs():
        try:
            _sock.sendto(data, addr)
        except OSError:  # no live process listening, or its buffer is full
            log.debug("live datagram to %s not sent", addr)


def bus_addrs() -> list[tuple[str, int]]:
    return [(host, int(port)) for host, port in (a.rsplit(":", 1) for a in settings.LIVE_BUS_ADDRS)]
