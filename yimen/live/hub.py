"""Fan-out inside one live process: channel -> the queues of the streams subscribed to it.

An event is encoded once as an SSE frame and put on every subscriber's queue (about a
microsecond each); each stream's own task writes it out. A stream whose client stops reading
is dropped once MAX_BACKLOG frames wait for it, so one dead phone never holds memory.
"""

from __future__ import annotations

import asyncio
import json
import logging

log = logging.getLogger("yimen.live")
MAX_BACKLOG = 200
CLOSE = b""
PING = b": ping\n\n"


class Hub:
    def __init__(self) -> None:
        self.subscribers: dict[str, set[asyncio.Queue]] = {}
        self.delivered = 0

    def subscribe(self, channels: list[str]) -> asyncio.Queue:
        q: asyncio.Queue = asyncio.Queue()
        for ch in channels:
            self.subscribers.setdefault(ch, set()).add(q)
        return q

    def unsubscribe(self, channels: list[str], q: asyncio.Queue) -> None:
        for ch in channels:
            subs = self.subscribers.get(ch)
            if subs is not None:
                subs.discard(q)
                if not subs:
                    del self.subscribers[ch]

    @property
    def streams(self) -> int:
        return len({id(q) for subs in self.subscribers.values() for q in subs})

    def ping(self) -> None:
        for q in {q for subs in self.subscribers.values() for q in subs}:
            q.put_nowait(PING)

    def dispatch(self, raw: bytes | str) -> int:
        """Deliver one bus message `{"ch": [...], "ev": {...}}`; returns the number of streams."""
        try:
            msg = json.loads(raw)
            channels, event = msg["ch"], msg["ev"]
        except (ValueError, KeyError, TypeError):
            log.warning("live: malformed bus message dropped")
            return 0
        frame = b"data: " + json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode() + b"\n\n"
        targets: set[asyncio.Queue] = set()
        for ch in channels:
            targets.update(self.subscribers.get(ch, ()))
        for q in targets:
            if q.qsize() >= MAX_BACKLOG:
                q.put_nowait(CLOSE)
            else:
                q.put_nowait(frame)
        self.delivered += len(targets)
        return len(targets)
