"""The hall's screens: kiosk (取号机), the citizen's live ticket page, the hall display and the
small per-window display. Thin: services do the work; pages subscribe to live events.

Screens on hall devices authenticate with the device's revocable token (hall.services
`device_from_request`); logged-in staff of the center may open them too (to check a screen).
"""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yimen.catalog.models import ServiceItem
from yimen.catalog.search import search_items
from yimen.hall.models import Center, Window
from yimen.hall.services import device_from_request, is_open
from yimen.lib.qr import qr_svg
from yimen.live import channels
from yimen.live.subscribe import stream_url

from . import services
from .board import board
from .constants import Channel, GreenReason, Priority
from .models import Queue, Ticket
from .public import ticket_data

DEVICE_KINDS = {"kiosk": {"kiosk"}, "display": {"hall_display"}, "window": {"window_display", "hall_display"}}
KIOSK_DECLARATIONS = {  # what the kiosk asks, per green-channel reason
    GreenReason.ELDERLY: gettext_lazy("I am %(age)s or older"), GreenReason.DISABLED: gettext_lazy("I have a disability"),
    GreenReason.PREGNANT: gettext_lazy("I am pregnant"), GreenReason.MILITARY: gettext_lazy("I am a serviceman or veteran"),
}


def _tap_key(request, channel: str) -> str | None:
    """The idempotency key of a ticket form: rendered once per page, so a double tap or a retried
    POST gets the ticket it already has."""
    key = request.POST.get("key", "")[:40]
    return f"{channel}:{key}" if key else None


def _screen_center(request, screen: str) -> Center:
    device = device_from_request(request)
    if device is not None and device.kind in DEVICE_KINDS[screen]:
        request.device = device
        return device.center
    user = request.user
    if user.is_authenticated and user.center_id:
        request.device = None
        return user.center
    raise PermissionDenied(_("This screen runs on an enrolled hall device, or for signed-in staff."))


# ---------------------------------------------------------------- kiosk

def kiosk(request):
    center = _screen_center(request, "kiosk")
    day = timezone.localdate()
    counts = services.waiting_counts(center.pk, day)
    queues = [(q, counts.get(q.prefix, 0)) for q in Queue.objects.filter(center=center, is_active=True)]
    query = request.GET.get("q", "").strip()[:50]
    hits = []
    if query:
        item_queues = services.item_queues(center.pk)
        scanned = _scanned_item(query)
        if scanned is not None and scanned.pk in item_queues:  # a scanned item QR code: straight to the ticket
            return redirect(f"{reverse('kiosk-take', args=[item_queues[scanned.pk].pk])}?item={scanned.code}")
        hits = [(h.entry, item_queues[h.entry.id]) for h in search_items(query, limit=40)
                if h.entry.id in item_queues][:12]
    return render(request, "queueing/kiosk.html", {
        "center": center, "queues": queues, "query": query, "hits": hits, "open": is_open(center),
        "stream": stream_url(request, [channels.center(center.pk)]),
    })


SCANNED = re.compile(r"/guide/item/([A-Za-z0-9_.-]+)/?")


def _scanned_item(query: str) -> ServiceItem | None:
    """An item's guide URL (the QR code printed on guides and posters) or its exact code."""
    match = SCANNED.search(query)
    code = match.group(1) if match else query.strip()
    return ServiceItem.objects.filter(code__iexact=code).first() if len(code) <= 64 else None


def kiosk_take(request, queue_id: int):
    center = _screen_center(request, "kiosk")
    queue = get_object_or_404(Queue, pk=queue_id, center=center, is_active=True)
    item = None
    if request.GET.get("item"):
        item = queue.items.filter(code=request.GET["item"]).first()
        if item is None:
            raise Http404(_("This item is not served by this queue."))
    error = ""
    if request.method == "POST":
        reason = request.POST.get("green", "")
        reason = reason if reason in GreenReason.values else ""
        priority = Priority.GREEN_CHANNEL if reason else Priority.NORMAL
        try:
            ticket = services.issue_ticket(
                queue, channel=Channel.KIOSK, priority=priority, priority_reason=reason,
                item=item, idempotency_key=_tap_key(request, Channel.KIOSK))
        except services.QueueError as exc:
            error = exc.message
        else:
            return redirect("kiosk-ticket", token=ticket.public_token)
    counts = services.waiting_counts(center.pk, timezone.localdate())
    return render(request, "queueing/kiosk_take.html", {
        "center": center, "queue": queue, "item": item, "waiting": counts.get(queue.prefix, 0),
        "green_reasons": [(k, v % {"age": settings.GREEN_CHANNEL_AGE} if k == GreenReason.ELDERLY else v)
                          for k, v in KIOSK_DECLARATIONS.items()],
        "key": uuid.uuid4().hex, "error": error, "open": is_open(center),
    }, status=409 if error else 200)


