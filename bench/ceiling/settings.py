"""Settings of the ceiling project: no middleware, DEBUG off, SQLite WAL configured like yimen/settings.py.

The database file comes from BENCH_CEILING_DB. CONN_MAX_AGE defaults to None (persistent connections,
as in perf-baseline.md); BENCH_CEILING_CONN_MAX_AGE=0 measures a connection per request instead.
"""

import os
from pathlib import Path

SECRET_KEY = "bench-ceiling-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["bench.ceiling"]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench.ceiling.urls"
WSGI_APPLICATION = "bench.ceiling.wsgi.application"
USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_max_age = os.environ.get("BENCH_CEILING_CONN_MAX_AGE", "")
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": Path(os.environ.get("BENCH_CEILING_DB", "ceiling.sqlite3")),
        "CONN_MAX_AGE": int(_max_age) if _max_age else None,
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        },
    }
}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
