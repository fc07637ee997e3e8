"""Template context for every page: the elder-mode preference (a cookie, works without JavaScript)."""

ELDER_COOKIE = "yimen_elder"


def ui_prefs(request):
    from django.conf import settings

    return {"elder_mode": request.COOKIES.get(ELDER_COOKIE) == "1", "demo_banner": settings.DEMO_BANNER}
