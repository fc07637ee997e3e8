"""Load generators: wrk with a Lua script (preferred) or a Python fallback with the same output.

Both cycle over a list of pre-URL-encoded paths, keep 32 connections busy and return one dict:
generator, requests, duration_s, rps, errors, non_2xx, p50/p95/p99/mean/max latency in ms.
"""

from __future__ import annotations

import http.client
import json
import os
import resource
import shutil
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

CONNECTIONS = 32

LUA = r"""
local paths = {%(paths)s}
local method, body = "%(method)s", %(body)s
local headers = {}
if body then headers["Content-Type"] = "application/json" end
local reqs, i, threads = {}, 0, {}
non2xx = 0

function setup(thread)
  thread:set("offset", #threads)
  table.insert(threads, thread)
end

function init(args)
  for k, p in ipairs(paths) do reqs[k] = wrk.format(method, p, headers, body) end
  i = (offset or 0) %% #reqs
end

function request()
  i = i %% #reqs + 1
  return reqs[i]
end

function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + (t:get("non2xx") or 0) end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%%d,"duration_us":%%d,"bytes":%%d,"non_2xx":%%d,' ..
    '"errors":{"connect":%%d,"read":%%d,"write":%%d,"status":%%d,"timeout":%%d},' ..
    '"latency_us":{"p50":%%d,"p95":%%d,"p99":%%d,"mean":%%.1f,"max":%%d}}\n',
    summary.requests, summary.duration, summary.bytes, n,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean, latency.max))
end
"""


def _lua_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk_available() -> bool:
    return os.environ.get("BENCH_LOADGEN", "wrk") != "python" and shutil.which("wrk") is not None


def wrk_version() -> str | None:
    if not shutil.which("wrk"):
        return None
    out = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout
    return out.splitlines()[0].strip() if out else None


def run_wrk(base_url: str, paths: list[str], *, seconds: float, method: str = "GET", body: str | None = None,
            script_dir: Path) -> dict:
    script = script_dir / "wrk-script.lua"
    script.write_text(LUA % {"paths": ", ".join(_lua_string(p) for p in paths), "method": method,
                             "body": _lua_string(body) if body is not None else "nil"})
    cmd = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", "--latency", "-s", str(script),
           base_url]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout[-500:]}")
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    duration = raw["duration_us"] / 1e6
    lat = {k: v / 1000 for k, v in raw["latency_us"].items()}
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {
        "generator": "wrk",
        "command": " ".join(cmd[:5] + ["-s", script.name, base_url]),
        "requests": raw["requests"],
        "duration_s": round(duration, 3),
        "rps": round(raw["requests"] / duration, 1),
        "non_2xx": raw["non_2xx"],
        "errors": raw["errors"],
        "p50_ms": round(lat["p50"], 3),
        "p95_ms": round(lat["p95"], 3),
        "p99_ms": round(lat["p99"], 3),
        "mean_ms": round(lat["mean"], 3),
        "max_ms": round(lat["max"], 3),
        "loadgen_cpu_pct_of_one_core": round(100 * cpu / duration, 1),
    }


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list (0 for an empty list)."""
    if not sorted_values:
        return 0.0
    k = max(0, min(len(sorted_values) - 1, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[k]


def run_python(base_url: str, paths: list[str], *, seconds: float, method: str = "GET",
               body: str | None = None) -> dict:
    """32 threads, each with its own keep-alive http.client connection (slower than wrk: GIL-bound)."""
    parts = urlsplit(base_url)
    headers = {"Content-Type": "application/json"} if body is not None else {}
    latencies: list[list[float]] = [[] for _ in range(CONNECTIONS)]
    counts = [{"non_2xx": 0, "errors": 0} for _ in range(CONNECTIONS)]
    start = time.perf_counter()
    deadline = start + seconds

    def worker(n: int) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        i, lat, count = n, latencies[n], counts[n]
        while time.perf_counter() < deadline:
            path = paths[i % len(paths)]
            i += 1
            t0 = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
            except (OSError, http.client.HTTPException):
                count["errors"] += 1
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
                continue
            lat.append((time.perf_counter() - t0) * 1000)
            if not 200 <= resp.status <= 299:
                count["non_2xx"] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    duration = time.perf_counter() - start
    values = sorted(v for lat in latencies for v in lat)
    return {
        "generator": "python-threads",
        "command": f"python http.client, {CONNECTIONS} threads with keep-alive, {seconds:g}s",
        "requests": len(values),
        "duration_s": round(duration, 3),
        "rps": round(len(values) / duration, 1),
        "non_2xx": sum(c["non_2xx"] for c in counts),
        "errors": {"socket": sum(c["errors"] for c in counts)},
        "p50_ms": round(percentile(values, 50), 3),
        "p95_ms": round(percentile(values, 95), 3),
        "p99_ms": round(percentile(values, 99), 3),
        "mean_ms": round(sum(values) / len(values), 3) if values else 0.0,
        "max_ms": round(values[-1], 3) if values else 0.0,
    }


def drive(base_url: str, paths: list[str], *, seconds: float, method: str = "GET", body: str | None = None,
          script_dir: Path) -> dict:
    if wrk_available():
        return run_wrk(base_url, paths, seconds=seconds, method=method, body=body, script_dir=script_dir)
    return run_python(base_url, paths, seconds=seconds, method=method, body=body)


# ---------------------------------------------------------------- one request shape per connection

LUA_EACH = r"""
local specs = {%(specs)s}
local threads, n = {}, 0
ok, non2xx, statuses = 0, 0, ""

