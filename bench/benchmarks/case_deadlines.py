"""`case_deadlines`: the SLA sweep over 1,000,000 cases, and recomputing every open deadline after a calendar edit.

Both parts share one table, as production would: the sweep part runs first and builds the history,
then the recompute part runs over every open case of the whole table.

- `sweep`: BENCH_SWEEP_CASES (default 1,000,000) cases, exactly 1 % of them with
  `next_check_at <= now`. The due ones are built case by case (received past the correction-notice
  limit: deemed acceptance; accepted or under review at or past a warning/promised/legal date;
  decided with delivery running late), with their events; the rest is the center's history,
  delivered cases (no next check), made by `INSERT … SELECT` from 500 template rows (index
  ballast: no events). Timed: one full sweep as `manage.py sweep_cases` runs it (`sweep(now,
  batch=1000)` until a batch comes back short), then a second one with the same `now`
  (idempotent: must check 0 and escalate nothing). The selecting query's plan
  (`QuerySet.explain()`: `EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN` plus `EXPLAIN (ANALYZE,
  BUFFERS)` on PostgreSQL) is stored and must search the `next_check_at` index (no full scan);
  `first_batch_ms` is the selecting query alone.
- `recompute`: open cases are topped up to BENCH_RECOMPUTE_CASES (default 100,000; the sweep's due
  cases count) by bulk-created cases (not timed) in realistic mixed states: submitted, received
  (some after corrections), correction requested, accepted, under review (some extended, some
  with an ended suspension), suspended (an open suspension), decided, completed; anchors spread
  over the last weeks, rules snapshots of the demo's promised items, stored deadlines /
  `sla_status` / `next_check_at` computed as the services store them, and the events of the path
  that led there. Then one real calendar edit through `workdays.services.set_day` (the working
  day 8+ days ahead becomes a local closure: most running deadlines cross it) and
  `recompute_open_deadlines([that day])` is timed (goal < 10 s on SQLite). A second, full
  `recompute_open_deadlines()` (nothing left to change) is timed too: the read-and-compute part
  alone. Checked afterwards: a random sample of 1,000 open cases equals a fresh
  `services.case_dues` (mismatches must be 0), one `deadline_recomputed` event per changed case,
  events of the sample contiguous.

BENCH_PARTS=sweep,recompute selects parts. BENCH_DATABASE_URL selects PostgreSQL (results go to
case_deadlines_postgresql.json); there the tables are ANALYZEd after each bulk build, as autovacuum
would; SQLite gets no ANALYZE (Yimen does not run one).
"""

from __future__ import annotations

import math
import os
import random
import re
import subprocess
import time
from collections import Counter
from datetime import date, datetime, timedelta
from datetime import time as dtime

from bench import harness, yimen_db

RECOMPUTE_CASES = int(os.environ.get("BENCH_RECOMPUTE_CASES") or 100_000)
SWEEP_CASES = int(os.environ.get("BENCH_SWEEP_CASES") or 1_000_000)
DUE_SHARE = 0.01
GOAL_RECOMPUTE_S = 10.0
SAMPLE = 1000
SWEEP_BATCH = 1000
TEMPLATES = 500
SEED = 20261204


def result_name() -> str:
    return "case_deadlines" + yimen_db.engine_suffix()


