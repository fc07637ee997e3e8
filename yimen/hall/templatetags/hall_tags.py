from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration(seconds) -> str:
    """Seconds as 'N h M min' (or 'M min S s' under an hour); exact to the second."""
    seconds = int(seconds or 0)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    if h:
        return _("%(h)d h %(m)d min") % {"h": h, "m": m}
    if s:
        return _("%(m)d min %(s)d s") % {"m": m, "s": s}
    return _("%(m)d min") % {"m": m}


@register.filter
def percent(ratio) -> str:
    return "—" if ratio is None else f"{ratio * 100:.1f}%"
