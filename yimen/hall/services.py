"""Public API of the hall (domain.md §3.1): opening hours, window items, terminals, devices,
window shifts with pauses, AB posts (顶岗补位) and item coverage.

Every state change runs in one transaction and writes an audit entry (`log_action`). Refused
actions raise `HallError` with a stable `.code`. Functions that look at time take `now=` (default:
the current time) so that screens, reports and tests agree.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yimen.auditlog.services import log_action
from yimen.lib.errors import Refused
from yimen.workdays.services import is_workday

from . import intervals
from .constants import DeviceKind, PauseReason, PostRole, TerminalStatus, WindowState, WindowType
from .models import Center, Device, Post, PostAssignment, Shift, ShiftPause, Terminal, Window

__all__ = [
    "HallError", "is_open", "hours_spans", "opening_spans", "window_list_items", "window_items", "terminal_items",
    "set_terminal_status", "terminal_seen", "register_device", "authenticate_device", "revoke_device",
    "device_from_request", "sign_in", "pause", "resume", "sign_out", "current_shift", "on_post_seconds",
    "on_post_seconds_on", "window_presence", "window_state", "window_person", "assign_post", "post_items", "is_present",
    "consoled_windows", "handovers", "coverage",
]

DEVICE_COOKIE = "device"
DEVICE_QUERY = "device"
DEVICE_TOUCH_EVERY = timedelta(minutes=1)
NOTE_MAX = 200
EPS = timedelta(microseconds=1)  # [at, at + EPS) is "the instant at"


class HallError(Refused):
    """A refused hall action; `.code` is stable, the message is translated."""


# --- opening hours -----------------------------------------------------------------------------

def _at(day: date, hhmm: str) -> datetime:
    tz = timezone.get_current_timezone()
    if hhmm == "24:00":
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=tz)


def hours_spans(hours: dict, day: date) -> list[intervals.Span]:
    """Weekly hours (ISO weekday "1"–"7" -> [[start, end], …] in local "HH:MM", end up to "24:00")
    as the aware, normalised spans of local date `day`. A Saturday or Sunday without hours of its
    own takes Monday's: on a make-up working day (调休) ordinary weekday hours apply. Whether `day`
    is a working day at all is the caller's question (the work calendar)."""
    hours = hours or {}
    spans = hours.get(str(day.isoweekday())) or (hours.get("1") if day.isoweekday() > 5 else None) or []
    return intervals.normalise((_at(day, start), _at(day, end)) for start, end in spans)


def opening_spans(center: Center, day: date) -> list[intervals.Span]:
    """The center's opening spans on local date `day` as aware datetimes; none on a rest day.
    A demo center is open around the clock while DEMO_ALWAYS_OPEN is on, so that people trying
    Yimen at night or on a Sunday can take tickets."""
    if center.is_demo and settings.DEMO_ALWAYS_OPEN:
        return [(_at(day, "00:00"), _at(day, "24:00"))]
    if not is_workday(day, calendar_id=center.calendar_id):
        return []
    return hours_spans(center.opening_hours, day)


def is_open(center: Center, at: datetime | None = None) -> bool:
    """Open when `at` is a working day of the center's calendar and inside one of its spans."""
    at = at or timezone.now()
    return any(start <= at < end for start, end in opening_spans(center, timezone.localdate(at)))


# --- items of windows and terminals -----------------------------------------------------------

def window_list_items(center: Center, *, on: date | None = None) -> set[int]:
    """Ids of the items on the center's window list (窗口办理事项清单) on date `on`: entered, not exited."""
    from yimen.catalog.models import CenterItem

    on = on or timezone.localdate()
    return set(
        CenterItem.objects.filter(center=center, on_window_list=True)
        .filter(Q(exited_on__isnull=True) | Q(exited_on__gt=on), Q(entered_on__isnull=True) | Q(entered_on__lte=on))
        .values_list("item_id", flat=True)
    )


def window_items(window: Window, *, _listed: set[int] | None = None) -> set[int]:
    """Ids of the items `window` serves: every window-list item for a 无差别 window, else its own
    items. An inactive window serves nothing."""
    if not window.is_active:
        return set()
    if window.serves_all_items:
        return set(_listed) if _listed is not None else window_list_items(window.center)
    return {item.pk for item in window.items.all()}