def code_state() -> dict:
    """The commit measured, and uncommitted edits of the code under test (others work in this checkout)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=harness.ROOT, capture_output=True, text=True).stdout.strip()

    return {"head": git("rev-parse", "--short", "HEAD"),
            "uncommitted": git("status", "--porcelain", "--", "yimen/cases", "yimen/workdays", "yimen/lib",
                               "yimen/supervision").splitlines()}


# ---------------------------------------------------------------- shared building blocks

class World:
    """The bench center, the demo's promised items (rules snapshots), a clerk and a reviewer."""

    def __init__(self, code: str):
        from yimen.accounts.constants import Role
        from yimen.accounts.models import User
        from yimen.cases.services import snapshot_rules
        from yimen.catalog.constants import DocStatus
        from yimen.catalog.models import Guide, Situation
        from yimen.hall.models import Center
        from yimen.workdays.services import get_calendar

        demo = Center.objects.get(code="cm-district")
        self.center = Center.objects.create(code=code, name=f"bench {code}", calendar=demo.calendar)
        self.cal = get_calendar(self.center.calendar_id)
        self.templates = []
        for s in (Situation.objects.filter(is_active=True, item__status="active", item__case_type="promised")
                  .select_related("item").order_by("item__code", "code")):
            guide = Guide.objects.filter(situation=s, status=DocStatus.PUBLISHED).first()
            if guide is not None:
                self.templates.append((s.item, s, guide, snapshot_rules(s.item, s)))
        if not self.templates:
            raise RuntimeError("no promised demo item with a published guide")
        self.clerk = User.objects.create_user(f"{code}-clerk", role=Role.WINDOW_STAFF, center=self.center)
        self.reviewer = User.objects.create_user(f"{code}-reviewer", role=Role.REVIEWER,
                                                 agency=self.templates[0][0].agency)


def _aware(d: date, hour: int = 10) -> datetime:
    from django.utils import timezone

    return timezone.make_aware(datetime.combine(d, dtime(hour)))


def _wd_back(d: date, n: int, cal) -> date:
    """The working day n working days before d (d itself when n = 0 and d is a working day)."""
    while not cal.is_workday(d):
        d -= timedelta(days=1)
    while n > 0:
        d -= timedelta(days=1)
        if cal.is_workday(d):
            n -= 1
    return d


def _wd_fwd(d: date, n: int, cal) -> date:
    from yimen.workdays import calc

    return calc.add_working_days(d, n, cal)


def _state_path(state: str, corrections: bool, suspended: bool, ended: bool, extended: bool) -> list[str]:
    from yimen.cases.constants import CaseState as S

    path = ["open"]
    if state == S.SUBMITTED:
        return path
    path.append("receive")
    if state == S.CORRECTION_REQUESTED or corrections:
        path.append("request_correction")
    if corrections:
        path.append("submit_corrections")
    if state in (S.RECEIVED, S.CORRECTION_REQUESTED):
        return path
    path.append("accept")
    if state == S.ACCEPTED:
        return path + (["suspend"] if suspended else [])
    path.append("start_review")
    if ended:
        path += ["suspend", "resume"]
    if extended:
        path.append("extend")
    if suspended:
        path.append("suspend")
    if state == S.UNDER_REVIEW:
        return path
    path.append("decide")
    if state == S.COMPLETED:
        path.append("complete")
    return path


_TARGET = {"open": "submitted", "receive": "received", "request_correction": "correction_requested",
           "submit_corrections": "received", "accept": "accepted", "start_review": "under_review",
           "decide": "decided", "complete": "completed", "delivered": "delivered"}


def _case_from(spec: dict, w: World, number: str, today: date, cal):
    """A `Case` with the deadlines, status and next check the services would have stored."""
    from yimen.cases import deadlines
    from yimen.cases.models import Case

    item, situation, guide, snap = spec["template"]
    anchors = deadlines.Anchors(snap, spec.get("received_on"), spec.get("corrections_on"), spec.get("accepted_on"),
                                spec.get("decided_on"), tuple(spec.get("spans", ())), spec.get("ext", 0))
    dues = deadlines.compute(anchors, cal)
    suspended = spec.get("suspended", False)
    running = deadlines.clocks(spec["state"], suspended, anchors, dues, cal)
    status = deadlines.worst_status(running, today)
    received_on = spec.get("received_on")
    return Case(
        number=number, center=w.center, item=item, situation=situation, guide=guide, rules_snapshot=snap,
        state=spec["state"], version=max(1, len(spec["path"])), applicant_name="张三", first_staff=w.clerk,
        receiver=w.clerk if received_on else None,
        handler=w.reviewer if "start_review" in spec["path"] else None,
        received_at=_aware(received_on) if received_on else None, correction_round=spec.get("round", 0),
        corrections_received_on=spec.get("corrections_on"), accepted_on=spec.get("accepted_on"),
        decided_on=spec.get("decided_on"), completed_on=spec.get("completed_on"),
        delivered_on=spec.get("delivered_on"), delivery_method="window" if spec.get("delivered_on") else "",
        outcome="approved" if spec.get("decided_on") else "", is_suspended=suspended,
        correction_notice_due=dues.correction_notice_due, legal_due=dues.legal_due, promised_due=dues.promised_due,
        delivery_due=dues.delivery_due, deadlines_provisional=dues.provisional, sla_status=status,
        next_check_at=spec.get("next_check_at", deadlines.next_check(running, today)),
        calendar_version_used=cal.version, verification_code="BENCH234",
        timeliness=spec.get("timeliness", ""),
    )


