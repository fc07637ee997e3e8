"""Audit events for logins, logouts and failed logins (who, when, from where; never the password)."""

from yimen.auditlog.services import log_action


def _client(request) -> dict:
    if request is None:
        return {}
    return {"ip": request.META.get("REMOTE_ADDR", ""), "agent": request.META.get("HTTP_USER_AGENT", "")[:200]}


def logged_in(sender, request, user, **kwargs):
    log_action(user, "accounts.login", user, _client(request))


def logged_out(sender, request, user, **kwargs):
    if user is not None:
        log_action(user, "accounts.logout", user, _client(request))


def login_failed(sender, credentials, request=None, **kwargs):
    from .models import User

    user = User.objects.filter(username=credentials.get("username", "")).first()
    if user is not None:
        log_action(user, "accounts.login_failed", None, _client(request))