def terminal_items(terminal: Terminal) -> set[int]:
    """The terminal's own item list, or the center's terminal list (自助终端办理事项清单) when empty."""
    from yimen.catalog.models import CenterItem

    own = {item.pk for item in terminal.items.all()}
    if own:
        return own
    today = timezone.localdate()
    return set(
        CenterItem.objects.filter(center_id=terminal.center_id, on_terminal_list=True)
        .filter(Q(exited_on__isnull=True) | Q(exited_on__gt=today))
        .values_list("item_id", flat=True)
    )


def set_terminal_status(terminal: Terminal, status: str, *, by=None, note: str = "",
                        now: datetime | None = None) -> Terminal:
    """Change the terminal's status (a fault reported: out of service; repaired: in service), keeping
    the note and the moment for the public service map; audited."""
    if status not in TerminalStatus.values:
        raise HallError("bad_status", _("Unknown terminal status."))
    if status == terminal.status:
        return terminal
    with transaction.atomic():
        before = terminal.status
        terminal.status = status
        terminal.status_note = (note or "")[:NOTE_MAX]
        terminal.status_since = now or timezone.now()
        terminal.save(update_fields=["status", "status_note", "status_since"])
        log_action(terminal, "hall.terminal.status_changed", by, {"from": before, "to": status, "note": note})
    return terminal


def terminal_seen(terminal: Terminal, *, now: datetime | None = None) -> Terminal:
    """A heartbeat from the terminal: records `last_seen_at`; an offline terminal is back in service."""
    now = now or timezone.now()
    Terminal.objects.filter(pk=terminal.pk).update(last_seen_at=now)
    terminal.last_seen_at = now
    if terminal.status == TerminalStatus.OFFLINE:
        set_terminal_status(terminal, TerminalStatus.IN_SERVICE, note="heartbeat")
    return terminal


# --- devices ---------------------------------------------------------------------------------

def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def register_device(center: Center, kind: str, name: str, *, window: Window | None = None,
                    terminal: Terminal | None = None, by, token: str | None = None) -> tuple[Device, str]:
    """A new device and its plain token, returned this once (only its sha256 hash is stored).

    `token` is for the documented demo devices only; everything else gets `secrets.token_urlsafe(32)`."""
    name = (name or "").strip()
    if kind not in DeviceKind.values:
        raise HallError("bad_kind", _("Unknown device kind."))
    if not name or len(name) > 60:
        raise HallError("bad_name", _("Give the device a name of at most 60 characters."))
    if window is not None and window.center_id != center.pk:
        raise HallError("wrong_center", _("The window belongs to another center."))
    if terminal is not None and terminal.center_id != center.pk:
        raise HallError("wrong_center", _("The terminal belongs to another center."))
    if kind == DeviceKind.WINDOW_DISPLAY and window is None:
        raise HallError("window_required", _("A window display needs its window."))
    token = token or secrets.token_urlsafe(32)
    with transaction.atomic():
        device = Device.objects.create(center=center, kind=kind, name=name, window=window, terminal=terminal,
                                       token_hash=hash_token(token), created_by=by if getattr(by, "pk", None) else None)
        log_action(device, "hall.device.registered", by, {"kind": kind, "window": getattr(window, "number", None),
                                                          "terminal": getattr(terminal, "code", None)})
    return device, token


def authenticate_device(token: str | None, *, now: datetime | None = None) -> Device | None:
    """The live device holding `token`, or None (unknown or revoked). `last_used_at` is written at
    most once a minute per device, so polling screens do not write on every request."""
    if not token or len(token) > 200:
        return None
    device = (Device.objects.select_related("center", "window", "terminal")
              .filter(token_hash=hash_token(token), revoked_at__isnull=True).first())
    if device is None:
        return None
    now = now or timezone.now()
    if device.last_used_at is None or now - device.last_used_at >= DEVICE_TOUCH_EVERY:
        Device.objects.filter(pk=device.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - DEVICE_TOUCH_EVERY)).update(last_used_at=now)
        device.last_used_at = now
    return device


def revoke_device(device: Device, *, by, reason: str = "") -> Device:
    if device.revoked_at is not None:
        raise HallError("already_revoked", _("This device was already revoked."))
    with transaction.atomic():
        device.revoked_at = timezone.now()
        device.revoked_by = by if getattr(by, "pk", None) else None
        device.save(update_fields=["revoked_at", "revoked_by"])
        log_action(device, "hall.device.revoked", by, {"reason": reason})
    return device


