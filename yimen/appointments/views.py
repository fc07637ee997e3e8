"""The citizen's booking screens (phone first: item → date and slot → person → done with code,
QR code and materials), the booking page by code (cancel, reschedule) and the kiosk check-in.
Thin: services do the work."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yimen.accounts.constants import Role
from yimen.catalog.constants import ItemStatus
from yimen.catalog.models import ServiceItem
from yimen.hall.models import Center, Terminal
from yimen.hall.services import HallError
from yimen.lib.qr import qr_svg

from . import servicemap, services, waitlist
from .api import CONFLICTS, STATUS, kiosk_center
from .constants import BookingChannel, BookingState
from .forms import PersonForm
from .models import CapacityPlan
from .public import booking_data, manage_path


def _bookable_items(center: Center) -> list[ServiceItem]:
    planned = set(CapacityPlan.objects.filter(center=center, is_active=True).values_list("queue_id", flat=True))
    item_queues = services.queue_services.item_queues(center.pk)
    return [i for i in ServiceItem.objects.filter(status=ItemStatus.ACTIVE, pk__in=item_queues.keys())
            .order_by("name") if item_queues[i.pk].pk in planned]


def _slot(value: str) -> datetime | None:
    try:
        at = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return at if timezone.is_aware(at) else None


def start(request, center_code: str):
    """Step 1: which item."""
    center = get_object_or_404(Center, code=center_code)
    return render(request, "appointments/book_item.html", {"center": center, "items": _bookable_items(center),
                                                            "step": 1})


def _center_item(center_code: str, item_code: str):
    center = get_object_or_404(Center, code=center_code)
    item = get_object_or_404(ServiceItem, code=item_code, status=ItemStatus.ACTIVE)
    return center, item


def choose_slot(request, center_code: str, item_code: str):
    """Step 2: situation, date and slot (free places of the web channel)."""
    center, item = _center_item(center_code, item_code)
    try:
        days = services.search_slots(center, item)
    except services.AppointmentError as exc:
        raise Http404(exc.message) from exc
    situations = list(item.situations.filter(is_active=True).order_by("sort", "code"))
    days = [d for d in days if d.free]
    chosen = _slot(request.GET.get("slot", ""))
    wanted = request.GET.get("day") or (timezone.localdate(chosen).isoformat() if chosen else "")
    day = next((d for d in days if d.date.isoformat() == wanted), days[0] if days else None)
    return render(request, "appointments/book_slot.html", {
        "center": center, "item": item, "days": days, "day": day, "situations": situations,
        "terminals": services.terminals_for(item, center),
        "chosen": chosen.isoformat() if chosen else "", "situation": request.GET.get("situation", ""), "step": 2,
        "error": request.GET.get("full") and _("This slot is fully booked. Please choose another slot."),
    })


def person(request, center_code: str, item_code: str):
    """Step 3: who comes (name, ID number or credit code, phone), with the choice to confirm."""
    center, item = _center_item(center_code, item_code)
    slot = _slot(request.GET.get("slot") or request.POST.get("slot", ""))
    sid = request.GET.get("situation") or request.POST.get("situation", "")
    situation = item.situations.filter(pk=int(sid), is_active=True).first() if sid.isdigit() else None
    back = reverse("appointments:slot", args=[center.code, item.code])
    if slot is None:
        return redirect(back)
    form = PersonForm(request.POST or None)
    joining = (request.GET.get("waitlist") or request.POST.get("waitlist")) == "1"
    status = 200
    if request.method == "POST" and form.is_valid() and joining:
        try:
            entry = waitlist.join(center, item, slot, situation=situation,
                                  address=request.META.get("REMOTE_ADDR", ""), **form.cleaned_data)
        except services.AppointmentError as exc:
            if exc.code == "slot_free":
                return redirect(f"{request.path}?slot={slot.isoformat()}"
                                + (f"&situation={situation.pk}" if situation else ""))
            form.add_refusal(exc.code, exc.message)
            status = STATUS.get(exc.code) or (409 if exc.code in CONFLICTS else 400)
        else:
            return redirect("appointments:waitlist", code=entry.code)
    elif request.method == "POST" and form.is_valid():
        try:
            booking = services.book(center, item, slot, situation=situation, address=request.META.get("REMOTE_ADDR", ""),
                                    **form.cleaned_data)
        except services.AppointmentError as exc:
            if exc.code == "slot_full":
                return redirect(f"{back}?full=1")
            form.add_refusal(exc.code, exc.message)
            status = STATUS.get(exc.code) or (409 if exc.code in CONFLICTS else 400)
        else:
            request.session["booked"] = booking.code
            return redirect(manage_path(booking))
    elif request.method == "POST":
        status = 400
    form.aria()
    return render(request, "appointments/book_person.html", {
        "center": center, "item": item, "slot": slot, "situation": situation, "form": form, "back": back,
        "step": 3, "joining": joining,
    }, status=status)


def _data(request, code: str):
    booking = services.find_booking(code)
    if booking is None:
        raise Http404(_("No appointment with this code."))
    return booking


def manage(request, code: str):
    """The booking by its code: done page after booking, cancel and reschedule."""
    booking = _data(request, code)
    data = booking_data(booking, request=request)
    days = []
    if booking.state == BookingState.BOOKED and request.GET.get("change"):
        days = [d for d in services.search_slots(booking.center, booking.item) if d.free]
    return render(request, "appointments/manage.html", {
        "booking": booking, "data": data, "qr": qr_svg(data["manage_url"], scale=5, title=booking.code),
        "just_booked": request.session.pop("booked", None) == booking.code, "days": days,
    })


@require_POST
def cancel(request, code: str):
    booking = _data(request, code)
    try:
        services.cancel(booking)
    except services.AppointmentError as exc:
        return _manage_error(request, booking, exc.message)
    return redirect(manage_path(booking))


@require_POST
def reschedule(request, code: str):
    booking = _data(request, code)
    slot = _slot(request.POST.get("slot", ""))
    if slot is None:
        return _manage_error(request, booking, _("Please choose a new slot."))
    try:
        services.reschedule(booking, slot)
    except services.AppointmentError as exc:
        return _manage_error(request, booking, exc.message)
    return redirect(manage_path(booking))


def _manage_error(request, booking, message: str):
    booking = _data(request, booking.code)
    data = booking_data(booking, request=request)
    return render(request, "appointments/manage.html", {
        "booking": booking, "data": data, "qr": qr_svg(data["manage_url"], scale=5, title=booking.code),
        "error": message, "days": [],
    }, status=409)


def find(request):
    """Type a booking code to open its page."""
    code = services.code_from_scan(request.GET.get("code", ""))[:16]
    error = ""
    if code:
        if services.find_booking(code) is not None:
            return redirect("appointments:manage", code=code)
        error = _("No appointment with this code. Please check it.")
    return render(request, "appointments/find.html", {"code": code, "error": error}, status=404 if error else 200)


# ---------------------------------------------------------------- kiosk check-in

def kiosk_checkin(request):
    """Check in at the kiosk: scan the QR code, type the code or the ID number; the ticket prints
    on the queue's kiosk ticket page."""
    center = kiosk_center(request)
    if center is None:
        raise PermissionDenied(_("This screen runs on an enrolled hall device, or for signed-in staff."))
    error = ""
    if request.method == "POST":
        try:
            booking = services.check_in(center, code=request.POST.get("code", "")[:200],
                                        id_number=request.POST.get("id_number", "")[:30])
        except services.AppointmentError as exc:
            error = exc.message
        else:
            return redirect("kiosk-ticket", token=booking.ticket.public_token)
    return render(request, "appointments/kiosk_checkin.html", {"center": center, "error": error},
                  status=409 if error else 200)


