"""Appointments API (`/api/v1/appointments/`): slot search, book, a booking by code, cancel and
reschedule by code, kiosk check-in, the waitlist of a full slot (join, by code, accept, leave).

Public endpoints need no session and are not CSRF-checked (ninja checks CSRF only for session
auth, as the queue API's phone tickets): a booking is protected by its 10-character code
(31 symbols: ~49 bits), booking is rate-limited per phone and per network address in the
service (counted in the database, so every server process agrees), and check-in needs an enrolled
kiosk of the center (`Authorization: Device <token>`) or signed-in staff of the center."""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from ninja import Router, Status
from ninja.utils import check_csrf

from yimen.catalog.models import ServiceItem
from yimen.hall.constants import DeviceKind
from yimen.hall.models import Center
from yimen.hall.services import device_from_request
from yimen.lib.api import ErrorOut, error, json_response

from . import services, waitlist
from .public import booking_data
from .schemas import BookIn, BookingOut, CheckInIn, DayOut, RescheduleIn, WaitlistIn, WaitlistOut

router = Router(tags=["appointments"])

CONFLICTS = frozenset({"slot_full", "slot_free", "offer_expired", "duplicate", "blocked", "conflict", "bad_state", "too_early", "too_late",
                       "wrong_day", "center_closed", "queue_closed", "channel_closed"})
STATUS = {"not_found": 404, "forbidden": 403, "rate_limited": 429, "not_bookable": 404}
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut}


def _refused(exc: services.AppointmentError) -> Status:
    return error(STATUS.get(exc.code) or (409 if exc.code in CONFLICTS else 400), exc.code, exc.message)


def _center_item(center_code: str, item_code: str):
    center = Center.objects.filter(code=center_code).first()
    if center is None:
        return None, None, error(404, "not_found", _("No such center."))
    item = ServiceItem.objects.filter(code=item_code).first()
    if item is None:
        return None, None, error(404, "not_found", _("No such service item."))
    return center, item, None


# Slot search answers, per process, for SLOT_SEARCH_CACHE_SECONDS: a search is read far more often
# than places are booked, and computing one costs about 10 ms of CPU (docs/benchmarks.md). The
# answer may be that many seconds old (a place just taken still shown free); booking re-checks
# under the day's lock and refuses a full slot with `slot_full`, so nothing is ever oversold.
_slot_answers: dict[tuple[str, str, str], tuple[float, bytes]] = {}
_SLOT_ANSWERS_MAX = 5000


@router.get("/centers/{center_code}/items/{item_code}/slots", response={200: list[DayOut], **ERRORS},
            summary="Free slots of an item over the plan's horizon (14 days), per channel; may be a few "
                    "seconds old (booking re-checks)")
def slots(request: HttpRequest, center_code: str, item_code: str, channel: str = "web"):
    key, ttl = (center_code, item_code, channel), settings.SLOT_SEARCH_CACHE_SECONDS
    cached = _slot_answers.get(key)
    if cached is not None and time.monotonic() - cached[0] < ttl:
        return HttpResponse(cached[1], content_type="application/json")
    center, item, refusal = _center_item(center_code, item_code)
    if refusal:
        return refusal
    if channel not in ("web", "phone", "internal"):
        return error(400, "bad_channel", _("Unknown booking channel."))
    try:
        days = services.search_slots(center, item, channel=channel)
    except services.AppointmentError as exc:
        return _refused(exc)
    answer = json_response([{"date": d.date, "free": d.free,
                             "slots": [{"start": s.start, "end": s.end, "free": s.free} for s in d.slots]}
                            for d in days])  # DayOut (test_api checks the shape)
    if ttl > 0:
        if len(_slot_answers) >= _SLOT_ANSWERS_MAX:
            _slot_answers.clear()
        _slot_answers[key] = (time.monotonic(), answer.content)
    return answer


def _situation(item: ServiceItem, code: str | None):
    """The item's situation by its code (None when not given), or the refusal."""
    if not code:
        return None, None
    situation = item.situations.filter(code=code).first()
    if situation is None:
        return None, error(400, "bad_situation", _("This situation does not belong to the item."))
    return situation, None


def _booking(code: str):
    booking = services.find_booking(code)
    if booking is None:
        return None, error(404, "not_found", _("No appointment with this code."))
    return booking, None


@router.post("/bookings", response={201: BookingOut, **ERRORS},
             summary="Book a slot: name, ID number or credit code, phone; answers with the code and materials")
def book(request: HttpRequest, body: BookIn):
    center, item, refusal = _center_item(body.center, body.item)
    if refusal:
        return refusal
    situation, refusal = _situation(item, body.situation)
    if refusal:
        return refusal
    by = None
    if body.channel == "internal":  # staff booking for someone at the desk: a session of the center, CSRF checked
        user = request.user
        if not (user.is_authenticated and (user.is_superuser or user.center_id == center.pk)) \
                or check_csrf(request) is not None:
            return error(403, "forbidden", _("Only staff of this center book on the internal channel."))
        by = user
    try:
        booking = services.book(center, item, body.slot_start, name=body.name, id_number=body.id_number,
                                phone=body.phone, situation=situation, applicant_type=body.applicant_type,
                                channel=body.channel, address=request.META.get("REMOTE_ADDR", ""), by=by)
    except services.AppointmentError as exc:
        return _refused(exc)
    return Status(201, booking_data(services.find_booking(booking.code), request=request))