def device_from_request(request) -> Device | None:
    """The device calling: `Authorization: Device <token>` header, else the `device` cookie (set by
    the enrol page), else `?device=<token>`. None when absent, unknown or revoked."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "device ":
        return authenticate_device(header[7:].strip())
    token = request.COOKIES.get(DEVICE_COOKIE) or request.GET.get(DEVICE_QUERY)
    return authenticate_device(token)


# --- shifts ----------------------------------------------------------------------------------

def current_shift(user) -> Shift | None:
    """The user's open shift, if any (with its window)."""
    if not getattr(user, "pk", None):
        return None
    return Shift.objects.select_related("window__center").filter(user=user, ended_at__isnull=True).first()


def _open_shift(user) -> Shift:
    shift = current_shift(user)
    if shift is None:
        raise HallError("not_signed_in", _("You are not signed in to a window."))
    return shift


def _check_after(now: datetime, since: datetime) -> None:
    if now < since:
        raise HallError("bad_time", _("This time lies before the last recorded action."))


def sign_in(user, window: Window, *, now: datetime | None = None) -> Shift:
    """Open a shift of `user` at `window`: one open shift per person and per window, same center."""
    now = now or timezone.now()
    if not getattr(user, "is_active", False):
        raise HallError("inactive_user", _("This account is not active."))
    if not window.is_active:
        raise HallError("window_inactive", _("This window is not in use."))
    if user.center_id != window.center_id:
        raise HallError("wrong_center", _("You can only sign in to a window of your own center."))
    mine = current_shift(user)
    if mine is not None:
        raise HallError("already_signed_in", _("You are already signed in to window %(number)s.")
                        % {"number": mine.window.number})
    if Shift.objects.filter(window=window, ended_at__isnull=True).exists():
        raise HallError("window_taken", _("Someone else is signed in to this window."))
    try:
        with transaction.atomic():
            shift = Shift.objects.create(user=user, window=window, started_at=now)
            log_action(shift, "hall.shift.signed_in", user, {"window": window.number, "at": now.isoformat()})
    except IntegrityError as exc:  # a concurrent sign-in won the race
        raise HallError("window_taken", _("Someone else is signed in to this window.")) from exc
    return shift


def pause(user, reason: str, note: str = "", *, now: datetime | None = None) -> ShiftPause:
    """Step away from the window (暂离) with a reason from `PauseReason`; `other` needs a note."""
    now = now or timezone.now()
    note = (note or "").strip()
    if reason not in PauseReason.values:
        raise HallError("bad_reason", _("Choose a reason from the list."))
    if reason == PauseReason.OTHER and not note:
        raise HallError("note_required", _("Say why when the reason is 'other'."))
    if len(note) > NOTE_MAX:
        raise HallError("note_too_long", _("The note is limited to %(n)d characters.") % {"n": NOTE_MAX})
    shift = _open_shift(user)
    last = shift.pauses.order_by("-started_at").first()
    if last is not None and last.ended_at is None:
        raise HallError("already_paused", _("You are already paused."))
    _check_after(now, last.ended_at if last else shift.started_at)
    try:
        with transaction.atomic():
            p = ShiftPause.objects.create(shift=shift, started_at=now, reason=reason, note=note)
            log_action(shift, "hall.shift.paused", user, {"reason": reason, "note": note, "at": now.isoformat()})
    except IntegrityError as exc:
        raise HallError("already_paused", _("You are already paused.")) from exc
    return p


def resume(user, *, now: datetime | None = None) -> Shift:
    now = now or timezone.now()
    shift = _open_shift(user)
    p = shift.pauses.filter(ended_at__isnull=True).first()
    if p is None:
        raise HallError("not_paused", _("You are not paused."))
    _check_after(now, p.started_at)
    with transaction.atomic():
        p.ended_at = now
        p.save(update_fields=["ended_at"])
        log_action(shift, "hall.shift.resumed", user, {"reason": p.reason, "at": now.isoformat()})
    return shift


def sign_out(user, *, now: datetime | None = None) -> Shift:
    """Close the user's shift (and an open pause with it)."""
    now = now or timezone.now()
    shift = _open_shift(user)
    p = shift.pauses.filter(ended_at__isnull=True).first()
    _check_after(now, p.started_at if p else shift.started_at)
    with transaction.atomic():
        if p is not None:
            p.ended_at = now
            p.save(update_fields=["ended_at"])
        shift.ended_at = now
        shift.save(update_fields=["ended_at"])
        log_action(shift, "hall.shift.signed_out", user, {
            "at": now.isoformat(), "on_post_seconds": on_post_seconds(shift)})
    return shift


