"""Rate limits of evaluation submissions (domain.md §3.5: rate limits stop floods).

Fixed-window counters in the Django cache, per token, per pad and per client address; the limits
are `EVALUATION_RATE_LIMITS` (a setting read with its default): {kind: (attempts, seconds)}. A
cache shared by the processes (Redis, the database cache) makes them hold across processes; the
default in-process cache makes them per process.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

DEFAULT_LIMITS = {"token": (5, 600), "device": (30, 60), "address": (20, 60)}


def limits() -> dict[str, tuple[int, int]]:
    return {**DEFAULT_LIMITS, **getattr(settings, "EVALUATION_RATE_LIMITS", {})}


def _hit(kind: str, key: str, now: datetime) -> bool:
    attempts, seconds = limits()[kind]
    bucket = int(now.timestamp()) // seconds
    name = f"evaluations:rate:{kind}:{key}:{bucket}"
    cache.add(name, 0, timeout=seconds + 1)
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, timeout=seconds + 1)
        count = 1
    return count <= attempts


def check(*, token: str, device: int | None, address: str, now: datetime) -> None:
    """Count one submission; raises `Refused("throttled")` once a limit is exceeded."""
    keys = [("token", token), ("device", str(device) if device else ""), ("address", address or "")]
    for kind, key in keys:
        if key and not _hit(kind, key, now):
            from .services import EvaluationError

            raise EvaluationError("throttled", _("Too many attempts; please wait a moment."))


__all__ = ["DEFAULT_LIMITS", "check", "limits"]
