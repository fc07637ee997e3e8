"""The bare async fan-out ceiling: a raw ASGI app holding SSE streams, fed by UDP datagrams on its
own port, with nothing else (no signatures, no channels). display_latency compares Yimen's live
process with it in the same run.  Run: LIVE_PORT=p granian --interface asgi bench.ceiling.fanout:app"""

import asyncio
import os

PORT = int(os.environ["LIVE_PORT"])
streams: set[asyncio.Queue] = set()
_bound = False


class _Datagrams(asyncio.DatagramProtocol):
    def datagram_received(self, data, addr):
        frame = b"data: " + data + b"\n\n"
        for q in streams:
            q.put_nowait(frame)


async def app(scope, receive, send):
    global _bound
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return
    if not _bound:
        _bound = True
        await asyncio.get_running_loop().create_datagram_endpoint(_Datagrams, local_addr=("127.0.0.1", PORT))
    if scope["path"] != "/live/events":
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok"})
        return
    q: asyncio.Queue = asyncio.Queue()
    streams.add(q)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/event-stream")]})
    await send({"type": "http.response.body", "body": b"retry: 3000\n: ok\n\n", "more_body": True})
    try:
        while True:
            await send({"type": "http.response.body", "body": await q.get(), "more_body": True})
    finally:
        streams.discard(q)
