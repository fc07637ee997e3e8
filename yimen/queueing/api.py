"""Queue API (`/api/v1/queue/`): public queue list and tickets by token, ticket issue for kiosks
and phones, window actions for staff of the window's center (docs/queue.md).

POST /tickets: the phone channel is open to anonymous callers (opening hours, the queue's channels
and idempotency are enforced); the kiosk channel needs an enrolled kiosk device of the center
(`Authorization: Device <token>`, hall.services.device_from_request); staff tickets a session."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from ninja import Router, Status
from ninja.security import django_auth
from ninja.utils import check_csrf

from yimen.accounts.constants import Role
from yimen.catalog.constants import ItemStatus
from yimen.catalog.models import ServiceItem
from yimen.hall.constants import DeviceKind
from yimen.hall.models import Center, Window
from yimen.hall.services import device_from_request
from yimen.lib.api import ErrorOut, error, json_response
from yimen.lib.rows import load as load_row

from . import services
from .constants import Channel
from .models import Queue, Ticket
from .public import ticket_data
from .schemas import CallIn, FinishIn, IssueIn, QueueOut, StaffTicketOut, TicketOut, TransferIn, WaitingOut

router = Router(tags=["queue"])

WINDOW_ROLES = frozenset({Role.WINDOW_STAFF, Role.CENTER_MANAGER, Role.HELP_STAFF, Role.ADMIN})
STATUS = {"not_found": 404, "forbidden": 403, "channel_closed": 403}
CONFLICTS = frozenset({"center_closed", "queue_closed", "stale_ticket", "other_window", "bad_state", "conflict",
                       "too_soon", "queue_empty", "window_inactive"})
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def _refused(exc: services.QueueError) -> Status:
    status = STATUS.get(exc.code) or (409 if exc.code in CONFLICTS else 400)
    return error(status, exc.code, exc.message)


def is_window_staff(user, center_id: int) -> bool:
    """Staff of this center in a role that works a window (or a superuser)."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or (user.center_id == center_id and user.role in WINDOW_ROLES)


# --- public ------------------------------------------------------------------------------------

@router.get("/centers/{center_code}/queues", response={200: list[QueueOut], 404: ErrorOut},
            summary="The center's open queues with their waiting counts and items")
def center_queues(request: HttpRequest, center_code: str):
    center = Center.objects.filter(code=center_code).first()
    if center is None:
        return error(404, "not_found", _("No such center."))
    waiting = services.waiting_counts(center.pk, timezone.localdate())
    items = Prefetch("items", queryset=ServiceItem.objects.filter(status=ItemStatus.ACTIVE).only("code", "name"))
    queues = Queue.objects.filter(center=center, is_active=True).prefetch_related(items).order_by("prefix")
    return Status(200, [{"id": q.pk, "prefix": q.prefix, "name": q.name, "waiting": waiting.get(q.prefix, 0),
                         "items": [{"code": i.code, "name": i.name} for i in q.items.all()]} for q in queues])


@router.post("/tickets", response={200: TicketOut, 201: TicketOut, **ERRORS},
             summary="Take a ticket (kiosk, phone; staff with a session)",
             description="201 for a new ticket, 200 when the idempotency key was seen before (the same ticket). "
                         "Give `queue_id`, or `center` and `item`. Kiosk and phone tickets only while the center "
                         "is open.")
def issue(request: HttpRequest, body: IssueIn):
    queue, item, refusal = _queue_and_item(body)
    if refusal:
        return refusal
    if body.channel == Channel.STAFF:
        if not is_window_staff(request.user, queue.center_id) or check_csrf(request) is not None:
            return error(403, "forbidden", _("Only staff of this center may issue staff tickets."))
    elif body.channel == Channel.CHECKIN:
        return error(403, "forbidden", _("Appointment check-in issues its own tickets."))
    elif body.channel == Channel.KIOSK:
        device = device_from_request(request)
        if device is None or device.kind != DeviceKind.KIOSK or device.center_id != queue.center_id:
            return error(403, "forbidden", _("Kiosk tickets come from an enrolled kiosk of this center "
                                             "(Authorization: Device <token>)."))
    try:
        ticket, created = services.issue_or_get(queue, channel=body.channel, priority=body.priority,
                                                priority_reason=body.priority_reason, item=item,
                                                idempotency_key=body.idempotency_key)
    except services.QueueError as exc:
        return _refused(exc)
    return json_response(ticket_data(ticket), status=201 if created else 200)


def _queue_and_item(body: IssueIn):
    item = None
    if body.item:
        item = ServiceItem.objects.filter(code=body.item).first()
        if item is None:
            return None, None, error(400, "unknown_item", _("No such service item."))
    if body.queue_id is not None:
        queue = load_row(Queue, body.queue_id, related=("center",))
        if queue is None:
            return None, None, error(400, "unknown_queue", _("No such queue."))
        return queue, item, None
    if not (body.center and item):
        return None, None, error(400, "unknown_queue", _("Give queue_id, or center and item."))
    center = Center.objects.filter(code=body.center).first()
    queue = services.item_queues(center.pk).get(item.pk) if center else None
    if queue is None:
        return None, None, error(400, "unknown_queue", _("No open queue of this center serves this item."))
    queue.center = center
    return queue, item, None


