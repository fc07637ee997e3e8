"""The benchmark harness: production-like servers, load runs, the machine's ceilings, result files.

- `Server` starts granian (WSGI, 2 workers) in its own process group, waits for `GET /api/v1/ping`
  and kills the whole group on exit, even after an error.
- `measure(server, paths)` warms up, then drives the server with wrk (or the Python fallback).
- `ceilings()` measures, once per run, the read (`GET /select`) and insert (`POST /insert`) ceilings
  of the minimal project in bench/ceiling/; `vs_ceiling(result, kind)` turns a run into a ratio.
- `write_result(name, payload)` writes bench/results/<name>.json with machine info and a timestamp.
"""

from __future__ import annotations

import atexit
import http.client
import json
import os
import platform
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from functools import cache
from importlib import metadata
from pathlib import Path

from . import loadgen

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
VAR_ROOT = ROOT / "var" / "bench"
RESULTS_DIR = BENCH_DIR / "results"
PYTHON = ROOT / ".venv" / "bin" / "python"
PING = "/api/v1/ping"


def measure_seconds() -> float:
    return float(os.environ.get("BENCH_SECONDS") or 8)


def warmup_seconds() -> float:
    return float(os.environ.get("BENCH_WARMUP") or 3)


def fresh_dir(name: str) -> Path:
    """An empty directory var/bench/<name>/ (wiped at the start of each run)."""
    path = VAR_ROOT / name
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- servers

_live: set[Server] = set()


class Server:
    """granian --interface wsgi --workers 2 serving `app`, in its own process group."""

    def __init__(self, app: str, env: dict[str, str], log_dir: Path, *, workers: int = 2):
        self.app, self.env, self.workers = app, env, workers
        self.log_path = log_dir / f"granian-{app.split(':')[0].replace('.', '-')}.log"
        self.port = 0
        self.proc: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        # the same command line as production (`manage.py serve`), for Yimen and the ceiling alike
        from yimen.ops.server import granian_command

        return granian_command(self.app, host="127.0.0.1", port=self.port, workers=self.workers)

    def start(self, timeout: float = 60) -> Server:
        for _attempt in range(3):  # a port picked free may be taken before granian binds it
            self.port = free_port()
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen(self.command(), cwd=ROOT, env=self.env, stdout=log,
                                             stderr=subprocess.STDOUT, start_new_session=True)
            _live.add(self)
            if self._wait_ready(timeout):
                return self
            self.stop()
        raise RuntimeError(f"{self.app} did not answer {PING}; see {self.log_path}:\n{self._log_tail()}")

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                return False
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", PING)
                ok = conn.getresponse().status == 200
                conn.close()
                if ok:
                    return True
            except OSError:
                pass
            time.sleep(0.1)
        return False

    def _log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        _live.discard(self)
        if proc is None or proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            try:
                os.killpg(proc.pid, sig)  # the session leader's pid is its process group id
            except ProcessLookupError:
                return
            try:
                proc.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


@atexit.register
def _stop_all() -> None:
    for server in list(_live):
        server.stop()


