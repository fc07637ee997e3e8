"""Yimen settings: one file, every value from the environment (documented in .env.example)."""

import os
import secrets
import sys
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_secret(name: str, default: str = "") -> str:
    """Read NAME, or the contents of the file named by NAME_FILE (container secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


VAR_DIR = Path(os.environ.get("YIMEN_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    key = env_secret("SECRET_KEY")
    if key:
        return key
    path = VAR_DIR / ".secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", default="runserver" in sys.argv)
TESTING = "pytest" in sys.modules or "test" in sys.argv[1:2]
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "*").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]


def _database(url: str) -> dict:
    """SQLite (WAL) under var/ by default; PostgreSQL from DATABASE_URL=postgres://user:pw@host:port/name."""
    if not url or url.startswith("sqlite"):
        path = urlparse(url).path.lstrip("/") if url else ""
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": Path(path) if path else VAR_DIR / "db.sqlite3",
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
            },
            # a file, not memory: concurrency tests need real SQLite locking between connections
            "TEST": {"NAME": str(VAR_DIR / os.environ.get("YIMEN_TEST_DB", "test-db.sqlite3"))},
            "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 600),  # opening + PRAGMAs cost ~1 ms per request
        }
    parts = urlparse(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ValueError(f"DATABASE_URL scheme {parts.scheme!r} is not supported (sqlite or postgres)")
    options = {k: v[0] for k, v in parse_qs(parts.query).items()}
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")) or "yimen",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60),
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": options,
    }


DATABASES = {"default": _database(os.environ.get("DATABASE_URL", ""))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "huey.contrib.djhuey",
    "yimen.auditlog",
    "yimen.accounts",
    "yimen.workdays",
    "yimen.hall",
    "yimen.catalog",
    "yimen.queueing",
    "yimen.supervision",
    "yimen.cases",
    "yimen.inquiries",
    "yimen.cannot_handle",
    "yimen.evaluations",
    "yimen.appointments",
    "yimen.live",
    "yimen.ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "yimen.lib.middleware.IdleTimeoutMiddleware",
    "yimen.lib.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "yimen.urls"
WSGI_APPLICATION = "yimen.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "portal-home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "yimen" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "yimen.accounts.context.ui_prefs",
            ],
        },
    }
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Sessions: staff idle timeout 30 min, absolute 12 h (a11y-security.md S4).
SESSION_ENGINE = "yimen.accounts.sessions"  # database sessions, read cheaply (accounts/sessions.py)
AUTHENTICATION_BACKENDS = ["yimen.accounts.backends.ModelBackend"]
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600)
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "yimen" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
MEDIA_ROOT = VAR_DIR / "media"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "yimen@localhost")
# Appointment slot search answers are kept per process this many seconds (0: never; tests see
# every booking at once unless they set it).
SLOT_SEARCH_CACHE_SECONDS = float(os.environ.get("SLOT_SEARCH_CACHE_SECONDS", "0" if TESTING else "2"))
# Notification quiet hours (domain.md §8): outside these hours of a working day, notifications wait
# for the next working day's start; critical kinds go at once.
NOTIFY_DAY_START = os.environ.get("NOTIFY_DAY_START", "08:30")
NOTIFY_DAY_END = os.environ.get("NOTIFY_DAY_END", "18:00")
NOTIFY_CRITICAL = frozenset(filter(None, os.environ.get("NOTIFY_CRITICAL", "escalation_overdue").split(",")))
SMS_BACKEND = os.environ.get("SMS_BACKEND", "yimen.lib.sms.ConsoleBackend")
# Where staff reach this installation (links in staff mail); the request's host is used on pages.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# Background work: huey with SQLite storage by default (no broker needed).
HUEY = {
    "huey_class": "huey.SqliteHuey",
    "name": "yimen",
    "filename": str(VAR_DIR / "huey.sqlite3"),
    "immediate": env_bool("HUEY_IMMEDIATE", TESTING),
    "consumer": {"workers": 1, "worker_type": "thread", "periodic": True},
}
if os.environ.get("HUEY_REDIS_URL"):
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "yimen",
        "url": os.environ["HUEY_REDIS_URL"],
        "immediate": False,
        "consumer": {"workers": env_int("HUEY_WORKERS", 2), "worker_type": "thread"},
    }

# Working-day calendar (domain.md §2, §8).
CALENDAR_STRICT = env_bool("CALENDAR_STRICT", False)
# Cases (domain.md §2.3-2.4, §8): does an approved extension move the promised due date too; how many
# working days earlier a provisional deadline enters `warning`.
EXTENSION_MOVES_PROMISED_DUE = env_bool("EXTENSION_MOVES_PROMISED_DUE", False)
PROVISIONAL_WARNING_SHIFT_WD = env_int("PROVISIONAL_WARNING_SHIFT_WD", 1)
# PostgreSQL: queue writes wait for their WAL flush (true) or not (false: SQLite's default durability).
QUEUE_SYNCHRONOUS_COMMIT = env_bool("QUEUE_SYNCHRONOUS_COMMIT", False)
# Largest scan or upload attached to a case material (bytes).
CASE_UPLOAD_MAX_BYTES = env_int("CASE_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
CALENDAR_SEED_MARKS_VERIFIED = env_bool("CALENDAR_SEED_MARKS_VERIFIED", True)

NINJA_PAGINATION_PER_PAGE = 20
DEMO_BANNER = env_bool("DEMO_BANNER", True)
# Each process re-reads the catalogue version (and rebuilds its search index) at most this often.
SEARCH_INDEX_RECHECK_SECONDS = 0.0 if TESTING else float(os.environ.get("SEARCH_INDEX_RECHECK_SECONDS", "1"))
# Recent search results kept per process and catalogue version (0 disables the cache).
SEARCH_RESULT_CACHE_SIZE = env_int("SEARCH_RESULT_CACHE_SIZE", 2048)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_pii": {"()": "yimen.lib.masking.MaskPIIFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_pii"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Realtime (docs/realtime.md): the live process serves server-sent events on LIVE_PORT; pages reach
# it at LIVE_PUBLIC_URL (empty: same host, port LIVE_PORT). LIVE_BUS is "local" (UDP datagrams to
# LIVE_BUS_ADDRS on this host) or "postgres" (LISTEN/NOTIFY across hosts); empty picks postgres when
# the database is PostgreSQL.
LIVE_PORT = env_int("LIVE_PORT", env_int("PORT", 8000) + 1)
LIVE_PUBLIC_URL = os.environ.get("LIVE_PUBLIC_URL", "")
LIVE_BUS = os.environ.get("LIVE_BUS", "")
LIVE_BUS_ADDRS = [a for a in os.environ.get("LIVE_BUS_ADDRS", f"127.0.0.1:{LIVE_PORT}").split(",") if a]

# The hall: the age from which a citizen may use the green channel (绿色通道) at the kiosk.
GREEN_CHANNEL_AGE = env_int("GREEN_CHANNEL_AGE", 60)
# The demo center is open around the clock (a real center follows its opening hours and calendar).
DEMO_ALWAYS_OPEN = env_bool("DEMO_ALWAYS_OPEN", True)