function setup(thread)
  n = n + 1
  thread:set("spec", n)
  table.insert(threads, thread)
end

function init(args)
  local s = specs[spec]
  local headers = {["Content-Type"] = "application/json", ["Cookie"] = s[3], ["X-CSRFToken"] = s[4]}
  req = wrk.format(s[1], s[2], headers, s[5])
  seen = {}
end

function request()
  return req
end

function response(status, headers, body)
  if status >= 200 and status <= 299 then ok = ok + 1 else
    non2xx = non2xx + 1
    if not seen[status] then seen[status] = true; statuses = statuses .. status .. " " .. body:sub(1, 120) .. "|" end
  end
end

function done(summary, latency, requests)
  local good, bad, st = 0, 0, ""
  for _, t in ipairs(threads) do
    good = good + (t:get("ok") or 0); bad = bad + (t:get("non2xx") or 0); st = st .. (t:get("statuses") or "")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%%d,"duration_us":%%d,"bytes":%%d,"ok":%%d,"non_2xx":%%d,' ..
    '"errors":{"connect":%%d,"read":%%d,"write":%%d,"status":%%d,"timeout":%%d},' ..
    '"latency_us":{"p50":%%d,"p95":%%d,"p99":%%d,"mean":%%.1f,"max":%%d}}\n',
    summary.requests, summary.duration, summary.bytes, good, bad,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean, latency.max))
  io.write("BENCH_STATUSES " .. st .. "\n")
end
"""


def run_wrk_each(base_url: str, specs: list[dict], *, seconds: float, script_dir: Path) -> dict:
    """wrk with one thread and one connection per spec (`method`, `path`, `cookie`, `csrf`, `body`),
    so that each connection is one client with its own identity (a window and its clerk's session).
    Besides the usual fields: `ok` (2xx responses), `ok_per_s`, `non_2xx_samples` (status and body
    start of the first response of each non-2xx status, per connection)."""
    rows = ", ".join("{" + ", ".join(_lua_string(str(s.get(k) or "")) for k in ("method", "path", "cookie", "csrf"))
                     + ", " + (_lua_string(s["body"]) if s.get("body") is not None else "nil") + "}" for s in specs)
    script = script_dir / "wrk-each.lua"
    script.write_text(LUA_EACH % {"specs": rows})
    n = len(specs)
    cmd = ["wrk", f"-t{n}", f"-c{n}", f"-d{max(1, round(seconds))}s", "--latency", "-s", str(script), base_url]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout[-500:]}")
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    samples = next((ln.removeprefix("BENCH_STATUSES ") for ln in proc.stdout.splitlines()
                    if ln.startswith("BENCH_STATUSES ")), "")
    duration = raw["duration_us"] / 1e6
    lat = {k: v / 1000 for k, v in raw["latency_us"].items()}
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {
        "generator": "wrk",
        "command": " ".join(cmd[:5] + ["-s", script.name, base_url]),
        "connections": n,
        "requests": raw["requests"],
        "ok": raw["ok"],
        "duration_s": round(duration, 3),
        "rps": round(raw["requests"] / duration, 1),
        "ok_per_s": round(raw["ok"] / duration, 1),
        "non_2xx": raw["non_2xx"],
        "non_2xx_samples": [s for s in samples.split("|") if s][:5],
        "errors": raw["errors"],
        "p50_ms": round(lat["p50"], 3),
        "p95_ms": round(lat["p95"], 3),
        "p99_ms": round(lat["p99"], 3),
        "mean_ms": round(lat["mean"], 3),
        "max_ms": round(lat["max"], 3),
        "loadgen_cpu_pct_of_one_core": round(100 * cpu / duration, 1),
    }
