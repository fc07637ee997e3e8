"""`{% load evaluations %}`: the evaluation link of a ticket or case for printed slips, receipts and
result notices (the phone page behind a QR code).

    {% evaluation_url case %}          the absolute URL (this request's host, else SITE_URL)
    {% evaluation_qr case %}           the same as an inline SVG QR code
"""

from django import template
from django.conf import settings
from django.urls import reverse

from yimen.cases.models import Case
from yimen.evaluations.services import visit_token
from yimen.lib.qr import qr_svg

register = template.Library()


def _url(context, obj) -> str:
    token = visit_token(case=obj) if isinstance(obj, Case) else visit_token(ticket=obj)
    path = reverse("evaluations:rate", args=[token])
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else settings.SITE_URL.rstrip("/") + path


@register.simple_tag(takes_context=True)
def evaluation_url(context, obj) -> str:
    return _url(context, obj)


@register.simple_tag(takes_context=True)
def evaluation_qr(context, obj, scale: int = 3):
    from django.utils.translation import gettext as _

    return qr_svg(_url(context, obj), scale=scale, title=_("Scan to rate our service"))