def _presence(shift: Shift, until: datetime) -> list[intervals.Span]:
    """The spans of `shift` up to `until` when its person was at the window (pauses removed)."""
    span = [(shift.started_at, min(shift.ended_at or until, until))]
    holes = [(p.started_at, p.ended_at or until) for p in shift.pauses.all()]
    return intervals.subtract(span, holes)


def on_post_seconds(shift: Shift, *, until: datetime | None = None) -> int:
    """Whole seconds on post: from sign-in to sign-out (or `until`, default now), pauses excluded."""
    until = until or timezone.now()
    return int(intervals.total_seconds(_presence(shift, until)))


def on_post_seconds_on(user, day: date, *, now: datetime | None = None) -> int:
    """Seconds `user` was on post during local date `day`, up to `now`."""
    now = now or timezone.now()
    start = _at(day, "00:00")
    end = min(_at(day, "24:00"), now)
    spans: list[intervals.Span] = []
    for shift in _shifts_overlapping(Shift.objects.filter(user=user), start, end):
        spans += _presence(shift, end)
    return int(intervals.total_seconds(intervals.intersect(spans, [(start, end)])))


def _shifts_overlapping(qs, start: datetime, end: datetime):
    return (qs.filter(started_at__lt=end).filter(Q(ended_at__isnull=True) | Q(ended_at__gt=start))
            .select_related("user", "window").prefetch_related("pauses"))


def _shift_at(window: Window, at: datetime) -> Shift | None:
    return _shifts_overlapping(Shift.objects.filter(window=window), at, at + EPS).first()


def window_presence(center_id: int, now: datetime) -> dict[int, datetime | None] | None:
    """Windows of the center with somebody signed in at `now` -> the start of their open pause
    (None: present). None when nobody at the center has signed in to a window today: the center
    does not use shifts (the wait estimate then reads window activity instead). One query."""
    from django.db.models import Max

    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = list(Shift.objects.filter(window__center_id=center_id, started_at__lte=now)
                .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=start))
                .annotate(paused=Max("pauses__started_at", filter=Q(pauses__ended_at__isnull=True)))
                .values_list("window_id", "ended_at", "paused"))
    if not rows:
        return None
    return {window_id: paused for window_id, ended, paused in rows if ended is None or ended > now}


def window_state(window: Window, *, now: datetime | None = None) -> str:
    """`open` (someone signed in and at the window), `paused` (signed in, stepped away) or `closed`."""
    now = now or timezone.now()
    shift = _shift_at(window, now)
    if shift is None:
        return WindowState.CLOSED
    return WindowState.OPEN if _present_in(shift, now) else WindowState.PAUSED


def window_person(window: Window, *, now: datetime | None = None):
    """Who is signed in to `window` at `now` (paused or not), or None."""
    shift = _shift_at(window, now or timezone.now())
    return shift.user if shift else None


def _present_in(shift: Shift, at: datetime) -> bool:
    return any(s <= at < e for s, e in _presence(shift, at + EPS))


def is_present(user, now: datetime | None = None) -> bool:
    """Signed in to some window at `now` and not paused."""
    now = now or timezone.now()
    shifts = _shifts_overlapping(Shift.objects.filter(user=user), now, now + EPS)
    return any(_present_in(s, now) for s in shifts)


# --- AB posts --------------------------------------------------------------------------------

def assign_post(post: Post, user, role: str, *, order: int = 1, by) -> PostAssignment:
    """Make `user` the A or a B of `post` (same center; at most one A per post)."""
    if role not in PostRole.values:
        raise HallError("bad_role", _("The post role is A or B."))
    if user.center_id != post.center_id:
        raise HallError("wrong_center", _("Only staff of the post's center can hold it."))
    if post.assignments.filter(user=user).exists():
        raise HallError("already_assigned", _("This person already holds this post."))
    if role == PostRole.A and post.assignments.filter(role=PostRole.A).exists():
        raise HallError("post_has_a", _("This post already has an A."))
    try:
        with transaction.atomic():
            a = PostAssignment.objects.create(post=post, user=user, role=role, order=order)
            log_action(post, "hall.post.assigned", by, {"user": user.username, "role": role, "order": order})
    except IntegrityError as exc:
        raise HallError("post_has_a", _("This post already has an A.")) from exc
    return a


