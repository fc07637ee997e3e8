"""Response hardening: CSP without any foreign host (no CDN, a11y-security.md S28-S29)."""

import time

from django.conf import settings
from django.contrib.auth import logout

from yimen.live.subscribe import live_origin

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self' {live}; media-src 'self' data:; font-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # the live process (server-sent events) listens on its own port: docs/realtime.md
        response.headers.setdefault("Content-Security-Policy", CSP.format(live=live_origin(request)))
        response.headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response.headers.setdefault("Cache-Control", "no-store")
        return response


class IdleTimeoutMiddleware:
    """Staff sessions end after SESSION_IDLE_SECONDS without a request (等保 session timeout, S4)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get("last_seen", now)
            if now - last > settings.SESSION_IDLE_SECONDS:
                logout(request)
            elif now - last >= 60 or "last_seen" not in request.session:
                request.session["last_seen"] = now  # at most one session write a minute per user
        return self.get_response(request)
