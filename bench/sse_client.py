"""Hold N server-sent-event streams in one asyncio process and time every event's arrival.

Usage: python -m bench.sse_client URL N EVENTS
Prints `ready <n>` once every stream has its preamble, then, after EVENTS events (or 30 s without
one), one JSON line: for each event (keyed by its `ts`), the latency of the last and of the median stream
(receive time minus the event's `ts`, in ms) and how many streams got it.
"""

from __future__ import annotations

import asyncio
import json
import resource
import statistics
import sys
import time
from urllib.parse import urlsplit


async def stream(host: str, port: int, target: str, arrivals: dict, ready: asyncio.Event, counter: list[int],
                 total: int, sem: asyncio.Semaphore) -> None:
    async with sem:
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n\r\n".encode())
        await writer.drain()
        await reader.readuntil(b"\r\n\r\n")  # response headers
        await reader.readuntil(b"\n\n")  # preamble: retry + comment
    counter[0] += 1
    if counter[0] == total:
        ready.set()
    try:
        while True:
            chunk = await reader.readuntil(b"\n\n")
            now = time.time()
            for line in chunk.split(b"\n"):
                # chunked transfer framing lines (hex sizes) are skipped by looking for data:
                i = line.find(b"data: ")
                if i >= 0:
                    ev = json.loads(line[i + 6:])
                    arrivals.setdefault(ev["ts"], []).append(now - ev["ts"])  # ts identifies the event
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
        return
    finally:
        writer.close()


async def main(url: str, n: int, events: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    parts = urlsplit(url)
    target = f"{parts.path}?{parts.query}" if parts.query else parts.path
    arrivals: dict[int, list[float]] = {}
    ready = asyncio.Event()
    counter = [0]
    sem = asyncio.Semaphore(100)  # connect in waves, as displays do after jittered back-off
    t0 = time.perf_counter()
    tasks = [asyncio.create_task(stream(parts.hostname, parts.port, target, arrivals, ready, counter, n, sem))
             for _ in range(n)]
    await asyncio.wait_for(ready.wait(), 120)
    print(f"ready {n} {time.perf_counter() - t0:.2f}", flush=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        done = [ts for ts, a in arrivals.items() if len(a) == n]
        if len(done) >= events:
            break
        await asyncio.sleep(0.05)
    for t in tasks:
        t.cancel()
    out = {str(ts): {"last_ms": round(max(a) * 1000, 2), "median_ms": round(statistics.median(a) * 1000, 2),
                      "streams": len(a)} for ts, a in sorted(arrivals.items())}
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