def post_items(post: Post, *, _listed: set[int] | None = None) -> set[int]:
    """The post's window's items together with its own item group."""
    items = {item.pk for item in post.items.all()}
    if post.window_id:
        items |= window_items(post.window, _listed=_listed)
    return items


@dataclass
class Handover:
    """A post whose A is absent, and the present B covering it (None: nobody)."""

    post: Post
    a: object | None
    covering: object | None


def _present_ids(center: Center, now: datetime) -> set[int]:
    shifts = _shifts_overlapping(Shift.objects.filter(window__center=center), now, now + EPS)
    return {s.user_id for s in shifts if _present_in(s, now)}


def _posts(center: Center):
    return (Post.objects.filter(center=center).select_related("window__center")
            .prefetch_related("items", "window__items",
                              Prefetch("assignments", PostAssignment.objects.select_related("user"))))


def _handovers(center: Center, now: datetime, present: set[int], staffed_windows: set[int]) -> list[Handover]:
    out = []
    for post in _posts(center):
        a = next((x.user for x in post.assignments.all() if x.role == PostRole.A), None)
        if a is not None and a.pk in present:
            continue
        if post.window_id and post.window_id in staffed_windows:
            continue  # someone else is at the post's window: its queue is served
        bs = [x.user for x in post.assignments.all() if x.role == PostRole.B]
        out.append(Handover(post=post, a=a, covering=next((b for b in bs if b.pk in present), None)))
    return out


def _staffed_windows(center: Center, now: datetime) -> set[int]:
    shifts = _shifts_overlapping(Shift.objects.filter(window__center=center), now, now + EPS)
    return {s.window_id for s in shifts if _present_in(s, now)}


def handovers(center: Center, now: datetime | None = None) -> list[Handover]:
    """Posts whose A is absent (no open unpaused shift) and whose window nobody else staffs, each
    with the first present B in order who covers it, or None."""
    now = now or timezone.now()
    return _handovers(center, now, _present_ids(center, now), _staffed_windows(center, now))


def covering_windows(center_id: int, now: datetime) -> dict[int, list[int]]:
    """Window of each present B covering absent A posts -> those posts' windows: their queues are
    called at B's window (what `consoled_windows` gives B's console), so the wait estimate counts
    B's window as serving them."""
    shifts = _shifts_overlapping(Shift.objects.filter(window__center_id=center_id), now, now + EPS)
    at = {s.user_id: s.window_id for s in shifts if _present_in(s, now)}
    out: dict[int, list[int]] = {}
    for h in _handovers(Center(pk=center_id), now, set(at), set(at.values())):
        if h.covering is not None and h.post.window_id:
            out.setdefault(at[h.covering.pk], []).append(h.post.window_id)
    return out


def consoled_windows(user, *, now: datetime | None = None) -> list[Window]:
    """The windows whose queues `user`'s console calls: the window they are signed in to, plus the
    window of each post where they are the covering B of an absent A (see `handovers`)."""
    now = now or timezone.now()
    shifts = list(_shifts_overlapping(Shift.objects.filter(user=user), now, now + EPS))
    if not shifts:
        return []
    own = shifts[0]
    windows = [own.window]
    if not _present_in(own, now) or not PostAssignment.objects.filter(user=user, role=PostRole.B).exists():
        return windows
    center = own.window.center
    for h in handovers(center, now):
        if h.covering is not None and h.covering.pk == user.pk and h.post.window and h.post.window not in windows:
            windows.append(h.post.window)
    return windows


# --- coverage --------------------------------------------------------------------------------

@dataclass
class ItemCoverage:
    item_id: int
    code: str
    name: str
    people: list = field(default_factory=list)          # present and qualified now
    has_a: bool = False
    has_b: bool = False
    has_ab: bool = False                                  # one post with an A and at least one B
    uncovered_seconds_today: int = 0


