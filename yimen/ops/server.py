"""How Yimen is served in production, in one place: `manage.py serve` and the benchmarks use it.

granian's WSGI interface (perf-baseline.md: about 3x gunicorn and 10x Django under ASGI). Few
blocking threads per worker: Django requests are CPU-bound under the GIL, and every extra thread
holds its own database connection (CONN_MAX_AGE) while adding lock contention.
"""

import os
import sys


def granian_command(app: str = "yimen.wsgi:application", *, host: str = "127.0.0.1", port: int = 8000,
                    workers: int = 2, threads: int | None = None) -> list[str]:
    threads = threads or int(os.environ.get("WEB_THREADS", "4"))
    return [
        os.path.join(os.path.dirname(sys.executable), "granian"), "--interface", "wsgi",
        "--host", host, "--port", str(port), "--workers", str(workers),
        "--blocking-threads", str(threads), "--backpressure", str(threads * 16),
        "--no-ws", "--log-level", "warning", app,
    ]