# ---------------------------------------------------------------- the manager's capacity planner

MANAGER_ROLES = (Role.CENTER_MANAGER, Role.DISTRICT_SUPERVISOR, Role.ADMIN)


@login_required
def planner(request):
    """A week of one plan: per slot the places, what is booked of the bookable places and the
    walk-in share kept free; closed days and holidays show no slots."""
    user = request.user
    if not user.center_id or not (user.is_superuser or user.has_role(*MANAGER_ROLES)):
        raise PermissionDenied(_("The capacity planner is for center managers."))
    plans = list(CapacityPlan.objects.filter(center_id=user.center_id).select_related("queue", "center")
                 .order_by("queue__prefix"))
    plan = next((p for p in plans if str(p.pk) == request.GET.get("plan")), plans[0] if plans else None)
    try:
        anchor = date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        anchor = timezone.localdate()
    monday = anchor - timedelta(days=anchor.weekday())
    week = services.week_overview(plan, monday) if plan else []
    times = sorted({timezone.localtime(cell.start).time() for _d, cells in week for cell in cells})
    grid = [(t, [next((cell for cell in cells if timezone.localtime(cell.start).time() == t), None)
                 for _d, cells in week]) for t in times]
    totals = [(d, sum(cell.booked_total for cell in cells), sum(cell.bookable for cell in cells),
               sum(cell.walk_in for cell in cells)) for d, cells in week]
    return render(request, "appointments/planner.html", {
        "plans": plans, "plan": plan, "monday": monday, "grid": grid, "totals": totals,
        "previous": (monday - timedelta(days=7)).isoformat(), "next": (monday + timedelta(days=7)).isoformat(),
        "capacity": services.slot_capacity(plan) if plan else 0,
        "quotas": [(label, services.channel_quota(plan, value)) for value, label in BookingChannel.choices]
        if plan else [],
    })


