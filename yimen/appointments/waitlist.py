"""The waitlist of a full slot (候补; issue 6 §2): a citizen joins it with the checks of booking
(ID number or credit code, phone, no-show block, rate limits, one active entry per person and
item, none while holding a booking of the item); a place freed there is offered to the first in
line by SMS and held for them for the center's `offer_minutes` (30 by default); they accept it
on the entry's page (a booking like any other) or leave the waitlist; an offer not accepted in
time expires and the place goes to the next in line.

When a place is free. A cancelled or moved booking's place stays taken for the release delay
(`SlotHold`), then belongs to the waitlist: while someone waits for a slot, `book` refuses it
(`slot_full`) and the search shows no free place, so that a booker cannot take a freed place
from the people in line between the release and the offer. `offer_places(plan, day)` hands
out what is free: it runs right after a cancellation or reschedule (a release without delay) and
every minute (huey), and each run works under the plan day's lock (`BookingDay`, the lock that
booking takes), so two releases at once make one offer each, never two offers of one place.
An offered place counts as taken (`services.taken_places`) until accepted or expired.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yimen.catalog.models import ServiceItem, Situation
from yimen.hall.models import Center
from yimen.lib.crypto import blind_index
from yimen.lib.writers import write_turn

from . import constants as c
from .constants import BookingChannel, BookingState, WaitState
from .models import Booking, CapacityPlan, WaitlistEntry
from .reminders import text_citizen
from .services import (
    AppointmentError,
    _lock_day,
    _new_code,
    _record,
    applicant_checks,
    channel_quota,
    policy_for,
    taken_places,
)

log = logging.getLogger(__name__)

__all__ = ["join", "find_entry", "leave", "accept", "offer_places", "offer_due", "position"]


def _rates(phone_index: str, address_index: str, center_id: int, now: datetime) -> None:
    """The booking limits, counted over waitlist joins too."""
    policy = policy_for(center_id)
    joins = WaitlistEntry.objects.filter(created_at__gt=now - timedelta(days=1), phone_index=phone_index).count()
    if joins >= policy.phone_daily_limit:
        raise AppointmentError("rate_limited", _(
            "Too many bookings with this phone number today. Please try again tomorrow or call the center."))
    if address_index and WaitlistEntry.objects.filter(address_index=address_index,
                                                      created_at__gt=now - timedelta(hours=1)).count() \
            >= policy.address_hourly_limit:
        raise AppointmentError("rate_limited", _("Too many bookings from this network. Please try again later."))


def join(center: Center, item: ServiceItem, slot_start: datetime, *, name: str, id_number: str, phone: str,
         situation: Situation | None = None, applicant_type: str | None = None,
         channel: str = BookingChannel.WEB, address: str = "", by=None,
         now: datetime | None = None) -> WaitlistEntry:
    """Join the waitlist of a full slot. Refuses what `book` refuses (but `slot_full`), and
    `slot_free` when a place can be booked directly, `duplicate` when the person already holds a
    booking or a waitlist place for the item. Nothing is written on a refusal."""
    now = now or timezone.now()
    a = applicant_checks(center, item, slot_start, name=name, id_number=id_number, phone=phone, situation=situation,
                         applicant_type=applicant_type, channel=channel, address=address, by=by, now=now)
    _rates(blind_index(a.phone), a.address_index, center.pk, now)
    try:
        with write_turn(), transaction.atomic():
            _lock_day(a.plan, timezone.localdate(a.start))
            if Booking.objects.filter(item=item, id_index=a.id_index, state__in=c.ACTIVE_STATES).exists():
                raise AppointmentError("duplicate", _(
                    "You already have an appointment for this item. Cancel or change it with its booking code."))
            if WaitlistEntry.objects.filter(item=item, id_index=a.id_index, state__in=c.WAIT_ACTIVE_STATES).exists():
                raise AppointmentError("duplicate", _("You are already on a waitlist for this item."))
            someone_waits = WaitlistEntry.objects.filter(plan=a.plan, slot_start=a.start, channel=channel,
                                                         state=WaitState.WAITING).exists()
            if not someone_waits and taken_places(a.plan, a.start, channel, now) < channel_quota(a.plan, channel):
                raise AppointmentError("slot_free", _("A place is free in this slot: book it directly."))
            return WaitlistEntry.objects.create(
                center=center, plan=a.plan, item=item, situation=situation, channel=channel,
                business_date=timezone.localdate(a.start), slot_start=a.start, slot_end=a.end, code=_new_code(),
                applicant_type=a.applicant_type, name=a.name, id_number=a.id_number, phone=a.phone,
                address_index=a.address_index, created_at=now)
    except IntegrityError as exc:  # the partial unique index: the same person joined at the same moment
        raise AppointmentError("duplicate", _("You are already on a waitlist for this item.")) from exc


def find_entry(code: str) -> WaitlistEntry | None:
    code = (code or "").strip().upper().replace(" ", "").replace("-", "")
    if not code or len(code) > 16:
        return None
    return WaitlistEntry.objects.select_related("center", "item", "plan", "booking").filter(code=code).first()


def position(entry: WaitlistEntry) -> int:
    """1 for the first in line of its slot."""
    if entry.state != WaitState.WAITING:
        return 0
    ahead = WaitlistEntry.objects.filter(plan_id=entry.plan_id, slot_start=entry.slot_start, channel=entry.channel,
                                         state=WaitState.WAITING, created_at__lte=entry.created_at) \
        .exclude(created_at=entry.created_at, id__gt=entry.pk).count()
    return ahead


def _fresh(entry: WaitlistEntry) -> WaitlistEntry:
    return WaitlistEntry.objects.select_related("center", "item", "plan", "booking").get(pk=entry.pk)


def leave(entry: WaitlistEntry, *, now: datetime | None = None) -> WaitlistEntry:
    """Leave the waitlist (or decline an offer: the place goes to the next in line)."""
    now = now or timezone.now()
    with write_turn(), transaction.atomic():
        _lock_day(entry.plan, entry.business_date)
        current = _fresh(entry)
        if current.state not in c.WAIT_ACTIVE_STATES:
            raise AppointmentError("bad_state", _("This waitlist place has ended."))
        was_offered = current.state == WaitState.OFFERED
        WaitlistEntry.objects.filter(pk=current.pk).update(state=WaitState.LEFT, ended_at=now)
    if was_offered:
        offer_and_text(current.plan, current.business_date, now=now)
    return _fresh(entry)


def accept(entry: WaitlistEntry, *, now: datetime | None = None) -> Booking:
    """Take the offered place: a booking of the slot, with its own code."""
    now = now or timezone.now()
    with write_turn(), transaction.atomic():
        _lock_day(entry.plan, entry.business_date)
        e = _fresh(entry)
        if e.state != WaitState.OFFERED:
            raise AppointmentError("bad_state", _("No place is offered to you now."))
        if e.offer_until <= now or e.slot_start <= now:
            raise AppointmentError("offer_expired", _("The offer has expired; the place went to the next in line."))
        if Booking.objects.filter(item=e.item, id_index=e.id_index, state__in=c.ACTIVE_STATES).exists():
            raise AppointmentError("duplicate", _(
                "You already have an appointment for this item. Cancel or change it with its booking code."))
        if taken_places(e.plan, e.slot_start, e.channel, now, exclude_offer=e.pk) >= channel_quota(e.plan, e.channel):
            raise AppointmentError("slot_full", _("This slot is fully booked. Please choose another slot."))
        booking = Booking.objects.create(
            center=e.center, plan=e.plan, item=e.item, situation=e.situation, channel=e.channel,
            business_date=e.business_date, slot_start=e.slot_start, slot_end=e.slot_end, code=_new_code(),
            applicant_type=e.applicant_type, name=e.name, id_number=e.id_number, phone=e.phone,
            address_index=e.address_index, created_at=now)
        WaitlistEntry.objects.filter(pk=e.pk).update(state=WaitState.BOOKED, booking=booking, ended_at=now)
        _record(booking, "book", "", BookingState.BOOKED, now,
                payload={"slot_start": e.slot_start, "channel": e.channel, "item": e.item.code, "waitlist": e.code})
    return booking


def offer_places(plan: CapacityPlan, day: date, *, now: datetime | None = None) -> list[WaitlistEntry]:
    """Under the day's lock: expire offers not accepted in time and entries of slots that have
    started, then offer every free place of the day's slots to the first in line. Returns the
    entries offered now (the caller texts them after the commit)."""
    now = now or timezone.now()
    offered = []
    with write_turn(), transaction.atomic():
        _lock_day(plan, day)
        day_entries = WaitlistEntry.objects.filter(plan=plan, business_date=day)
        day_entries.filter(state=WaitState.OFFERED, offer_until__lte=now).update(state=WaitState.EXPIRED, ended_at=now)
        day_entries.filter(state=WaitState.WAITING, slot_start__lte=now).update(state=WaitState.EXPIRED, ended_at=now)
        hold = timedelta(minutes=policy_for(plan.center_id).offer_minutes)
        slots = day_entries.filter(state=WaitState.WAITING).values_list("slot_start", "channel").distinct()
        for slot_start, channel in sorted(set(slots)):
            free = channel_quota(plan, channel) - taken_places(plan, slot_start, channel, now)
            if free <= 0:
                continue
            first = list(day_entries.filter(slot_start=slot_start, channel=channel, state=WaitState.WAITING)
                         .order_by("created_at", "id")[:free])
            until = min(now + hold, slot_start)
            for entry in first:
                if WaitlistEntry.objects.filter(pk=entry.pk, state=WaitState.WAITING).update(
                        state=WaitState.OFFERED, offered_at=now, offer_until=until):
                    entry.state, entry.offered_at, entry.offer_until = WaitState.OFFERED, now, until
                    offered.append(entry)
    return offered


def entry_url(entry: WaitlistEntry) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("appointments:waitlist", args=[entry.code])


def offer_text(entry: WaitlistEntry) -> str:
    start, until = timezone.localtime(entry.slot_start), timezone.localtime(entry.offer_until)
    with translation.override(settings.LANGUAGE_CODE):
        return _("A place is free for you: %(item)s at %(center)s, %(date)s at %(time)s. It is held for you "
                 "until %(until)s. Accept it here: %(url)s") % {
            "item": entry.item.name, "center": entry.center.name, "date": start.strftime("%m-%d"),
            "time": start.strftime("%H:%M"), "until": until.strftime("%H:%M"), "url": entry_url(entry)}


def offer_and_text(plan: CapacityPlan, day: date, *, now: datetime | None = None) -> int:
    """`offer_places`, then one SMS to each citizen offered a place. Returns how many."""
    offered = offer_places(plan, day, now=now)
    for entry in offered:
        entry = _fresh(entry)
        text_citizen(entry.phone, offer_text(entry))
    return len(offered)


def after_release(booking: Booking, *, now: datetime | None = None) -> int:
    """Called after a cancellation or a reschedule committed: when people wait for the freed slot,
    offer what is free now (nothing while the release delay runs: the periodic job does it then)."""
    if not WaitlistEntry.objects.filter(plan_id=booking.plan_id, business_date=booking.business_date,
                                        state=WaitState.WAITING).exists():
        return 0
    return offer_and_text(booking.plan, booking.business_date, now=now)


def offer_due(*, now: datetime | None = None) -> int:
    """The periodic job (every minute): offer freed places of every day with a waitlist."""
    now = now or timezone.now()
    WaitlistEntry.objects.filter(state__in=c.WAIT_ACTIVE_STATES, slot_start__lte=now) \
        .update(state=WaitState.EXPIRED, ended_at=now)
    days = WaitlistEntry.objects.filter(state__in=c.WAIT_ACTIVE_STATES, business_date__gte=timezone.localdate(now)) \
        .values_list("plan_id", "business_date").distinct()
    plans = {p.pk: p for p in CapacityPlan.objects.filter(pk__in={p for p, _d in days}).select_related("center")}
    return sum(offer_and_text(plans[p], d, now=now) for p, d in sorted(set(days)))