def _ticket_by_token(token: str) -> Ticket | None:
    return Ticket.objects.select_related("queue", "item", "window").filter(public_token=token).first()


@router.get("/tickets/{token}", response={200: TicketOut, 404: ErrorOut}, summary="A ticket by its token")
def get_ticket(request: HttpRequest, token: str):
    ticket = _ticket_by_token(token)
    if ticket is None:
        return error(404, "not_found", _("No such ticket."))
    return Status(200, ticket_data(ticket))


@router.post("/tickets/{token}/cancel", response={200: TicketOut, **ERRORS}, summary="The citizen leaves")
def cancel_ticket(request: HttpRequest, token: str):
    ticket = _ticket_by_token(token)
    if ticket is None:
        return error(404, "not_found", _("No such ticket."))
    try:
        ticket = services.cancel(ticket)
    except services.QueueError as exc:
        return _refused(exc)
    return Status(200, ticket_data(ticket))


# --- windows (staff with a session; CSRF as ninja checks it) ------------------------------------

def _window(request: HttpRequest, window_id: int):
    window = load_row(Window, window_id)
    if window is None:
        return None, error(404, "not_found", _("No such window."))
    if not is_window_staff(request.auth, window.center_id):
        return None, error(403, "forbidden", _("Only staff of this center may work its windows."))
    return window, None


def _act(request: HttpRequest, window_id: int, action, token: str | None = None, **kwargs):
    """Run one service on a window (and a ticket by token) and answer with the ticket."""
    window, refusal = _window(request, window_id)
    if refusal:
        return refusal
    args = [window]
    if token is not None:
        pk = Ticket.objects.filter(public_token=token).values_list("pk", flat=True).first()
        if pk is None:
            return error(404, "not_found", _("No such ticket."))
        args = [Ticket(pk=pk), window]
    try:
        ticket = action(*args, by=request.auth, **kwargs)
    except services.QueueError as exc:
        return _refused(exc)
    if ticket is None:
        return error(409, "queue_empty", _("Nobody is waiting for this window."))
    return json_response(ticket_data(ticket, staff=True))  # StaffTicketOut (test_api checks the shape)


@router.post("/windows/{window_id}/call-next", auth=django_auth, response={200: StaffTicketOut, **ERRORS},
             summary="Call the next ticket by the ordering policy (409 queue_empty when nobody waits)")
def call_next(request: HttpRequest, window_id: int):
    return _act(request, window_id, services.call_next)


@router.post("/windows/{window_id}/call", auth=django_auth, response={200: StaffTicketOut, **ERRORS},
             summary="Call a waiting ticket of today by its number")
def call_number(request: HttpRequest, window_id: int, body: CallIn):
    window, refusal = _window(request, window_id)
    if refusal:
        return refusal
    token = (Ticket.objects.filter(center_id=window.center_id, business_date=timezone.localdate(),
                                   label=body.label.strip().upper()).values_list("public_token", flat=True).first())
    if token is None:
        return error(404, "not_found", _("No ticket with this number today."))
    return _act(request, window_id, services.call_ticket, token)


def _simple(action: str, service, summary: str):
    def view(request: HttpRequest, window_id: int, token: str):
        return _act(request, window_id, service, token)

    view.__name__ = f"ticket_{action}"
    router.post(f"/windows/{{window_id}}/tickets/{{token}}/{action}", auth=django_auth,
                response={200: StaffTicketOut, **ERRORS}, summary=summary, operation_id=f"queue_ticket_{action}")(view)


_simple("recall", services.recall, "Call the ticket again (not too soon; after the last allowed recall: no-show)")
_simple("skip", services.skip, "过号: back to the queue behind those waiting; the second time a no-show")
_simple("start", services.start_service, "Start serving the called citizen")
_simple("hold", services.hold, "Put the visit on hold")
_simple("resume", services.resume, "Resume a held visit")


@router.post("/windows/{window_id}/tickets/{token}/finish", auth=django_auth,
             response={200: StaffTicketOut, **ERRORS}, summary="End the visit: outcome served or no_show")
def finish(request: HttpRequest, window_id: int, token: str, body: FinishIn):
    return _act(request, window_id, services.finish, token, outcome=body.outcome)


@router.post("/windows/{window_id}/tickets/{token}/transfer", auth=django_auth,
             response={200: StaffTicketOut, **ERRORS},
             summary="Send the citizen to another queue; answers with the new ticket")
def transfer(request: HttpRequest, window_id: int, token: str, body: TransferIn):
    target = Queue.objects.filter(pk=body.queue_id).first()
    if target is None:
        return error(400, "unknown_queue", _("No such queue."))
    return _act(request, window_id, services.transfer, token, target=target)


@router.get("/windows/{window_id}/waiting", auth=django_auth, response={200: list[WaitingOut], **ERRORS},
            summary="The tickets this window would call, in policy order (at most 50)")
def waiting(request: HttpRequest, window_id: int):
    window, refusal = _window(request, window_id)
    if refusal:
        return refusal
    return Status(200, [
        {"label": t.label, "token": t.public_token, "queue": t.queue.prefix, "priority": t.priority,
         "priority_reason": t.priority_reason, "slot_start": t.slot_start, "wait_started_at": t.wait_started_at,
         "overtaken": t.overtaken, "skip_count": t.skip_count, "rule": rule, "reason": reason}
        for t, rule, reason in services.waiting_list(window)])
