"""What a citizen sees of a booking: one source for the API, the booking pages and the kiosk.
Personal data masked."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse

from .models import Booking
from .services import materials_for, policy_for


def manage_path(booking: Booking) -> str:
    return reverse("appointments:manage", args=[booking.code])


def booking_data(b: Booking, *, request=None) -> dict:
    policy = policy_for(b.center_id)
    path = manage_path(b)
    return {
        "code": b.code, "state": b.state, "state_label": str(b.get_state_display()),
        "center": b.center.code, "center_name": b.center.name, "item": b.item.code, "item_name": b.item.name,
        "situation": b.situation.name if b.situation_id else None,
        "date": b.business_date, "slot_start": b.slot_start, "slot_end": b.slot_end,
        "name": b.masked_name, "phone": b.masked_phone, "id_number": b.masked_id,
        "materials": [{"name": m.name, "necessity": m.necessity, "necessity_label": str(m.get_necessity_display()),
                       "kind": str(m.get_kind_display()), "copies": m.copies}
                      for m in materials_for(b.item, b.situation)],
        "manage_url": request.build_absolute_uri(path) if request is not None else path,
        "checkin_opens": b.slot_start - timedelta(minutes=policy.checkin_before_minutes),
        "checkin_closes": b.slot_start + timedelta(minutes=policy.checkin_after_minutes),
        "ticket": ({"label": b.ticket.label, "token": b.ticket.public_token, "priority": b.ticket.priority}
                   if b.ticket_id else None),
    }
