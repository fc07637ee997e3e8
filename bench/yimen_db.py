"""The Yimen bench database, built once per run and shared by every Yimen benchmark.

`prepare()` wipes var/bench/yimen/, runs `manage.py migrate`, `seed_calendar` and `load_demo` exactly as
`make setup` does (SQLite by default; BENCH_DATABASE_URL selects PostgreSQL, which must be a disposable
database: its public schema is dropped first), then sets up Django in this process against the same database so that
benchmarks can add bulk data and call Yimen's code in-process.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import harness


@dataclass
class YimenDB:
    var_dir: Path
    database_url: str | None
    timings_s: dict[str, float] = field(default_factory=dict)

    @property
    def engine(self) -> str:
        return "postgresql" if self.database_url else "sqlite"

    def server(self, **extra_env: str) -> harness.Server:
        return harness.yimen_server(self.var_dir, self.database_url, **extra_env)


_db: YimenDB | None = None


def engine_suffix() -> str:
    """"" on SQLite, "_postgresql" with BENCH_DATABASE_URL: benchmarks run on both keep both results."""
    return "_postgresql" if os.environ.get("BENCH_DATABASE_URL") else ""


def _manage(args: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([str(harness.PYTHON), "manage.py", *args], cwd=harness.ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return round(time.perf_counter() - t0, 2)


def prepare() -> YimenDB:
    """The bench database of this run (built on first use)."""
    global _db
    if _db is not None:
        return _db
    database_url = os.environ.get("BENCH_DATABASE_URL") or None
    db = YimenDB(harness.fresh_dir("yimen"), database_url)
    env = harness.yimen_env(db.var_dir, database_url)
    if database_url:
        db.timings_s["reset_schema"] = _reset_schema(database_url)
    db.timings_s["migrate"] = _manage(["migrate", "--noinput", "-v", "0"], env)
    db.timings_s["seed_calendar"] = _manage(["seed_calendar"], env)
    db.timings_s["load_demo"] = _manage(["load_demo"], env)
    _setup_django(env)
    _db = db
    return db


def _reset_schema(database_url: str) -> float:
    """Drop and recreate the public schema (`flush` cannot: the audit log refuses TRUNCATE);
    create the database first when the server does not have it yet."""
    from urllib.parse import urlparse

    import psycopg
    from psycopg import sql

    t0 = time.perf_counter()
    url = database_url.replace("postgresql://", "postgres://", 1)
    name = urlparse(url).path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    return round(time.perf_counter() - t0, 2)


def _setup_django(env: dict[str, str]) -> None:
    for key in ("YIMEN_VAR_DIR", "DEBUG", "ALLOWED_HOSTS", "DEMO_BANNER", "DJANGO_SETTINGS_MODULE"):
        os.environ[key] = env[key]
    if "DATABASE_URL" in env:
        os.environ["DATABASE_URL"] = env["DATABASE_URL"]
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
