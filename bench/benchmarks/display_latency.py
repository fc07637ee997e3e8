"""Live displays: 1,000 connected screens; time from a call's commit to the LAST screen receiving it.

Two servers in the same run, each under granian's ASGI interface with one worker, fed the same way
(a UDP datagram after commit) and read by the same client process (bench/sse_client.py):
- `bare`: bench/ceiling/fanout.py, a raw ASGI fan-out with nothing else (the ceiling);
- `yimen`: the live process (yimen.live.asgi: signed subscriptions, channels, hub), every event being
  the one a real `call_next` publishes on the bench database (SQLite, or BENCH_DATABASE_URL). Its
  `ts` is stamped just after commit (local bus) or just before it (pg_notify), so the figure is
  commit -> last screen.
Goal (hall issue): p99 <= 250 ms at 1,000 screens; perf-baseline.md expects <= 1.5x the bare figure.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from urllib.parse import quote

from bench import harness, yimen_db
from bench.loadgen import percentile

SCREENS = int(os.environ.get("BENCH_SCREENS", "1000"))
EVENTS = int(os.environ.get("BENCH_EVENTS", "40"))
GAP_S = 0.1
# the bare server relays the same bytes a call's event carries (docs/realtime.md), so the ratio
# measures Yimen's path, not the payload size
SAMPLE_EVENT = {"type": "ticket", "action": "call", "ticket": {
    "label": "A012", "token": "x" * 22, "state": "called", "queue": "A", "priority": "normal", "window": "05",
    "window_id": 5, "outcome": ""}, "waiting": {p: 3 for p in "ABCDEFGH"}, "center": 1}


def _start(app: str, env: dict, log_dir) -> tuple[subprocess.Popen, int]:
    from yimen.ops.server import live_command

    port = harness.free_port()
    log = open(log_dir / f"{app.split(':')[0]}.log", "ab")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(live_command(app, port=port), cwd=harness.ROOT, env={**env, "LIVE_PORT": str(port)},
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{app} did not start")


def _measure(url: str, publish) -> dict:
    client = subprocess.Popen([str(harness.PYTHON), "-m", "bench.sse_client", url, str(SCREENS), str(EVENTS)],
                              cwd=harness.ROOT, stdout=subprocess.PIPE, text=True)
    ready = client.stdout.readline().split()
    if not ready or ready[0] != "ready":
        client.kill()
        raise RuntimeError(f"sse client failed: {ready}")
    time.sleep(0.5)
    for seq in range(EVENTS):
        publish(seq)
        time.sleep(GAP_S)
    per_event = json.loads(client.stdout.readline())
    client.wait(timeout=30)
    last = sorted(e["last_ms"] for e in per_event.values())
    median = sorted(e["median_ms"] for e in per_event.values())
    complete = sum(1 for e in per_event.values() if e["streams"] == SCREENS)
    return {"screens": SCREENS, "events": EVENTS, "events_reaching_every_screen": complete,
            "connect_all_s": float(ready[2]),
            "last_screen_p50_ms": round(percentile(last, 50), 2), "last_screen_p99_ms": round(percentile(last, 99), 2),
            "last_screen_max_ms": last[-1], "median_screen_p50_ms": round(percentile(median, 50), 2)}


def run() -> dict:
    db = yimen_db.prepare()
    from django.db import connection
    from django.utils import timezone

    from yimen.hall.models import Center, Window
    from yimen.live import channels
    from yimen.live.subscribe import sign
    from yimen.queueing.models import Queue
    from yimen.queueing.services import call_next, issue_ticket

    log_dir = harness.fresh_dir("display_latency")
    env = harness.yimen_env(db.var_dir, db.database_url)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    proc, port = _start("bench.ceiling.fanout:app", env, log_dir)
    try:
        bare = _measure(f"http://127.0.0.1:{port}/live/events",
                        lambda seq: udp.sendto(json.dumps({**SAMPLE_EVENT, "ts": time.time()}).encode(),
                                               ("127.0.0.1", port)))
    finally:
        proc.kill()

    center = Center.objects.get(code="cm-district")
    window, _ = Window.objects.get_or_create(center=center, number="L01", defaults={"name": "bench"})
    queue, _ = Queue.objects.get_or_create(center=center, prefix="L", defaults={"name": "bench"})
    queue.windows.set([window])
    for _ in range(EVENTS):
        issue_ticket(queue, channel="staff", now=timezone.now())
    proc, port = _start("yimen.live.asgi:app", env, log_dir)
    from django.conf import settings

    settings.LIVE_BUS_ADDRS = [f"127.0.0.1:{port}"]
    bus_kind = "postgres" if connection.vendor == "postgresql" else "local"
    try:
        if bus_kind == "postgres":
            time.sleep(1.0)  # the listener connects on the first request; the client's connects trigger it

        def publish(seq: int) -> None:
            if call_next(window) is None:  # its own live event: what the displays receive
                raise RuntimeError("no ticket to call")

        yimen = _measure(f"http://127.0.0.1:{port}/live/events?s={quote(sign([channels.center(center.pk)]))}",
                         publish)
    finally:
        proc.kill()
    ratio = round(yimen["last_screen_p99_ms"] / bare["last_screen_p99_ms"], 2) if bare["last_screen_p99_ms"] else None
    return {"database": db.engine, "bus": bus_kind, "bare_fanout": bare, "yimen": yimen,
            "ratio_p99_to_bare": ratio, "goal_p99_ms": 250,
            "goal_met": yimen["last_screen_p99_ms"] <= 250, "python": sys.version.split()[0]}


def summary(r: dict) -> str:
    y, b = r["yimen"], r["bare_fanout"]
    return (f"{y['screens']} screens: last screen p50 {y['last_screen_p50_ms']} ms, p99 {y['last_screen_p99_ms']} ms "
            f"(bare fan-out p99 {b['last_screen_p99_ms']} ms, ratio {r['ratio_p99_to_bare']}); "
            f"{y['events_reaching_every_screen']}/{y['events']} events reached every screen")
