"""Signed subscriptions: a page (served by the WSGI process) names the channels it may follow;
the live process checks the signature and never touches the database."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.core import signing

SALT = "yimen.live.subscribe"
MAX_AGE = 7 * 24 * 3600  # displays run for days; after this the page reloads and signs anew


def sign(channels: list[str]) -> str:
    return signing.dumps(sorted(set(channels)), salt=SALT, compress=True)


def verify(token: str) -> list[str] | None:
    try:
        channels = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(channels, list) or not all(isinstance(c, str) for c in channels) or len(channels) > 20:
        return None
    return channels


def live_origin(request) -> str:
    """Where browsers reach the live process: LIVE_PUBLIC_URL, else this host on LIVE_PORT."""
    if settings.LIVE_PUBLIC_URL:
        return settings.LIVE_PUBLIC_URL.rstrip("/")
    host = request.get_host().rsplit(":", 1)[0] if not request.get_host().endswith("]") else request.get_host()
    return f"{request.scheme}://{host}:{settings.LIVE_PORT}"


def stream_url(request, channels: list[str]) -> str:
    return f"{live_origin(request)}/live/events?{urlencode({'s': sign(channels)})}"