def _insert(w: World, specs: list[dict], prefix: str, today: date, cal, *, events: bool = True) -> dict:
    """Bulk-create the cases of `specs` with their suspensions, extensions and events."""
    from django.db import transaction

    from yimen.auditlog.models import ActorKind
    from yimen.cases.models import Case, CaseEvent, CaseExtension, CaseSuspension

    counts = Counter()
    for lo in range(0, len(specs), 5000):
        chunk = specs[lo:lo + 5000]
        with transaction.atomic():
            cases = Case.objects.bulk_create([_case_from(s, w, f"{prefix}-{lo + i + 1:07d}", today, cal)
                                              for i, s in enumerate(chunk)])
            spans, exts, evs = [], [], []
            for case, s in zip(cases, chunk, strict=True):
                spans += [CaseSuspension(case=case, reason_type="expert_review", basis="bench", started_on=a,
                                         ended_on=b, notice_ref="bench", created_by=w.reviewer)
                          for a, b in s.get("spans", ())]
                if s.get("ext"):
                    exts.append(CaseExtension(case=case, days=s["ext"], reason="bench", approved_by="bench",
                                              approved_at=_aware(s["accepted_on"]), created_by=w.reviewer))
                if events:
                    state = ""
                    for seq, action in enumerate(s["path"], 1):
                        to = _TARGET.get(action, state)
                        evs.append(CaseEvent(case=case, seq=seq, action=action, from_state=state, to_state=to,
                                             actor=w.clerk, actor_kind=ActorKind.USER, at=case.received_at or
                                             _aware(today), business_date=today, payload={}))
                        state = to
            CaseSuspension.objects.bulk_create(spans)
            CaseExtension.objects.bulk_create(exts)
            CaseEvent.objects.bulk_create(evs, batch_size=2000)
            counts.update(suspensions=len(spans), extensions=len(exts), events=len(evs))
    return dict(counts)


# ---------------------------------------------------------------- recompute

