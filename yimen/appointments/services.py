"""Public API of appointments (统一预约; domain.md §3.4, §8): slots, booking, cancel, reschedule,
check-in and no-shows. Anything else in this app is private.

Capacity. A `CapacityPlan` per queue (the hall's item group) gives slot length and capacity per
slot; hours come from the plan (or the center's opening hours) on the working days of the
center's calendar (make-up working days included, holidays excluded), and a `PlanDay` closes a
day or gives it special hours (延时/错时服务). Slots are computed on read; the booked count of a
slot is a count of its bookings in a holding state (booked, checked in, no-show). Each channel may
book its share of a slot; the walk-in share is never booked.

The last place is never sold twice. Every write that takes a place (book, reschedule) runs in one
transaction that first locks the `BookingDay` row of the plan and date, then counts the slot's
bookings and inserts (or moves) only below the channel's quota:
- on PostgreSQL the row is created if missing (INSERT … ON CONFLICT DO NOTHING, which waits for a
  concurrent insert of the same row) and locked with SELECT … FOR UPDATE; a second booker of the
  same day waits there until the first commits, then counts the first one's booking (READ
  COMMITTED reads the newest committed rows in each statement);
- on SQLite every write transaction is IMMEDIATE (settings): it takes the database's one write
  lock at BEGIN, so count-and-insert of two bookers never interleave; the lock row costs one
  INSERT OR IGNORE.
Bookers of different days and plans do not wait for each other on PostgreSQL. A place freed by a
cancellation or a reschedule stays taken for the center's release delay (a `SlotHold` row), so
that a scalper cannot cancel at a moment agreed with a buyer (anchors.md: Berlin's slot trading). Booking the same
person twice for one item is refused under the same lock and backed by a partial unique index
(`appointments_one_active_per_person_item`). Tested with 20 threads for 2 places on both engines.

Every state change appends a `BookingEvent` (append-only, with triggers) in its transaction.
Refused actions raise `AppointmentError` with a stable `.code` and change nothing.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yimen.auditlog.models import ActorKind
from yimen.catalog.constants import ItemStatus
from yimen.catalog.models import Material, ServiceItem, Situation
from yimen.catalog.services import published_guide
from yimen.hall import intervals
from yimen.hall.models import Center
from yimen.hall.services import hours_spans
from yimen.lib.crypto import blind_index
from yimen.lib.errors import Refused
from yimen.lib.events import next_seq
from yimen.lib.idcodes import is_valid_credit_code, is_valid_id_number, normalize_id_number
from yimen.lib.transitions import compare_and_set
from yimen.lib.writers import write_turn
from yimen.queueing import services as queue_services
from yimen.queueing.constants import Channel, Priority
from yimen.workdays.services import get_calendar, is_workday

from . import constants as c
from .constants import ApplicantType, BookingChannel, BookingState, LateRule, WaitState
from .models import (
    Booking,
    BookingDay,
    BookingEvent,
    BookingPolicy,
    CapacityPlan,
    PlanDay,
    SlotHold,
    WaitlistEntry,
)

__all__ = [
    "AppointmentError", "Slot", "Day", "plan_for", "policy_for", "slot_capacity", "day_slots", "search_slots",
    "materials_for", "book", "cancel", "reschedule", "find_booking", "check_in", "record_no_shows",
    "blocked_until", "code_from_scan", "PlanCell", "week_overview", "terminals_for", "applicant_checks",
    "taken_places",
]

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
NAME_MAX = 50


class AppointmentError(Refused):
    """A refused appointment action; `.code` is stable, the message is translated."""


# --- plans and policies ------------------------------------------------------------------------

def plan_for(center: Center, item: ServiceItem) -> CapacityPlan | None:
    """The active plan of the queue that serves `item` at `center` (queueing.item_queues decides the
    queue, as the kiosk does), or None when the item cannot be booked there."""
    queue = queue_services.item_queues(center.pk).get(item.pk)
    if queue is None:
        return None
    return CapacityPlan.objects.select_related("queue", "center").filter(queue=queue, is_active=True).first()


def policy_for(center_id: int) -> BookingPolicy:
    """The center's booking policy, or the defaults (an unsaved row) when it has none."""
    return BookingPolicy.objects.select_related("center").filter(center_id=center_id).first() or \
        BookingPolicy(center=Center.objects.get(pk=center_id))