def kiosk_ticket(request, token: str):
    center = _screen_center(request, "kiosk")
    ticket = get_object_or_404(Ticket.objects.select_related("queue", "item"), public_token=token, center=center)
    live_url = request.build_absolute_uri(reverse("ticket-live", args=[ticket.public_token]))
    return render(request, "queueing/kiosk_ticket.html", {
        "center": center, "ticket": ticket, "status": ticket_data(ticket), "qr": qr_svg(live_url),
        "live_url": live_url,
    })


# ---------------------------------------------------------------- citizen's phone

PHONE_ACTIVE_LIMIT = 2  # waiting tickets one phone (browser session) may hold at once


def phone_take(request, center_code: str):
    """Take a ticket on the phone (the QR code at the hall entrance, or the web): only while the
    center is open, at most PHONE_ACTIVE_LIMIT waiting tickets per browser, one per tap (idempotent)."""
    center = get_object_or_404(Center, code=center_code)
    queues = [q for q in Queue.objects.filter(center=center, is_active=True) if Channel.PHONE in (q.channels or [])]
    error = ""
    held = request.session.get("phone_tickets", [])
    if request.method == "POST":
        queue = next((q for q in queues if str(q.pk) == request.POST.get("queue")), None)
        waiting = Ticket.objects.filter(public_token__in=held, state="waiting").count()
        if queue is None:
            error = _("Choose a queue.")
        elif waiting >= PHONE_ACTIVE_LIMIT:
            error = _("You already hold %(n)s waiting tickets.") % {"n": waiting}
        else:
            try:
                ticket = services.issue_ticket(queue, channel=Channel.PHONE,
                                               idempotency_key=_tap_key(request, Channel.PHONE))
            except services.QueueError as exc:
                error = exc.message
            else:
                request.session["phone_tickets"] = [*held[-9:], ticket.public_token]
                return redirect("ticket-live", token=ticket.public_token)
    counts = services.waiting_counts(center.pk, timezone.localdate())
    return render(request, "queueing/phone_take.html", {
        "center": center, "queues": [(q, counts.get(q.prefix, 0)) for q in queues], "error": error,
        "open": is_open(center), "key": uuid.uuid4().hex,
    }, status=409 if error else 200)


def ticket_live(request, token: str):
    ticket = get_object_or_404(Ticket.objects.select_related("queue", "item", "center"), public_token=token)
    return render(request, "queueing/ticket_live.html", {
        "ticket": ticket, "status": ticket_data(ticket),
        "stream": stream_url(request, [channels.ticket(ticket.public_token), channels.center(ticket.center_id)]),
        "status_url": reverse("ticket-status", args=[ticket.public_token]),
        "today": ticket.business_date == timezone.localdate(),
    })


def ticket_status(request, token: str):
    ticket = get_object_or_404(Ticket, public_token=token)
    return JsonResponse(ticket_data(ticket))


@require_POST
def ticket_cancel(request, token: str):
    ticket = get_object_or_404(Ticket, public_token=token)
    try:
        services.cancel(ticket)
    except services.QueueError as exc:
        return render(request, "queueing/ticket_live.html", {
            "ticket": ticket, "status": ticket_data(ticket), "error": exc.message,
            "status_url": reverse("ticket-status", args=[token])}, status=409)
    return redirect("ticket-live", token=token)


# ---------------------------------------------------------------- displays

def hall_display(request):
    center = _screen_center(request, "display")
    return render(request, "queueing/display.html", {
        "center": center, "board": board(center), "state_url": reverse("display-state"),
        "stream": stream_url(request, [channels.center(center.pk)]),
    })


def display_state(request):
    center = _screen_center(request, "display")
    return JsonResponse(board(center))


def _display_window(request, window_id: int) -> tuple[Center, Window]:
    center = _screen_center(request, "window")
    window = get_object_or_404(Window, pk=window_id, center=center)
    if getattr(request, "device", None) is not None and request.device.window_id not in (None, window.pk):
        raise PermissionDenied(_("This display belongs to another window."))
    return center, window


def window_display(request, window_id: int):
    center, window = _display_window(request, window_id)
    return render(request, "queueing/window_display.html", {
        "center": center, "window": window, "board": board(center, window=window),
        "state_url": reverse("window-display-state", args=[window.pk]),
        "stream": stream_url(request, [channels.window(window.pk)]),
    })


def my_window_display(request):
    """A window display enrolled for one window opens that window's page."""
    _screen_center(request, "window")
    device = getattr(request, "device", None)
    if device is None or device.window_id is None:
        raise Http404(_("This display is not enrolled for a window."))
    return redirect("window-display", window_id=device.window_id)


def window_display_state(request, window_id: int):
    center, window = _display_window(request, window_id)
    return JsonResponse(board(center, window=window))