def _open_specs(n: int, w: World, today: date, cal, rng: random.Random) -> list[dict]:
    """n open cases in a realistic mix of states and anchors."""
    from yimen.cases.constants import CaseState as S

    states = [(S.SUBMITTED, 5), (S.RECEIVED, 15), (S.CORRECTION_REQUESTED, 8), ("received_corrected", 2),
              (S.ACCEPTED, 15), (S.UNDER_REVIEW, 35), ("suspended", 8), (S.DECIDED, 7), (S.COMPLETED, 5)]
    names, weights = zip(*states, strict=True)
    out = []
    for kind in rng.choices(names, weights, k=n):
        t = rng.choice(w.templates)
        snap = t[3]
        s: dict = {"template": t}
        state = {"received_corrected": S.RECEIVED, "suspended": rng.choice([S.ACCEPTED, S.UNDER_REVIEW])}.get(kind,
                                                                                                            kind)
        s["state"] = state
        corrections = kind == "received_corrected"
        if state in (S.RECEIVED, S.CORRECTION_REQUESTED):
            received = _wd_back(today, rng.randint(0, 6 if state == S.CORRECTION_REQUESTED else 4), cal)
            s["received_on"] = received
            if state == S.CORRECTION_REQUESTED or corrections:
                s["round"] = 1
            if corrections:
                s["received_on"] = _wd_back(received, rng.randint(3, 10), cal)
                s["corrections_on"] = received
        elif state in (S.ACCEPTED, S.UNDER_REVIEW):
            limit = snap["promised_limit"] if rng.random() < 0.8 else snap["legal_limit"]
            accepted = _wd_back(today, rng.randint(0, max(0, limit - 1)), cal)
            s["accepted_on"] = accepted
            s["received_on"] = _wd_back(accepted, rng.randint(0, 3), cal)
            if kind == "suspended":
                s["suspended"] = True
                s["spans"] = [(min(today, accepted + timedelta(days=rng.randint(0, 10))), None)]
            elif state == S.UNDER_REVIEW:
                if rng.random() < 0.10:  # an ended suspension
                    start = accepted + timedelta(days=rng.randint(0, 5))
                    if start < today:
                        s["spans"] = [(start, min(today, start + timedelta(days=rng.randint(1, 10))))]
                if rng.random() < 0.15 and snap.get("extension_allowed"):
                    s["ext"] = rng.randint(1, snap.get("extension_wd") or 10)
        else:  # decided / completed
            decided = _wd_back(today, rng.randint(0, 8), cal)
            s["decided_on"] = decided
            s["accepted_on"] = _wd_back(decided, rng.randint(1, snap["promised_limit"] or 1), cal)
            s["received_on"] = _wd_back(s["accepted_on"], rng.randint(0, 2), cal)
            if state == S.COMPLETED:
                s["completed_on"] = decided
                s["timeliness"] = "on_time"
        s["path"] = _state_path(state, corrections, s.get("suspended", False), bool(s.get("spans"))
                                and not s.get("suspended"), bool(s.get("ext")))
        out.append(s)
    return out


def _edit_day(today: date, cal) -> date:
    """The working day a week or so ahead that the most running deadlines cross."""
    d = today + timedelta(days=8)
    while not cal.is_workday(d):
        d += timedelta(days=1)
    return d


def _sample_check(case_ids: list[int], rng: random.Random) -> dict:
    from django.db.models import Count, Max, Min

    from yimen.cases.models import Case, CaseEvent
    from yimen.cases.services import DUE_FIELDS, case_dues

    ids = rng.sample(case_ids, min(SAMPLE, len(case_ids)))
    mismatches = []
    for case in Case.objects.filter(pk__in=ids).select_related("center"):
        fresh = case_dues(case)
        stored = {**{f: getattr(case, f) for f in DUE_FIELDS}, "provisional": case.deadlines_provisional}
        if stored != fresh.as_dict():
            mismatches.append({"number": case.number, "stored": stored, "fresh": fresh.as_dict()})
    ev = CaseEvent.objects.filter(case_id__in=ids).values("case_id").annotate(n=Count("id"), lo=Min("seq"),
                                                                                hi=Max("seq"))
    gaps = sum(1 for r in ev if r["lo"] != 1 or r["hi"] != r["n"])
    return {"sampled": len(ids), "mismatches": len(mismatches), "mismatch_examples": mismatches[:3],
            "event_gaps_in_sample": gaps}