@dataclass
class Coverage:
    center: Center
    now: datetime
    is_open: bool
    items: list[ItemCoverage]
    uncovered_now: list[ItemCoverage]
    uncovered_today: list[ItemCoverage]
    opening_seconds_today: int
    fully_covered_seconds_today: int
    general_windows: int
    counted_windows: int
    ab_items: int
    posts_without_b: list[Post]
    handovers: list[Handover]
    windows: list[tuple[Window, str, object | None]]

    @property
    def general_window_ratio(self) -> float | None:
        """综合窗口设置比例: active general windows ÷ active general + specialist windows (domain.md §6)."""
        return self.general_windows / self.counted_windows if self.counted_windows else None

    @property
    def ab_rate(self) -> float | None:
        """AB岗配置率: window-list items with an A and a B on one post ÷ window-list items."""
        return self.ab_items / len(self.items) if self.items else None

    @property
    def time_covered_rate(self) -> float | None:
        """AB岗覆盖率 of today so far (domain.md §6): opening time in which every item was covered."""
        if not self.opening_seconds_today:
            return None
        return self.fully_covered_seconds_today / self.opening_seconds_today


def coverage(center: Center, *, now: datetime | None = None) -> Coverage:
    """Who can serve each window-list item now, what is uncovered now and was uncovered today."""
    from yimen.catalog.models import ServiceItem

    now = now or timezone.now()
    today = timezone.localdate(now)
    listed = window_list_items(center, on=today)
    items = {i.pk: ItemCoverage(item_id=i.pk, code=i.code, name=i.name)
             for i in ServiceItem.objects.filter(pk__in=listed).order_by("code").only("pk", "code", "name")}

    # today's presence per person (pauses removed), clipped to opening hours so far
    opening = intervals.intersect(opening_spans(center, today), [(_at(today, "00:00"), now)])
    day_start = _at(today, "00:00")
    presence: dict[int, list[intervals.Span]] = {}
    windows_now: dict[int, tuple[object, str]] = {}
    for shift in _shifts_overlapping(Shift.objects.filter(window__center=center), day_start, now + EPS):
        spans = _presence(shift, now + EPS)
        presence.setdefault(shift.user_id, []).extend(spans)
        if shift.started_at <= now and (shift.ended_at is None or shift.ended_at > now):
            state = WindowState.OPEN if _present_in(shift, now) else WindowState.PAUSED
            windows_now[shift.window_id] = (shift.user, state)
    present = {uid for uid, spans in presence.items() if any(s <= now < e for s, e in spans)}

    qualified: dict[int, dict[int, object]] = {pk: {} for pk in items}   # item -> {user id: user}
    posts = list(_posts(center))
    posts_without_b = []
    for post in posts:
        scope = post_items(post, _listed=listed) & items.keys()
        roles = {x.role for x in post.assignments.all()}
        if PostRole.B not in roles:
            posts_without_b.append(post)
        for pk in scope:
            ic = items[pk]
            ic.has_a |= PostRole.A in roles
            ic.has_b |= PostRole.B in roles
            ic.has_ab |= {PostRole.A, PostRole.B} <= roles
            for x in post.assignments.all():
                qualified[pk][x.user_id] = x.user

    some_uncovered: list[intervals.Span] = []
    for pk, ic in items.items():
        ic.people = sorted((u for uid, u in qualified[pk].items() if uid in present), key=lambda u: u.username)
        covered = intervals.union(*(presence.get(uid, []) for uid in qualified[pk]))
        gaps = intervals.subtract(opening, covered)
        ic.uncovered_seconds_today = int(intervals.total_seconds(gaps))
        some_uncovered += gaps
    opening_seconds = int(intervals.total_seconds(opening))
    fully_covered = opening_seconds - int(intervals.total_seconds(some_uncovered)) if items else opening_seconds

    active = list(center.windows.filter(is_active=True))
    counted = [w for w in active if w.type in (WindowType.GENERAL, WindowType.SPECIALIST)]
    rows = list(items.values())
    return Coverage(
        center=center, now=now, is_open=is_open(center, now), items=rows,
        uncovered_now=[ic for ic in rows if not ic.people],
        uncovered_today=[ic for ic in rows if ic.uncovered_seconds_today > 0],
        opening_seconds_today=opening_seconds, fully_covered_seconds_today=fully_covered,
        general_windows=sum(1 for w in counted if w.type == WindowType.GENERAL), counted_windows=len(counted),
        ab_items=sum(1 for ic in rows if ic.has_ab), posts_without_b=posts_without_b,
        handovers=_handovers(center, now, present, {w for w, (_u, s) in windows_now.items() if s == WindowState.OPEN}),
        windows=[(w, windows_now.get(w.pk, (None, WindowState.CLOSED))[1], windows_now.get(w.pk, (None,))[0])
                 for w in active],
    )