@router.get("/bookings/{code}", response={200: BookingOut, **ERRORS}, summary="A booking by its code")
def get_booking(request: HttpRequest, code: str):
    booking, refusal = _booking(code)
    return refusal or Status(200, booking_data(booking, request=request))


@router.post("/bookings/{code}/cancel", response={200: BookingOut, **ERRORS}, summary="Cancel before the slot")
def cancel(request: HttpRequest, code: str):
    booking, refusal = _booking(code)
    if refusal:
        return refusal
    try:
        booking = services.cancel(booking)
    except services.AppointmentError as exc:
        return _refused(exc)
    return Status(200, booking_data(booking, request=request))


@router.post("/bookings/{code}/reschedule", response={200: BookingOut, **ERRORS},
             summary="Move the booking to another free slot of the same item")
def reschedule(request: HttpRequest, code: str, body: RescheduleIn):
    booking, refusal = _booking(code)
    if refusal:
        return refusal
    try:
        booking = services.reschedule(booking, body.slot_start)
    except services.AppointmentError as exc:
        return _refused(exc)
    return Status(200, booking_data(booking, request=request))


def kiosk_center(request: HttpRequest) -> Center | None:
    """The center of an enrolled kiosk calling, or of signed-in staff (who may check people in)."""
    device = device_from_request(request)
    if device is not None and device.kind == DeviceKind.KIOSK:
        return device.center
    user = request.user
    if user.is_authenticated and user.center_id:
        return user.center
    return None


@router.post("/check-in", response={200: BookingOut, **ERRORS},
             summary="Check in at the kiosk by code, scanned QR or ID number: issues the queue ticket")
def check_in(request: HttpRequest, body: CheckInIn):
    center = kiosk_center(request)
    if center is None:
        return error(403, "forbidden", _("Check-in runs on an enrolled kiosk of the center "
                                         "(Authorization: Device <token>) or for signed-in staff."))
    try:
        booking = services.check_in(center, code=body.code, id_number=body.id_number)
    except services.AppointmentError as exc:
        return _refused(exc)
    return Status(200, booking_data(booking, request=request))


# --- the waitlist -------------------------------------------------------------------------------

def _entry_data(entry) -> dict:
    return {"code": entry.code, "state": entry.state, "state_label": str(entry.get_state_display()),
            "center": entry.center.code, "item": entry.item.code, "slot_start": entry.slot_start,
            "slot_end": entry.slot_end, "position": waitlist.position(entry),
            "offer_until": entry.offer_until if entry.state == "offered" else None,
            "booking": entry.booking.code if entry.booking_id else None,
            "name": entry.masked_name, "phone": entry.masked_phone}


def _entry(code: str):
    entry = waitlist.find_entry(code)
    if entry is None:
        return None, error(404, "not_found", _("No waitlist place with this code."))
    return entry, None


@router.post("/waitlist", response={201: WaitlistOut, **ERRORS},
             summary="Join the waitlist of a full slot (web or hotline channel; the booking's checks)")
def join_waitlist(request: HttpRequest, body: WaitlistIn):
    center, item, refusal = _center_item(body.center, body.item)
    if refusal:
        return refusal
    if body.channel == "internal":
        return error(403, "forbidden", _("Only staff book on the internal channel."))
    situation, refusal = _situation(item, body.situation)
    if refusal:
        return refusal
    try:
        entry = waitlist.join(center, item, body.slot_start, name=body.name, id_number=body.id_number,
                              phone=body.phone, situation=situation, applicant_type=body.applicant_type,
                              channel=body.channel, address=request.META.get("REMOTE_ADDR", ""))
    except services.AppointmentError as exc:
        return _refused(exc)
    return Status(201, _entry_data(waitlist.find_entry(entry.code)))


@router.get("/waitlist/{code}", response={200: WaitlistOut, **ERRORS}, summary="A waitlist place by its code")
def get_waitlist(request: HttpRequest, code: str):
    entry, refusal = _entry(code)
    return refusal or Status(200, _entry_data(entry))


@router.post("/waitlist/{code}/accept", response={201: BookingOut, **ERRORS},
             summary="Accept the place offered: answers with the new booking")
def accept_waitlist(request: HttpRequest, code: str):
    entry, refusal = _entry(code)
    if refusal:
        return refusal
    try:
        booking = waitlist.accept(entry)
    except services.AppointmentError as exc:
        return _refused(exc)
    return Status(201, booking_data(services.find_booking(booking.code), request=request))


@router.post("/waitlist/{code}/leave", response={200: WaitlistOut, **ERRORS},
             summary="Leave the waitlist, or decline the place offered")
def leave_waitlist(request: HttpRequest, code: str):
    entry, refusal = _entry(code)
    if refusal:
        return refusal
    try:
        entry = waitlist.leave(entry)
    except services.AppointmentError as exc:
        return _refused(exc)
    return Status(200, _entry_data(entry))