def recompute(w: World, rng: random.Random) -> dict:
    from django.db import connection
    from django.db.models import Q
    from django.utils import timezone

    from yimen.cases.constants import OPEN_STATES
    from yimen.cases.models import Case, CaseEvent
    from yimen.cases.services import recompute_open_deadlines
    from yimen.workdays.constants import DayKind
    from yimen.workdays.services import get_calendar, set_day

    now = timezone.now()
    today = timezone.localdate(now)
    cal = w.cal
    t0 = time.perf_counter()
    open_before = Case.objects.filter(state__in=OPEN_STATES).count()
    specs = _open_specs(max(0, RECOMPUTE_CASES - open_before), w, today, cal, rng)
    counts = _insert(w, specs, "BRC", today, cal)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    build_s = time.perf_counter() - t0
    open_cases = Case.objects.filter(state__in=OPEN_STATES)
    ids = list(open_cases.values_list("pk", flat=True))
    states = Counter(open_cases.values_list("state", flat=True))
    suspended = open_cases.filter(is_suspended=True).count()

    day = _edit_day(today, cal)
    crossing = open_cases.filter(
        Q(correction_notice_due__gte=day) | Q(legal_due__gte=day) | Q(promised_due__gte=day)
        | Q(delivery_due__gte=day)).count()
    t0 = time.perf_counter()
    set_day(day, DayKind.LOCAL_CLOSURE, name="bench closure", note="case_deadlines benchmark")
    edit_s = time.perf_counter() - t0
    cal_after = get_calendar(w.center.calendar_id)

    events_before = CaseEvent.objects.filter(action="deadline_recomputed").count()
    t0 = time.perf_counter()
    changed = recompute_open_deadlines([day], now=now)
    recompute_s = time.perf_counter() - t0
    events_written = CaseEvent.objects.filter(action="deadline_recomputed").count() - events_before

    t0 = time.perf_counter()
    changed_again = recompute_open_deadlines(now=now)
    noop_s = time.perf_counter() - t0
    check = _sample_check(ids, rng)
    return {
        "cases": len(ids), "open_cases_from_the_sweep_part": open_before, "cases_in_table": Case.objects.count(),
        "states": dict(states), "suspended": suspended, **counts,
        "build_s": round(build_s, 2),
        "calendar_edit": {"date": day.isoformat(), "kind": "local_closure", "via": "workdays.services.set_day",
                          "seconds": round(edit_s, 3), "calendar_version": [cal.version, cal_after.version],
                          "open_cases_with_a_due_on_or_after": crossing},
        "recompute_s": round(recompute_s, 3), "cases_changed": changed, "events_written": events_written,
        "cases_per_s": round(len(ids) / recompute_s) if recompute_s else None,
        "full_recompute_nothing_changed_s": round(noop_s, 3), "full_recompute_changed": changed_again,
        "check": check, "goal_s": GOAL_RECOMPUTE_S,
        "goal_met": bool(recompute_s < GOAL_RECOMPUTE_S and check["mismatches"] == 0 and changed_again == 0
                         and events_written == changed),
    }


# ---------------------------------------------------------------- sweep

def _due_specs(n: int, w: World, today: date, cal, rng: random.Random, check_at: datetime) -> list[dict]:
    """n open cases whose next check has come: received past the notice limit (deemed acceptance),
    in handling at or past a warning/due date, decided with delivery running late."""
    from yimen.cases.constants import CaseState as S

    out = []
    for _ in range(n):
        t = rng.choice(w.templates)
        snap = t[3]
        r = rng.random()
        s: dict = {"template": t, "next_check_at": check_at - timedelta(minutes=rng.randint(0, 600))}
        if r < 0.25:
            s["state"] = S.RECEIVED
            s["received_on"] = _wd_back(today, snap.get("correction_notice_wd", 5) + rng.randint(1, 3), cal)
        elif r < 0.85:
            s["state"] = rng.choice([S.ACCEPTED, S.UNDER_REVIEW])
            back = max(0, snap["promised_limit"] + rng.randint(-2, 3))
            s["accepted_on"] = _wd_back(today, back, cal)
            s["received_on"] = _wd_back(s["accepted_on"], rng.randint(0, 3), cal)
        else:
            s["state"] = S.DECIDED
            s["decided_on"] = _wd_back(today, snap.get("delivery_wd", 10) + rng.randint(-2, 3), cal)
            s["accepted_on"] = _wd_back(s["decided_on"], rng.randint(1, snap["promised_limit"] or 1), cal)
            s["received_on"] = _wd_back(s["accepted_on"], rng.randint(0, 2), cal)
        s["path"] = _state_path(s["state"], False, False, False, False)
        out.append(s)
    return out