def yimen_env(var_dir: Path, database_url: str | None = None, **extra: str) -> dict[str, str]:
    """The environment Yimen runs with in production, pointed at a bench var dir (plus `extra`)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(YIMEN_VAR_DIR=str(var_dir), DEBUG="false", ALLOWED_HOSTS="*", DEMO_BANNER="false",
               DJANGO_SETTINGS_MODULE="yimen.settings", **extra)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def yimen_server(var_dir: Path, database_url: str | None = None, **extra: str) -> Server:
    """Yimen as production serves it; WEB_WORKERS (default 2) and WEB_THREADS as for `manage.py serve`."""
    workers = int(os.environ.get("WEB_WORKERS") or 2)
    return Server("yimen.wsgi:application", yimen_env(var_dir, database_url, **extra), var_dir, workers=workers)


# ---------------------------------------------------------------- load

def measure(server: Server, paths: list[str], *, method: str = "GET", body: str | None = None,
            seconds: float | None = None, warmup: float | None = None) -> dict:
    """Warm up, then one measured run over `paths` (cycled; each must be URL-encoded already)."""
    seconds = measure_seconds() if seconds is None else seconds
    warmup = warmup_seconds() if warmup is None else warmup
    script_dir = server.log_path.parent
    if warmup > 0:
        loadgen.drive(server.base_url, paths, seconds=warmup, method=method, body=body, script_dir=script_dir)
    result = loadgen.drive(server.base_url, paths, seconds=seconds, method=method, body=body,
                           script_dir=script_dir)
    result["errors_total"] = sum(result["errors"].values())
    result["warmup_s"] = warmup
    return result


# ---------------------------------------------------------------- ceilings

CEILING_KINDS = {"read": ("GET", "/select"), "insert": ("POST", "/insert")}


@cache
def ceilings() -> dict:
    """Read and insert ceilings of this machine, measured once per run (bench/ceiling/)."""
    var_dir = fresh_dir("ceiling")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DJANGO_SETTINGS_MODULE="bench.ceiling.settings", BENCH_CEILING_DB=str(var_dir / "ceiling.sqlite3"))
    t0 = time.perf_counter()
    subprocess.run([str(PYTHON), "-m", "bench.ceiling.setup_db"], cwd=ROOT, env=env, check=True)
    setup_s = time.perf_counter() - t0
    out = {}
    with Server("bench.ceiling.wsgi:application", env, var_dir) as server:
        for kind, (method, path) in CEILING_KINDS.items():
            result = measure(server, [path], method=method, body="{}" if method == "POST" else None)
            out[kind] = {"endpoint": f"{method} {path}", **result}
            print(f"  ceiling {kind:6} {method} {path}: {result['rps']:.0f} req/s, p50 {result['p50_ms']:.2f} ms, "
                  f"p99 {result['p99_ms']:.2f} ms, non-2xx {result['non_2xx']}", flush=True)
    out["setup_s"] = round(setup_s, 2)
    out["config"] = "bench/ceiling: MIDDLEWARE=[], DEBUG=False, SQLite WAL synchronous=NORMAL busy_timeout=20000 " \
                    "IMMEDIATE, CONN_MAX_AGE=None, 10,000 Item rows"
    return out


def ceilings_summary() -> dict | None:
    """Both ceilings of this run in short form (None when no benchmark needed them)."""
    if not ceilings.cache_info().currsize:
        return None
    c = ceilings()
    return {kind: {k: c[kind][k] for k in ("endpoint", "rps", "p50_ms", "p99_ms", "non_2xx")} for kind in CEILING_KINDS} \
        | {"config": c["config"]}


def vs_ceiling(result: dict, kind: str) -> dict:
    """`result` (one measured run) with ratio_to_ceiling and the ceiling's own numbers next to it."""
    ceiling = ceilings()[kind]
    return {
        **result,
        "ratio_to_ceiling": round(result["rps"] / ceiling["rps"], 3) if ceiling["rps"] else None,
        "p99_ratio_to_ceiling": round(result["p99_ms"] / ceiling["p99_ms"], 2) if ceiling["p99_ms"] else None,
        "ceiling": {k: ceiling[k] for k in ("endpoint", "rps", "p50_ms", "p95_ms", "p99_ms", "non_2xx")}
        | {"kind": kind},
    }


# ---------------------------------------------------------------- results

def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


@cache
def machine_info() -> dict:
    cpu_model = None
    try:
        cpu_model = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                          if ln.startswith("model name")), None)
    except OSError:
        pass
    return {
        "cpu_count": os.cpu_count(),
        "cpu_affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": cpu_model,
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "versions": {d: _version(d) for d in ("Django", "django-ninja", "granian", "pypinyin", "chinesecalendar",
                                              "psycopg")},
        "wrk": loadgen.wrk_version(),
        "loadgen": "wrk" if loadgen.wrk_available() else "python-threads",
    }


def write_result(name: str, payload: dict) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    now = datetime.now(UTC)
    doc = {"benchmark": name, "timestamp": now.isoformat(timespec="seconds"), "machine": machine_info(), **payload}
    path = RESULTS_DIR / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n")
    tmp.replace(path)
    return path
