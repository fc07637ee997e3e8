"""Public API of operations: heartbeats and the health report."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.utils import timezone

from .models import Heartbeat

WORKER = "worker"
HEARTBEAT_STALE_AFTER = timedelta(minutes=3)


def beat(name: str = WORKER) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})


def health() -> dict:
    """Database reachable, calendar years loaded (and the last verified one), worker heartbeat."""
    from yimen.workdays.services import calendar_status

    report: dict = {"status": "ok"}
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
        report["database"] = {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # noqa: BLE001 - the report must say what failed, never raise
        report["status"] = "error"
        report["database"] = {"ok": False, "error": exc.__class__.__name__}
        return report
    cal = calendar_status()
    report["calendar"] = {
        "years_loaded": cal.years_loaded,
        "last_verified_year": cal.last_verified_year,
        "warning": cal.warning,
    }
    if not cal.years_loaded:
        report["status"] = "degraded"
    hb = Heartbeat.objects.filter(name=WORKER).values_list("at", flat=True).first()
    fresh = hb is not None and timezone.now() - hb <= HEARTBEAT_STALE_AFTER
    report["worker"] = {"last_heartbeat": hb.isoformat() if hb else None, "ok": fresh}
    if not fresh and report["status"] == "ok":
        report["status"] = "degraded"
    return report
