"""Bus listeners of the live process: UDP datagrams from this host (always), and PostgreSQL
LISTEN when the bus is `postgres`. Each message goes to `hub.dispatch`."""

from __future__ import annotations

import asyncio
import logging

from django.conf import settings
from django.db import connections

from .bus import PG_CHANNEL

log = logging.getLogger("yimen.live")
_state: dict[str, str] = {}


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, hub):
        self.hub = hub

    def datagram_received(self, data, addr):
        self.hub.dispatch(data)


def _pg_enabled() -> bool:
    vendor = connections["default"].vendor
    return settings.LIVE_BUS == "postgres" or (not settings.LIVE_BUS and vendor == "postgresql")


def _pg_conninfo() -> dict:
    s = connections["default"].settings_dict
    info = {"dbname": s["NAME"], "user": s.get("USER") or None, "password": s.get("PASSWORD") or None,
            "host": s.get("HOST") or None, "port": s.get("PORT") or None}
    return {k: v for k, v in info.items() if v}


async def _listen_postgres(hub) -> None:
    import psycopg

    delay = 0.5
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(autocommit=True, **_pg_conninfo()) as conn:
                await conn.execute(f"LISTEN {PG_CHANNEL}")
                _state["postgres"] = "listening"
                delay = 0.5
                async for note in conn.notifies():
                    hub.dispatch(note.payload)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - keep serving streams; reconnect with back-off
            _state["postgres"] = f"reconnecting: {exc.__class__.__name__}"
            log.warning("live: PostgreSQL listener lost (%s); retrying in %.1f s", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10)


async def run(hub) -> None:
    loop = asyncio.get_running_loop()
    try:
        await loop.create_datagram_endpoint(lambda: _Datagrams(hub), local_addr=("127.0.0.1", settings.LIVE_PORT))
        _state["udp"] = f"127.0.0.1:{settings.LIVE_PORT}"
    except OSError as exc:
        _state["udp"] = f"unavailable: {exc}"
        log.warning("live: cannot bind UDP 127.0.0.1:%s (%s)", settings.LIVE_PORT, exc)
    if _pg_enabled():
        await _listen_postgres(hub)
    else:
        await asyncio.Event().wait()  # keep the task (and so the socket) alive


def describe() -> dict:
    return dict(_state)
