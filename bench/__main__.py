"""`python -m bench [--only NAME[,NAME]] [--list]`: run benchmarks, write bench/results/<name>.json."""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import time
import traceback

from . import harness
from .benchmarks import REGISTRY


def _terminate(signum, frame):
    raise SystemExit(128 + signum)  # unwinds through the servers' `finally`, which kill their process groups


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", help="comma-separated benchmark names (default: all)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = parser.parse_args(argv)
    if args.list:
        for name, module in REGISTRY.items():
            doc = (importlib.import_module(module).__doc__ or "").strip().splitlines()[0]
            print(f"{name:20} {doc}")
        return 0
    names = list(REGISTRY) if not args.only else [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(REGISTRY)}")
    signal.signal(signal.SIGTERM, _terminate)

    failed = 0
    started = time.perf_counter()
    print(f"bench: {', '.join(names)} ({harness.measure_seconds():g} s per HTTP run after "
          f"{harness.warmup_seconds():g} s warm-up, load generator {harness.machine_info()['loadgen']})", flush=True)
    for name in names:
        try:
            failed += _run_one(name)
        except (KeyboardInterrupt, SystemExit):
            print(f"[{name}] interrupted; servers stopped, no result written", flush=True)
            raise
    print(f"bench: done in {time.perf_counter() - started:.0f} s" + (f", {failed} failed" if failed else ""))
    return 1 if failed else 0


def _run_one(name: str) -> int:
    """Run one benchmark and write its JSON; returns 1 when it failed."""
    module = importlib.import_module(REGISTRY[name])
    print(f"[{name}] running…", flush=True)
    t0 = time.perf_counter()
    try:
        result = module.run()
        line, status = module.summary(result), "ok"
    except Exception as exc:  # one failing benchmark must not hide the others
        result = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
        line, status = f"FAILED: {result['error']}", "error"
    if hasattr(module, "result_name"):  # e.g. call_next_postgresql.json next to call_next.json
        name = module.result_name()
    path = harness.write_result(name, {"status": status, "elapsed_s": round(time.perf_counter() - t0, 1), **result})
    print(f"[{name}] {line}\n[{name}] -> {path.relative_to(harness.ROOT)}", flush=True)
    return int(status != "ok")


if __name__ == "__main__":
    sys.exit(main())