# --- the service map and the terminals' faults -----------------------------------------------

def service_map(request):
    """The public 15-minute service circle: centers (address, today's hours, people waiting now)
    and their self-service terminals (place, hours, items, status, directions). Plain list, no
    external map tiles; the waiting counts refresh every minute (htmx)."""
    now = timezone.now()
    template = "appointments/_map_centers.html" if request.headers.get("HX-Request") else "appointments/map.html"
    return render(request, template, {"entries": servicemap.service_map(now=now), "now": now})


def _terminal_staff(request):
    user = request.user
    if not user.center_id:
        raise PermissionDenied(_("Terminal faults are marked by staff of a center."))
    return user


@login_required
def staff_terminals(request):
    """Staff of a center mark a terminal's fault and its repair (htmx; audited)."""
    user = _terminal_staff(request)
    return render(request, "appointments/terminals.html", {
        "terminals": servicemap.staff_terminals(user.center_id)})


@login_required
@require_POST
def terminal_status(request, pk: int):
    user = _terminal_staff(request)
    terminal = get_object_or_404(Terminal, pk=pk, center_id=user.center_id)
    error, status = "", 200
    try:
        if request.POST.get("action") == "repair":
            servicemap.report_repair(terminal, request.POST.get("note", ""), by=user)
        else:
            servicemap.report_fault(terminal, request.POST.get("note", ""), by=user)
    except HallError as exc:
        error, status = exc.message, 400
    if not request.headers.get("HX-Request"):
        if error:
            return render(request, "appointments/terminals.html", {
                "terminals": servicemap.staff_terminals(user.center_id), "error": error, "error_for": terminal.pk},
                status=status)
        return redirect("appointments:terminals")
    terminal.refresh_from_db()
    # htmx swaps the row even on a refusal (the message is in the row), so answer 200
    return render(request, "appointments/_terminal_row.html", {"t": terminal, "error": error,
                                                               "error_for": terminal.pk})


# --- the waitlist of a full slot -----------------------------------------------------------------

def _entry(code: str):
    entry = waitlist.find_entry(code)
    if entry is None:
        raise Http404(_("No waitlist place with this code."))
    return entry


def waitlist_page(request, code: str, *, error: str = "", status: int = 200):
    """The citizen's waitlist place: position in line, or the offered place to accept in time."""
    entry = _entry(code)
    return render(request, "appointments/waitlist.html", {
        "entry": entry, "position": waitlist.position(entry), "error": error,
        "policy": services.policy_for(entry.center_id)}, status=status)


@require_POST
def waitlist_accept(request, code: str):
    entry = _entry(code)
    try:
        booking = waitlist.accept(entry)
    except services.AppointmentError as exc:
        return waitlist_page(request, code, error=exc.message, status=409)
    request.session["booked"] = booking.code
    return redirect(manage_path(booking))


@require_POST
def waitlist_leave(request, code: str):
    entry = _entry(code)
    try:
        waitlist.leave(entry)
    except services.AppointmentError as exc:
        return waitlist_page(request, code, error=exc.message, status=409)
    return redirect("appointments:waitlist", code=entry.code)