def _template_specs(n: int, w: World, today: date, cal, rng: random.Random) -> list[dict]:
    """Templates of the filler rows: the center's history, delivered cases (no next check)."""
    from yimen.cases.constants import CaseState as S

    out = []
    for _ in range(n):
        t = rng.choice(w.templates)
        snap = t[3]
        decided = _wd_back(today, rng.randint(30, 700), cal)
        s = {"template": t, "state": S.DELIVERED, "decided_on": decided, "completed_on": decided,
             "delivered_on": decided + timedelta(days=rng.randint(0, 10)), "timeliness": "on_time",
             "next_check_at": None, "path": []}
        s["accepted_on"] = _wd_back(decided, rng.randint(1, snap["promised_limit"] or 1), cal)
        s["received_on"] = _wd_back(s["accepted_on"], rng.randint(0, 2), cal)
        out.append(s)
    return out


def _replicate(template_ids: tuple[int, int], rows: int) -> float:
    """INSERT … SELECT `rows` copies of the template rows (numbers suffixed), in chunks."""
    from django.db import connection, transaction

    from yimen.cases.models import Case

    cols = [f.column for f in Case._meta.concrete_fields if f.column != "id"]
    table = Case._meta.db_table
    qn = connection.ops.quote_name
    select = ", ".join("t.number || '-' || CAST(k.i AS TEXT)" if c == "number" else f"t.{qn(c)}" for c in cols)
    lo, hi = template_ids
    per_template = hi - lo + 1
    t0 = time.perf_counter()
    done, copy = 0, 1
    while done < rows:
        copies = min(200, math.ceil((rows - done) / per_template))
        n = min(rows - done, copies * per_template)
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                f"WITH RECURSIVE k(i) AS (SELECT %s UNION ALL SELECT i + 1 FROM k WHERE i < %s) "
                f"INSERT INTO {table} ({', '.join(qn(c) for c in cols)}) "
                f"SELECT {select} FROM {table} t CROSS JOIN k WHERE t.id BETWEEN %s AND %s LIMIT %s",
                [copy, copy + copies - 1, lo, hi, n])
        done += n
        copy += copies
    return time.perf_counter() - t0


def _plan(qs) -> dict:
    from django.db import connection

    text = qs.explain()
    out = {"sql": str(qs.query), "plan": text.splitlines()}
    if connection.vendor == "postgresql":
        out["plan_analyze"] = qs.explain(analyze=True, buffers=True).splitlines()
        uses = bool(re.search(r"Index (Only )?Scan using \S*next_check_at\S*", text))
        full = bool(re.search(r"Seq Scan on cases_case", text))
    else:
        uses = bool(re.search(r"SEARCH \S*cases_case\S* USING (COVERING )?INDEX \S*next_check_at\S* "
                              r"\(next_check_at<\?\)", text))
        full = bool(re.search(r"SCAN \S*cases_case(?! USING)", text))
    out.update(uses_next_check_at_index=uses and not full, full_scan=full)
    return out


def _full_sweep(now: datetime) -> dict:
    from yimen.cases.services import sweep

    total = Counter()
    calls = []
    t0 = time.perf_counter()
    for _ in range(10_000):
        c0 = time.perf_counter()
        stats = sweep(now, batch=SWEEP_BATCH)
        calls.append(round(time.perf_counter() - c0, 4))
        total.update(stats)
        if stats["checked"] < SWEEP_BATCH:
            break
    seconds = time.perf_counter() - t0
    return {"seconds": round(seconds, 4), **{k: total[k] for k in ("checked", "deemed_accepted", "escalations")},
            "calls": len(calls), "first_call_s": calls[0], "slowest_call_s": max(calls),
            "cases_per_s": round(total["checked"] / seconds, 1) if seconds else None}