def slot_capacity(plan: CapacityPlan) -> int:
    """Places per slot: the plan's override, or ⌊planned windows × slot length ÷ handling time⌋."""
    if plan.capacity_override is not None:
        return plan.capacity_override
    windows = plan.planned_windows
    if windows is None:
        windows = plan.queue.windows.filter(is_active=True).count()
    return windows * plan.slot_minutes // max(1, plan.handling_minutes)


def channel_quota(plan: CapacityPlan, channel: str, capacity: int | None = None) -> int:
    """Places of one slot the channel may book: ⌊capacity × share⌋, never eating the walk-in share."""
    capacity = slot_capacity(plan) if capacity is None else capacity
    walk_in = -(-capacity * plan.walk_in_percent // 100)  # ceil: the walk-in share is kept whole
    return max(0, min(capacity * plan.share(channel) // 100, capacity - walk_in))


# --- slots -------------------------------------------------------------------------------------

def _spans(plan: CapacityPlan, day: date, overrides: dict[date, PlanDay] | None = None,
           cal=None) -> list[intervals.Span]:
    """Booking hours of a plan on `day`: a PlanDay wins (closed, or its special hours even on a rest
    day); otherwise the plan's hours (else the center's opening hours) on working days only.
    `cal`: the calendar snapshot when the caller looks at many days (one version query, not one a day)."""
    override = (overrides or {}).get(day) if overrides is not None else \
        PlanDay.objects.filter(plan=plan, date=day).first()
    if override is not None:
        if override.closed:
            return []
        if override.hours:
            return hours_spans({str(day.isoweekday()): override.hours}, day)
    if not (cal.is_workday(day) if cal is not None else is_workday(day, calendar_id=plan.center.calendar_id)):
        return []
    return hours_spans(plan.hours or plan.center.opening_hours, day)


def _starts(plan: CapacityPlan, spans: list[intervals.Span]) -> list[tuple[datetime, datetime]]:
    step = timedelta(minutes=plan.slot_minutes)
    out = []
    for start, end in spans:
        at = start
        while at + step <= end:
            out.append((at, at + step))
            at += step
    return out


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    capacity: int  # places of the slot (all channels and walk-ins)
    quota: int  # places the asked channel may book
    booked: int  # the channel's bookings holding a place

    @property
    def free(self) -> int:
        return max(0, self.quota - self.booked)


@dataclass(frozen=True)
class Day:
    date: date
    slots: list[Slot]

    @property
    def free(self) -> int:
        return sum(s.free for s in self.slots)

    @property
    def full_slots(self) -> list[Slot]:
        """Slots the channel could book but are taken: their waitlists are open."""
        return [s for s in self.slots if s.quota and not s.free]


def _booked(plan: CapacityPlan, channel: str | None, first: date, last: date,
            now: datetime) -> dict[tuple[datetime, str], int]:
    """(slot start, channel) -> places taken: bookings holding a place, places freed less than
    the release delay ago (`SlotHold`), places offered to the waitlist and, for a channel's search,
    people waiting (a freed place is theirs first)."""
    bookings = Booking.objects.filter(plan=plan, business_date__gte=first, business_date__lte=last,
                                      state__in=c.HOLDING_STATES)
    tz = timezone.get_current_timezone()
    holds = SlotHold.objects.filter(plan=plan, until__gt=now,
                                    slot_start__gte=datetime.combine(first, time(0), tzinfo=tz),
                                    slot_start__lt=datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz))
    # places offered to the waitlist are held for the citizen; a slot where people wait keeps any
    # freed place for them (the offer job hands it over within a minute)
    waiting = WaitlistEntry.objects.filter(plan=plan, business_date__gte=first, business_date__lte=last)
    waiting = waiting.filter(Q(state=WaitState.OFFERED, offer_until__gt=now) if channel is None else
                             Q(state=WaitState.WAITING) | Q(state=WaitState.OFFERED, offer_until__gt=now))
    if channel is not None:
        bookings, holds = bookings.filter(channel=channel), holds.filter(channel=channel)
        waiting = waiting.filter(channel=channel)
    taken: dict[tuple[datetime, str], int] = {}
    for rows in (bookings, holds, waiting):
        for start, ch, n in rows.values_list("slot_start", "channel").order_by().annotate(n=Count("id")):
            taken[(start, ch)] = taken.get((start, ch), 0) + n
    return taken


def day_slots(plan: CapacityPlan, day: date, *, channel: str = BookingChannel.WEB,
              now: datetime | None = None) -> list[Slot]:
    """Every slot of the plan on `day` that starts after `now`, with the channel's free places."""
    return _days(plan, day, day, channel, now or timezone.now())[0].slots


def _days(plan: CapacityPlan, first: date, last: date, channel: str, now: datetime) -> list[Day]:
    overrides = {d.date: d for d in PlanDay.objects.filter(plan=plan, date__gte=first, date__lte=last)}
    booked = _booked(plan, channel, first, last, now)
    capacity = slot_capacity(plan)
    quota = channel_quota(plan, channel, capacity)
    cal = get_calendar(plan.center.calendar_id)
    days = []
    day = first
    while day <= last:
        slots = [Slot(s, e, capacity, quota, booked.get((s, channel), 0))
                 for s, e in _starts(plan, _spans(plan, day, overrides, cal)) if s > now]
        days.append(Day(day, slots))
        day += timedelta(days=1)
    return days


def search_slots(center: Center, item: ServiceItem, *, channel: str = BookingChannel.WEB, days: int | None = None,
                 now: datetime | None = None) -> list[Day]:
    """The bookable days of `item` at `center` from today over the plan's horizon (14 days by
    default): each with its slots after `now` and the channel's free places. Three queries: the
    plan, its day overrides, the booked counts."""
    plan = plan_for(center, item)
    if plan is None:
        raise AppointmentError("not_bookable", _("This item cannot be booked at this center."))
    now = now or timezone.now()
    today = timezone.localdate(now)
    horizon = days if days is not None else plan.horizon_days
    return [d for d in _days(plan, today, today + timedelta(days=horizon - 1), channel, now) if d.slots]


@dataclass(frozen=True)
class PlanCell:
    """One slot of the planner: its places, what each channel may book and has booked."""

    start: datetime
    capacity: int
    quotas: dict[str, int]
    booked: dict[str, int]

    @property
    def bookable(self) -> int:
        return sum(self.quotas.values())

    @property
    def booked_total(self) -> int:
        return sum(self.booked.values())

    @property
    def walk_in(self) -> int:
        """Places never booked: kept for walk-ins."""
        return self.capacity - self.bookable


def week_overview(plan: CapacityPlan, first: date, days: int = 7) -> list[tuple[date, list[PlanCell]]]:
    """The manager's planner: every slot of `days` days from `first` with capacity, channel quotas
    and bookings holding a place (all channels), past slots included."""
    last = first + timedelta(days=days - 1)
    overrides = {d.date: d for d in PlanDay.objects.filter(plan=plan, date__gte=first, date__lte=last)}
    booked: dict[datetime, dict[str, int]] = {}
    for (start, channel), n in _booked(plan, None, first, last, timezone.now()).items():
        booked.setdefault(start, {})[channel] = n
    capacity = slot_capacity(plan)
    quotas = {ch: channel_quota(plan, ch, capacity) for ch in BookingChannel.values}
    cal = get_calendar(plan.center.calendar_id)
    out = []
    for i in range(days):
        day = first + timedelta(days=i)
        out.append((day, [PlanCell(s, capacity, quotas, booked.get(s, {}))
                          for s, _e in _starts(plan, _spans(plan, day, overrides, cal))]))
    return out


def terminals_for(item: ServiceItem, center: Center) -> list:
    """Self-service terminals in service that offer `item` (their own list, or their center's
    terminal list), this center's first: the booking page suggests them instead of a window visit."""
    from yimen.hall.constants import TerminalKind, TerminalStatus
    from yimen.hall.models import Terminal
    from yimen.hall.services import terminal_items

    terminals = Terminal.objects.filter(kind=TerminalKind.SELF_SERVICE, status=TerminalStatus.IN_SERVICE) \
        .select_related("center").prefetch_related("items")
    found = [t for t in terminals if item.pk in terminal_items(t)]
    return sorted(found, key=lambda t: (t.center_id != center.pk, t.center.code, t.code))


def materials_for(item: ServiceItem, situation: Situation | None) -> list[Material]:
    """The materials to bring: those of the situation's published guide (the item's first active
    situation when none was chosen), conditional ones included, exempt ones left out."""
    if situation is None:
        situation = item.situations.filter(is_active=True).order_by("sort", "code").first()
    guide = published_guide(situation) if situation is not None else None
    if guide is None:
        return []
    return [m for m in guide.materials.all() if not m.exempt_reason]


# --- who may book ------------------------------------------------------------------------------

def _identity(id_number: str, applicant_type: str | None) -> tuple[str, str]:
    value = normalize_id_number(id_number)
    if applicant_type in (None, "", ApplicantType.PERSON) and is_valid_id_number(value):
        return value, ApplicantType.PERSON
    if applicant_type in (None, "", ApplicantType.ORGANISATION) and is_valid_credit_code(value):
        return value, ApplicantType.ORGANISATION
    if applicant_type == ApplicantType.ORGANISATION:
        raise AppointmentError("invalid_credit_code", _(
            "The unified social credit code is not valid (18 characters; check the last one)."))
    raise AppointmentError("invalid_id", _(
        "The ID number is not valid: 18 characters, the last one a digit or X. Please check it."))


def blocked_until(id_index: str, center_id: int, *, now: datetime | None = None,
                  policy: BookingPolicy | None = None) -> datetime | None:
    """When booking opens again for this person, or None if not blocked: `no_show_limit` no-shows
    within `no_show_days` block booking for `block_days` after the last of them."""
    if not id_index:
        return None
    now = now or timezone.now()
    policy = policy or policy_for(center_id)
    since = now - timedelta(days=policy.no_show_days + policy.block_days)
    slots = sorted(Booking.objects.filter(id_index=id_index, center_id=center_id, state=BookingState.NO_SHOW,
                                          slot_start__gte=since).values_list("slot_start", flat=True))
    window = timedelta(days=policy.no_show_days)
    until = None
    for i in range(policy.no_show_limit - 1, len(slots)):
        if slots[i] - slots[i - policy.no_show_limit + 1] <= window:
            end = slots[i] + timedelta(days=policy.block_days)
            if end > now:
                until = end
    return until


def _check_rates(phone_index: str, address_index: str, policy: BookingPolicy, now: datetime) -> None:
    day_ago, hour_ago = now - timedelta(days=1), now - timedelta(hours=1)
    if Booking.objects.filter(phone_index=phone_index, created_at__gt=day_ago).count() >= policy.phone_daily_limit:
        raise AppointmentError("rate_limited", _(
            "Too many bookings with this phone number today. Please try again tomorrow or call the center."))
    if address_index and Booking.objects.filter(address_index=address_index, created_at__gt=hour_ago).count() \
            >= policy.address_hourly_limit:
        raise AppointmentError("rate_limited", _("Too many bookings from this network. Please try again later."))


def _new_code() -> str:
    return "".join(secrets.choice(c.CODE_ALPHABET) for _n in range(c.CODE_LENGTH))


# --- taking a place ----------------------------------------------------------------------------

def _lock_day(plan: CapacityPlan, day: date) -> None:
    """Inside the caller's transaction: create the day's lock row if missing and lock it (see the
    module docstring; on SQLite the IMMEDIATE transaction already holds the write lock)."""
    BookingDay.objects.bulk_create([BookingDay(plan=plan, date=day)], ignore_conflicts=True)
    if connection.vendor == "postgresql":
        list(BookingDay.objects.select_for_update().filter(plan=plan, date=day).values_list("id", flat=True))


def _slot_of(plan: CapacityPlan, slot_start: datetime, channel: str, now: datetime) -> tuple[datetime, datetime]:
    """The slot starting at `slot_start`, or the refusal saying why there is none."""
    local = timezone.localtime(slot_start)
    day = local.date()
    today = timezone.localdate(now)
    if day < today or slot_start <= now:
        raise AppointmentError("past_date", _("This time has passed. Please choose a later slot."))
    if day >= today + timedelta(days=plan.horizon_days):
        raise AppointmentError("too_far", _("Bookings open %(n)s days ahead. Please choose an earlier date.")
                               % {"n": plan.horizon_days})
    spans = _spans(plan, day)
    if not spans:
        raise AppointmentError("closed_day", _(
            "The center does not take appointments on %(day)s (a holiday, rest day or closure). "
            "Please choose another date.") % {"day": day.isoformat()})
    for start, end in _starts(plan, spans):
        if start == slot_start:
            return start, end
    raise AppointmentError("outside_hours", _("There is no appointment slot at %(time)s. Please choose a listed slot.")
                           % {"time": local.strftime("%H:%M")})


def _record(booking: Booking, action: str, from_state: str, to_state: str, now: datetime, *, by=None,
            payload: dict | None = None) -> BookingEvent:
    staff = getattr(by, "pk", None) is not None
    return BookingEvent.objects.create(
        booking=booking, seq=next_seq(BookingEvent.objects.filter(booking=booking)), action=action,
        from_state=from_state, to_state=to_state, actor=by if staff else None,
        actor_kind=ActorKind.USER if staff else ActorKind.SYSTEM, at=now, business_date=timezone.localdate(now),
        payload=payload or {})


def taken_places(plan: CapacityPlan, slot_start: datetime, channel: str, now: datetime, *,
                 exclude: int | None = None, exclude_offer: int | None = None) -> int:
    """Under the day's lock: the channel's places of the slot that are taken: bookings holding a
    place, places freed less than the release delay ago, places offered to the waitlist."""
    taken = Booking.objects.filter(plan=plan, slot_start=slot_start, channel=channel, state__in=c.HOLDING_STATES)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    held = SlotHold.objects.filter(plan=plan, slot_start=slot_start, channel=channel, until__gt=now).count()
    offers = WaitlistEntry.objects.filter(plan=plan, slot_start=slot_start, channel=channel,
                                          state=WaitState.OFFERED, offer_until__gt=now)
    if exclude_offer is not None:
        offers = offers.exclude(pk=exclude_offer)
    return taken.count() + held + offers.count()


def _check_place(plan: CapacityPlan, slot_start: datetime, channel: str, now: datetime, *,
                 exclude: int | None = None) -> None:
    """Under the day's lock: refuse when the channel's share of the slot is taken, or when people
    wait for it (a freed place is theirs first: waitlist)."""
    if taken_places(plan, slot_start, channel, now, exclude=exclude) >= channel_quota(plan, channel) or \
            WaitlistEntry.objects.filter(plan=plan, slot_start=slot_start, channel=channel,
                                         state=WaitState.WAITING).exists():
        raise AppointmentError("slot_full", _("This slot is fully booked. Please choose another slot."))


def book(center: Center, item: ServiceItem, slot_start: datetime, *, name: str, id_number: str, phone: str,
         situation: Situation | None = None, applicant_type: str | None = None,
         channel: str = BookingChannel.WEB, address: str = "", by=None, now: datetime | None = None) -> Booking:
    """Book a place. `id_number`: an ID number (GB 11643) or a unified social credit code (GB 32100);
    `address`: the caller's network address (rate limit; only its blind index is kept).

    Refuses (nothing written): `bad_name`, `invalid_phone`, `invalid_id` / `invalid_credit_code`,
    `bad_channel`, `item_inactive`, `bad_situation`, `not_bookable`, `past_date`, `too_far`,
    `closed_day` (holiday, rest day, closure), `outside_hours`, `blocked` (no-shows),
    `rate_limited`, `duplicate` (an active booking of this person for this item), `slot_full`."""
    now = now or timezone.now()
    a = applicant_checks(center, item, slot_start, name=name, id_number=id_number, phone=phone, situation=situation,
                         applicant_type=applicant_type, channel=channel, address=address, by=by, now=now)
    plan, start, end, id_index = a.plan, a.start, a.end, a.id_index
    try:
        with write_turn(), transaction.atomic():
            _lock_day(plan, timezone.localdate(start))
            if Booking.objects.filter(item=item, id_index=id_index, state__in=c.ACTIVE_STATES).exists():
                raise AppointmentError("duplicate", _(
                    "You already have an appointment for this item. Cancel or change it with its booking code."))
            _check_place(plan, start, channel, now)
            booking = Booking.objects.create(
                center=center, plan=plan, item=item, situation=situation, channel=channel,
                business_date=timezone.localdate(start), slot_start=start, slot_end=end, code=_new_code(),
                applicant_type=a.applicant_type, name=a.name, id_number=a.id_number, phone=a.phone,
                address_index=a.address_index, created_at=now, by=by if getattr(by, "pk", None) else None)
            _record(booking, "book", "", BookingState.BOOKED, now, by=by,
                    payload={"slot_start": start, "channel": channel, "item": item.code})
    except IntegrityError as exc:  # the partial unique index: the same person booked at the same moment
        raise AppointmentError("duplicate", _(
            "You already have an appointment for this item. Cancel or change it with its booking code.")) from exc
    return booking


@dataclass(frozen=True)
class Applicant:
    """What `applicant_checks` found acceptable: the normalised person and the slot."""

    plan: CapacityPlan
    start: datetime
    end: datetime
    name: str
    id_number: str
    applicant_type: str
    phone: str
    id_index: str
    address_index: str


def applicant_checks(center: Center, item: ServiceItem, slot_start: datetime, *, name: str, id_number: str,
                     phone: str, situation: Situation | None = None, applicant_type: str | None = None,
                     channel: str = BookingChannel.WEB, address: str = "", by=None,
                     now: datetime) -> Applicant:
    """The checks of booking and joining a waitlist that need no lock: person, item, slot, no-show
    block and rate limits (`book` lists the refusals)."""
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX:
        raise AppointmentError("bad_name", _("Please enter the applicant's name (at most 50 characters)."))
    phone = (phone or "").strip().replace(" ", "")
    if not PHONE_RE.match(phone):
        raise AppointmentError("invalid_phone", _("Please enter an 11-digit mobile number."))
    id_number, applicant_type = _identity(id_number, applicant_type)
    if channel not in BookingChannel.values:
        raise AppointmentError("bad_channel", _("Unknown booking channel."))
    if channel == BookingChannel.INTERNAL and getattr(by, "pk", None) is None:
        raise AppointmentError("forbidden", _("Only staff book on the internal channel."))
    if item.status != ItemStatus.ACTIVE:
        raise AppointmentError("item_inactive", _("This item is not offered now."))
    if situation is not None and (situation.item_id != item.pk or not situation.is_active):
        raise AppointmentError("bad_situation", _("This situation does not belong to the item."))
    plan = plan_for(center, item)
    if plan is None:
        raise AppointmentError("not_bookable", _("This item cannot be booked at this center."))
    start, end = _slot_of(plan, slot_start, channel, now)
    id_index = blind_index(id_number)
    policy = policy_for(center.pk)
    until = blocked_until(id_index, center.pk, now=now, policy=policy)
    if until is not None:
        raise AppointmentError("blocked", _(
            "Booking is paused until %(date)s after repeated missed appointments. You can still take a "
            "ticket at the center.") % {"date": timezone.localdate(until).isoformat()})
    address_index = blind_index(address) if address else ""
    _check_rates(blind_index(phone), address_index, policy, now)
    return Applicant(plan, start, end, name, id_number, applicant_type, phone, id_index, address_index)


def find_booking(code: str) -> Booking | None:
    code = (code or "").strip().upper().replace(" ", "").replace("-", "")
    if not code or len(code) > 16:
        return None
    return Booking.objects.select_related("center", "item", "situation", "plan", "plan__queue",
                                          "plan__center").filter(code=code).first()


def _fresh(booking: Booking) -> Booking:
    return Booking.objects.select_related("plan", "plan__queue", "plan__center", "center", "item").get(pk=booking.pk)


def _not_booked(booking: Booking) -> AppointmentError:
    return AppointmentError("bad_state", _("This appointment is “%(state)s” and can no longer be changed.")
                            % {"state": booking.get_state_display()})


def _hold(booking: Booking, now: datetime) -> None:
    """The place `booking` frees stays taken for the center's release delay (none when 0)."""
    delay = policy_for(booking.center_id).release_delay_minutes
    if delay:
        SlotHold.objects.create(plan_id=booking.plan_id, slot_start=booking.slot_start, channel=booking.channel,
                                until=now + timedelta(minutes=delay))


def cancel(booking: Booking, *, by=None, now: datetime | None = None) -> Booking:
    """Cancel before the slot starts; the place is free again after the center's release delay
    (10 minutes by default), so that a slot cannot be handed over at an agreed moment."""
    now = now or timezone.now()
    with write_turn(), transaction.atomic():
        current = _fresh(booking)
        if current.state != BookingState.BOOKED:
            raise _not_booked(current)
        if current.slot_start <= now:
            raise AppointmentError("too_late", _("The slot has started; it can no longer be cancelled."))
        if not compare_and_set(Booking, current.pk, state=current.state, version=current.version,
                               target=BookingState.CANCELLED, cancelled_at=now):
            raise AppointmentError("conflict", _("The appointment was changed meanwhile; please reload it."))
        _hold(current, now)
        _record(current, "cancel", BookingState.BOOKED, BookingState.CANCELLED, now, by=by)
    _after_release(current, now)
    return _fresh(booking)


def reschedule(booking: Booking, slot_start: datetime, *, by=None, now: datetime | None = None) -> Booking:
    """Move a booking to another slot of the same plan (same rules as booking; the old place is
    released in the same transaction)."""
    now = now or timezone.now()
    current = _fresh(booking)
    if current.state != BookingState.BOOKED:
        raise _not_booked(current)
    if current.slot_start <= now:
        raise AppointmentError("too_late", _("The slot has started; it can no longer be changed."))
    plan = current.plan
    start, end = _slot_of(plan, slot_start, current.channel, now)
    if start == current.slot_start:
        return current
    with write_turn(), transaction.atomic():
        _lock_day(plan, timezone.localdate(start))
        _check_place(plan, start, current.channel, now, exclude=current.pk)
        if not compare_and_set(Booking, current.pk, state=BookingState.BOOKED, version=current.version,
                               target=BookingState.BOOKED, slot_start=start, slot_end=end,
                               business_date=timezone.localdate(start)):
            raise AppointmentError("conflict", _("The appointment was changed meanwhile; please reload it."))
        _hold(current, now)
        _record(current, "reschedule", BookingState.BOOKED, BookingState.BOOKED, now, by=by,
                payload={"from": current.slot_start, "to": start})
    _after_release(current, now)
    return _fresh(booking)


def _after_release(booking: Booking, now: datetime) -> None:
    """A place of `booking`'s old slot was freed: the waitlist gets it (waitlist.after_release)."""
    from . import waitlist

    waitlist.after_release(booking, now=now)


# --- check-in and no-shows ---------------------------------------------------------------------

SCANNED = re.compile(r"/appointments/b/([A-Za-z0-9]+)/?")


def code_from_scan(text: str) -> str:
    """The booking code in what a scanner typed: the QR code's URL, or the code itself."""
    match = SCANNED.search(text or "")
    return (match.group(1) if match else (text or "")).strip().upper().replace(" ", "").replace("-", "")


def _todays_booking(center: Center, id_number: str, now: datetime) -> Booking | None:
    """Today's booked appointment of this ID number at the center, the one nearest to now (else
    one already checked in, so that checking in twice answers with its ticket)."""
    index = blind_index(normalize_id_number(id_number))
    rows = list(Booking.objects.filter(center=center, id_index=index, business_date=timezone.localdate(now),
                                       state__in=(BookingState.BOOKED, BookingState.CHECKED_IN)))
    rows.sort(key=lambda b: (b.state != BookingState.BOOKED, abs((b.slot_start - now).total_seconds())))
    return rows[0] if rows else None


def check_in(center: Center, *, code: str = "", id_number: str = "", now: datetime | None = None) -> Booking:
    """Check in at the kiosk by booking code (typed or scanned) or ID number: issues the ticket.

    From `checkin_before` minutes before the slot start to `checkin_after` after it, the ticket is
    an appointment ticket (channel checkin, priority appointment, the slot start kept) that the
    ordering policy calls first within its window (预约优先). Earlier: `too_early`. Later: a
    normal walk-in ticket, or `too_late` when the center's policy refuses late arrivals. Checking
    in twice answers with the same booking and ticket."""
    now = now or timezone.now()
    if code:
        booking = find_booking(code_from_scan(code))
    elif id_number:
        if not is_valid_id_number(id_number) and not is_valid_credit_code(id_number):
            raise AppointmentError("invalid_id", _(
                "The ID number is not valid: 18 characters, the last one a digit or X. Please check it."))
        booking = _todays_booking(center, id_number, now)
    else:
        raise AppointmentError("not_found", _("Scan the QR code, or type the booking code or the ID number."))
    if booking is None or booking.center_id != center.pk:
        raise AppointmentError("not_found", _("No appointment found here. Please check the code, or ask at the "
                                              "help desk."))
    booking = _fresh(booking)
    if booking.state == BookingState.CHECKED_IN:
        return booking
    if booking.state != BookingState.BOOKED:
        raise _not_booked(booking)
    if booking.business_date != timezone.localdate(now):
        raise AppointmentError("wrong_day", _("This appointment is for %(day)s.")
                               % {"day": booking.business_date.isoformat()})
    policy = policy_for(center.pk)
    opens = booking.slot_start - timedelta(minutes=policy.checkin_before_minutes)
    closes = booking.slot_start + timedelta(minutes=policy.checkin_after_minutes)
    if now < opens:
        raise AppointmentError("too_early", _("Check-in opens at %(time)s. Please come back then.")
                               % {"time": timezone.localtime(opens).strftime("%H:%M")})
    late = now > closes
    if late and policy.late_rule == LateRule.REFUSE:
        raise AppointmentError("too_late", _(
            "Check-in closed at %(time)s. Please take a normal ticket or book again.")
            % {"time": timezone.localtime(closes).strftime("%H:%M")})
    try:
        ticket = queue_services.issue_ticket(
            booking.plan.queue, channel=Channel.CHECKIN, item=booking.item,
            priority=Priority.NORMAL if late else Priority.APPOINTMENT,
            priority_reason="" if late else booking.code,
            slot_start=None if late else booking.slot_start, idempotency_key=f"appt:{booking.code}", now=now)
    except queue_services.QueueError as exc:
        raise AppointmentError(exc.code, exc.message) from exc
    with write_turn(), transaction.atomic():
        if compare_and_set(Booking, booking.pk, state=BookingState.BOOKED, version=booking.version,
                           target=BookingState.CHECKED_IN, ticket=ticket, checked_in_at=now, checked_in_late=late):
            _record(booking, "check_in", BookingState.BOOKED, BookingState.CHECKED_IN, now,
                    payload={"ticket": ticket.label, "late": late})
    return _fresh(booking)


def record_no_shows(*, now: datetime | None = None) -> int:
    """Mark every booking still `booked` whose check-in window has closed as a no-show (the day-end
    job, and the periodic task, call it; running it twice changes nothing). Returns the count."""
    now = now or timezone.now()
    policies: dict[int, BookingPolicy] = {}
    n = 0
    for booking in Booking.objects.filter(state=BookingState.BOOKED, slot_start__lt=now).order_by("slot_start"):
        policy = policies.setdefault(booking.center_id, policy_for(booking.center_id))
        if booking.slot_start + timedelta(minutes=policy.checkin_after_minutes) >= now:
            continue
        with write_turn(), transaction.atomic():
            if compare_and_set(Booking, booking.pk, state=BookingState.BOOKED, version=booking.version,
                               target=BookingState.NO_SHOW):
                _record(booking, "no_show", BookingState.BOOKED, BookingState.NO_SHOW, now)
                n += 1
    return n