def sweep_part(w: World, rng: random.Random) -> dict:
    from django.db import connection
    from django.utils import timezone

    from yimen.cases.models import Case, Escalation

    now = timezone.now()
    today = timezone.localdate(now)
    cal = w.cal
    t0 = time.perf_counter()
    already = Case.objects.count()
    due_before = Case.objects.filter(next_check_at__lte=now).count()
    due_target = round(SWEEP_CASES * DUE_SHARE)
    new_due = max(0, due_target - due_before)
    counts = _insert(w, _due_specs(new_due, w, today, cal, rng, min(now, _aware(today, 0))), "BSD", today, cal)
    due_s = time.perf_counter() - t0
    templates = _template_specs(TEMPLATES, w, today, cal, rng)
    _insert(w, templates, "BST", today, cal, events=False)
    tids = Case.objects.filter(number__startswith="BST-").values_list("pk", flat=True)
    lo, hi = min(tids), max(tids)
    assert hi - lo + 1 == len(templates)
    fill = max(0, SWEEP_CASES - Case.objects.count())
    fill_s = _replicate((lo, hi), fill)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    build_s = time.perf_counter() - t0
    total = Case.objects.count()
    due = Case.objects.filter(next_check_at__lte=now).count()
    qs = (Case.objects.filter(next_check_at__lte=now).order_by("next_check_at", "pk")
          .values_list("pk", flat=True)[:SWEEP_BATCH])
    plan = _plan(qs)
    t0 = time.perf_counter()
    first_ids = list(qs)
    select_ms = (time.perf_counter() - t0) * 1000

    esc_before = Escalation.objects.count()
    first = _full_sweep(now)
    second = _full_sweep(now)
    due_after = Case.objects.filter(next_check_at__lte=now).count()
    return {
        "cases": total, "due": due, "due_share": round(due / total, 4) if total else None,
        "due_from_earlier_parts": due_before, "cases_before_build": already,
        "build": {"seconds": round(build_s, 2), "due_cases_s": round(due_s, 2), "due_cases_added": new_due,
                  "due_case_rows": counts, "filler_rows": fill, "filler_insert_select_s": round(fill_s, 2),
                  "templates": len(templates)},
        "now": now.isoformat(), "batch": SWEEP_BATCH,
        "selecting_query": {**plan, "first_batch_rows": len(first_ids), "first_batch_ms": round(select_ms, 2)},
        "first": first, "second": second, "escalations_in_db": Escalation.objects.count() - esc_before,
        "due_after": due_after,
        "goal_met": bool(plan["uses_next_check_at_index"] and second["checked"] == 0 and second["escalations"] == 0
                         and first["checked"] >= due),
    }


def run() -> dict:
    db = yimen_db.prepare()
    parts = os.environ.get("BENCH_PARTS") or "recompute,sweep"
    rng = random.Random(SEED)
    w = World("bench-cases")
    out = {"database": db.engine, "code": code_state(), "database_setup_s": db.timings_s,
           "item_templates": len(w.templates),
           "calendar_version": w.cal.version}
    if "sweep" in parts:  # first: the recompute then runs over the whole table, its open cases topped up
        out["sweep"] = sweep_part(w, rng)
    if "recompute" in parts:
        out["recompute"] = recompute(w, rng)
    return out


def summary(r: dict) -> str:
    out = [f"[{r['database']}]"]
    if s := r.get("sweep"):
        q = s["selecting_query"]
        out.append(f"sweep {s['cases']:,} cases, {s['due']:,} due: {s['first']['seconds']} s "
                   f"({s['first']['deemed_accepted']} deemed accepted, {s['first']['escalations']} escalations), "
                   f"second {s['second']['seconds']} s checked {s['second']['checked']}; plan "
                   f"{'uses the next_check_at index' if q['uses_next_check_at_index'] else 'DOES NOT use the index'};")
    if c := r.get("recompute"):
        out.append(f"recompute {c['cases']:,} open cases after a calendar edit: {c['recompute_s']} s "
                   f"({c['cases_changed']:,} changed; goal < {GOAL_RECOMPUTE_S:g} s: "
                   f"{'met' if c['goal_met'] else 'NOT met'}), mismatches {c['check']['mismatches']}")
    return " ".join(out)
