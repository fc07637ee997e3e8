"""`case_receive`: 16 window clerks opening a case and receiving it over HTTP (cases issue), vs the insert ceiling.

The front desk opens and receives a case in one request: `POST /api/v1/cases` with `"receive":
true` (one transaction through the receive action's guard and effect; it answers the case,
RECEIVED, with its receipt). Each of the 16 wrk connections (`-t16 -c16`, one clerk each, with
its own session cookie and CSRF header, as in `issue_ticket`) sends that request again and again
and counts a case received when the 201 answer says `"state": "received"`. The same run then
measures the older two-request path (`POST /api/v1/cases`, then `POST …/receive {"version": n}`
with the number and version read from the answer, by a Lua state machine) as `http_two_requests`,
so the two can be compared. The Lua script times each request and each case with
`clock_gettime` (LuaJIT FFI), so the JSON has:

- `cases_received_per_s` (cases received ÷ measured time) and `ratio_to_ceiling` = that ÷ the
  insert ceiling's req/s of the same run (goal 0.35): one "case received" counts as one write,
  although it is about a dozen row writes (and two requests in `http_two_requests`);
- `requests_per_s` (both kinds, wrk's count), `open_per_s`, `receive_per_s`, and p50/p95/p99/max
  of `open`, `receive` and the `pair`; wrk's own latency over all requests is `p50_ms`… as usual;
- `non_2xx` (must be 0) with samples, socket errors.

The bench center (code `bench-case-http`) has 16 windows and 16 window-staff users, each with a
window-officer authorization of the item's agency for the item; the item is a promised demo item
whose published guide has the most materials. Checked afterwards from the database: every received
case has exactly one receipt and contiguous events 1..n (open, receive), case numbers have no gap.
BENCH_DATABASE_URL selects PostgreSQL; results go to case_receive.json or case_receive_postgresql.json.
"""

from __future__ import annotations

import json
import resource
import subprocess
from datetime import date

from bench import harness, yimen_db
from bench.loadgen import percentile

from . import queue_common as qc
from .case_deadlines import code_state

GOAL_RATIO = 0.35
CLERKS = 16
VALID_ID = "11010519491231002X"  # GB 11643 example number

LUA = r"""
local specs = {%(specs)s}
local open_body = %(open_body)s
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) * 1000000 + tonumber(ts.tv_nsec) / 1000
end
local threads, n = {}, 0

function setup(thread)
  n = n + 1
  thread:set("spec", n)
  table.insert(threads, thread)
end

function init(args)
  local s = specs[spec]
  headers = {["Content-Type"] = "application/json", ["Cookie"] = s[1], ["X-CSRFToken"] = s[2]}
  open_req = wrk.format("POST", "/api/v1/cases", headers, open_body)
  phase, number, version, sent, pair_start = "open", nil, nil, 0, 0
  opens, receives, npairs, non2xx, statuses, seen = 0, 0, 0, 0, "", {}
  lat_open, lat_recv, lat_pair = {}, {}, {}
end

local single = %(single)s  -- open with "receive": true: one request per case

function request()
  sent = now_us()
  if single or phase == "open" then
    pair_start = sent
    return open_req
  end
  return wrk.format("POST", "/api/v1/cases/" .. number .. "/receive", headers, '{"version": ' .. version .. '}')
end

local function bad(status, body)
  non2xx = non2xx + 1
  if not seen[status] then seen[status] = true; statuses = statuses .. status .. " " .. body:sub(1, 160) .. "|" end
end

function response(status, hdrs, body)
  local t = now_us()
  if single then
    if status == 201 and body:find('"state"%%s*:%%s*"received"') then
      opens = opens + 1; receives = receives + 1; npairs = npairs + 1
      lat_open[#lat_open + 1] = t - sent
      lat_pair[#lat_pair + 1] = t - sent
    else
      bad(status, body)
    end
    return
  end
  if phase == "open" then
    if status == 201 then
      number = body:match('"number"%%s*:%%s*"([^"]+)"')
      version = body:match('"version"%%s*:%%s*(%%d+)')
      opens = opens + 1
      lat_open[#lat_open + 1] = t - sent
      if number and version then phase = "receive" else bad(999, body) end
    else
      bad(status, body)
    end
  else
    if status == 200 then
      receives = receives + 1
      npairs = npairs + 1
      lat_recv[#lat_recv + 1] = t - sent
      lat_pair[#lat_pair + 1] = t - pair_start
    else
      bad(status, body)
    end
    phase = "open"
  end
end

function done(summary, latency, requests)
  local f = io.open("%(samples)s", "w")
  local o, r, p, bad_n, st = 0, 0, 0, 0, ""
  for _, t in ipairs(threads) do
    o = o + t:get("opens"); r = r + t:get("receives"); p = p + t:get("npairs"); bad_n = bad_n + t:get("non2xx")
    st = st .. t:get("statuses")
    for kind, name in pairs({open = "lat_open", receive = "lat_recv", pair = "lat_pair"}) do
      for _, v in ipairs(t:get(name)) do f:write(kind, " ", string.format("%%.1f", v), "\n") end
    end
  end
  f:close()
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%%d,"duration_us":%%d,"opens":%%d,"receives":%%d,"pairs":%%d,"non_2xx":%%d,' ..
    '"errors":{"connect":%%d,"read":%%d,"write":%%d,"status":%%d,"timeout":%%d},' ..
    '"latency_us":{"p50":%%d,"p95":%%d,"p99":%%d,"mean":%%.1f,"max":%%d}}\n',
    summary.requests, summary.duration, o, r, p, bad_n, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean, latency.max))
  io.write("BENCH_STATUSES " .. st .. "\n")
end
"""


def result_name() -> str:
    return "case_receive" + yimen_db.engine_suffix()


def bench_desk(code: str):
    """A center with CLERKS windows and window clerks authorized for a promised demo item."""
    from django.db.models import Count

    from yimen.accounts.constants import Role
    from yimen.accounts.models import User
    from yimen.catalog.constants import DocStatus
    from yimen.catalog.models import Guide
    from yimen.hall.models import Center, Window
    from yimen.supervision.constants import AuthorizationRole
    from yimen.supervision.models import Authorization

    guide = (Guide.objects.filter(status=DocStatus.PUBLISHED, situation__is_active=True,
                                  situation__item__status="active", situation__item__case_type="promised")
             .annotate(n=Count("materials")).select_related("situation__item").order_by("-n", "pk").first())
    situation = guide.situation
    item = situation.item
    demo = Center.objects.get(code="cm-district")
    center = Center.objects.create(code=code, name=f"bench {code}", calendar=demo.calendar)
    windows = Window.objects.bulk_create([Window(center=center, number=f"{n + 1:02d}", name="bench")
                                          for n in range(CLERKS)])
    users = []
    for n in range(CLERKS):
        user = User.objects.create_user(f"{code}-{n + 1:02d}", password=qc.PASSWORD, role=Role.WINDOW_STAFF,
                                        center=center)
        auth = Authorization.objects.create(staff=user, role=AuthorizationRole.WINDOW_OFFICER, agency=item.agency,
                                            powers=["receive", "accept", "decide"], granted_by="bench 授权决定书",
                                            valid_from=date(2020, 1, 1))
        auth.items.add(item)
        users.append(user)
    return center, windows, users, item, situation, guide


def _lua_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def run_pairs(server: harness.Server, specs: list[tuple[str, str]], open_body: str, seconds: float, *,
              single: bool = True) -> dict:
    script_dir = server.log_path.parent
    samples = script_dir / "case-receive-latencies.txt"
    script = script_dir / "case-receive.lua"
    script.write_text(LUA % {"specs": ", ".join("{" + _lua_str(c) + ", " + _lua_str(t) + "}" for c, t in specs),
                             "open_body": _lua_str(open_body), "samples": str(samples),
                             "single": "true" if single else "false"})
    n = len(specs)
    cmd = ["wrk", f"-t{n}", f"-c{n}", f"-d{max(1, round(seconds))}s", "--latency", "-s", str(script),
           server.base_url]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout[-500:]}")
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    statuses = next((ln.removeprefix("BENCH_STATUSES ") for ln in proc.stdout.splitlines()
                     if ln.startswith("BENCH_STATUSES ")), "")
    lat: dict[str, list[float]] = {"open": [], "receive": [], "pair": []}
    for row in samples.read_text().splitlines():
        kind, value = row.split()
        lat[kind].append(float(value) / 1000)
    duration = raw["duration_us"] / 1e6
    wrk_lat = {k: v / 1000 for k, v in raw["latency_us"].items()}
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)

    def dist(values: list[float]) -> dict:
        s = sorted(values)
        return {"n": len(s), **{f"p{p}_ms": round(percentile(s, p), 3) for p in (50, 95, 99)},
                "max_ms": round(s[-1], 3) if s else None}

    return {
        "generator": "wrk", "command": " ".join(cmd[:5] + ["-s", script.name, server.base_url]), "connections": n,
        "requests": raw["requests"], "duration_s": round(duration, 3), "rps": round(raw["requests"] / duration, 1),
        "opens": raw["opens"], "receives": raw["receives"], "cases_received": raw["pairs"],
        "open_per_s": round(raw["opens"] / duration, 1), "receive_per_s": round(raw["receives"] / duration, 1),
        "cases_received_per_s": round(raw["pairs"] / duration, 1),
        "non_2xx": raw["non_2xx"], "non_2xx_samples": [s for s in statuses.split("|") if s][:5],
        "errors": raw["errors"], "errors_total": sum(raw["errors"].values()),
        "p50_ms": round(wrk_lat["p50"], 3), "p95_ms": round(wrk_lat["p95"], 3), "p99_ms": round(wrk_lat["p99"], 3),
        "mean_ms": round(wrk_lat["mean"], 3), "max_ms": round(wrk_lat["max"], 3),
        "latency": {k: dist(v) for k, v in lat.items()},
        "loadgen_cpu_pct_of_one_core": round(100 * cpu / duration, 1),
    }


def db_check(center) -> dict:
    """Every received case: exactly one receipt, events 1..n without gap; numbers without gap."""
    from django.db.models import Count, Max, Min

    from yimen.cases.models import Case, CaseEvent, Receipt

    cases = Case.objects.filter(center=center)
    states = dict(cases.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    received = set(cases.filter(state="received").values_list("pk", flat=True))
    receipts = dict(Receipt.objects.filter(case__center=center).values_list("case_id").annotate(n=Count("id"))
                    .values_list("case_id", "n"))
    events = {r["case_id"]: r for r in CaseEvent.objects.filter(case__center=center).values("case_id")
              .annotate(n=Count("id"), lo=Min("seq"), hi=Max("seq"))}
    numbers = sorted(int(n.rsplit("-", 1)[1]) for n in cases.values_list("number", flat=True))
    return {
        "cases_in_db": len(numbers), "states": states, "received_in_db": len(received),
        "received_without_exactly_one_receipt": sum(1 for pk in received if receipts.get(pk) != 1),
        "receipts_on_unreceived_cases": sum(1 for pk in receipts if pk not in received),
        "received_with_event_gaps": sum(1 for pk in received if pk not in events or events[pk]["lo"] != 1
                                        or events[pk]["hi"] != events[pk]["n"] or events[pk]["n"] != 2),
        "cases_with_event_gaps": sum(1 for r in events.values() if r["lo"] != 1 or r["hi"] != r["n"]),
        "cases_without_events": len(numbers) - len(events),
        "number_gaps": (numbers[-1] - len(numbers)) if numbers else 0,
    }


def run() -> dict:
    db = yimen_db.prepare()
    code = code_state()
    harness.ceilings()
    center, windows, users, item, situation, guide = bench_desk("bench-case-http")
    sessions = qc.sessions(users)
    fields = {"item": item.code, "situation": situation.code, "applicant_type": "person", "applicant_name": "张三",
              "id_number": VALID_ID, "phone": "13812345678", "channel": "window"}
    open_body = json.dumps(fields, ensure_ascii=False)
    open_and_receive = json.dumps({**fields, "receive": True}, ensure_ascii=False)
    specs = list(sessions)
    warm = None
    with db.server() as server:
        if harness.warmup_seconds() > 0:
            warm = run_pairs(server, specs, open_and_receive, harness.warmup_seconds())
        warm_cases = (warm or {}).get("cases_received", 0)
        run = run_pairs(server, specs, open_and_receive, harness.measure_seconds())
        two = run_pairs(server, specs, open_body, harness.measure_seconds(), single=False)
    check = db_check(center)
    ceiling = harness.ceilings()["insert"]

    def versus(r: dict) -> dict:
        out = harness.vs_ceiling(r, "insert")
        out["ratio_to_ceiling"] = round(r["cases_received_per_s"] / ceiling["rps"], 3) if ceiling["rps"] else None
        out["requests_ratio_to_ceiling"] = round(r["rps"] / ceiling["rps"], 3) if ceiling["rps"] else None
        return out

    out = versus(run)
    out.update(mode="one request: POST /api/v1/cases with receive", goal_ratio=GOAL_RATIO, check=check,
               warmup={k: warm[k] for k in ("requests", "cases_received", "cases_received_per_s", "non_2xx")}
               if warm else None)
    two_requests = {**versus(two), "mode": "two requests: open, then POST …/receive with the version"}
    out["goal_met"] = bool(out["ratio_to_ceiling"] is not None and out["ratio_to_ceiling"] >= GOAL_RATIO
                           and run["non_2xx"] == 0 and run["errors_total"] == 0
                           and check["received_without_exactly_one_receipt"] == 0
                           and check["received_with_event_gaps"] == 0)
    return {"database": db.engine, "code": code, "database_setup_s": db.timings_s,
            "item": {"code": item.code, "situation": situation.code, "guide_materials": guide.materials.count()},
            "clerks": CLERKS, "warmup_cases_received": warm_cases, "http": out, "http_two_requests": two_requests,
            "ceilings": harness.ceilings_summary()}


def summary(r: dict) -> str:
    h, c = r["http"], r["http"]["check"]
    return (f"[{r['database']}] {h['cases_received']} cases opened+received, {h['cases_received_per_s']:.0f}/s "
            f"({h['rps']:.0f} req/s: open {h['open_per_s']:.0f}/s, receive {h['receive_per_s']:.0f}/s), "
            f"pair p50 {h['latency']['pair']['p50_ms']} p99 {h['latency']['pair']['p99_ms']} ms, request p99 "
            f"{h['p99_ms']} ms, non-2xx {h['non_2xx']}, ratio {h['ratio_to_ceiling']} (goal {GOAL_RATIO}: "
            f"{'met' if h['goal_met'] else 'NOT met'}; insert ceiling {h['ceiling']['rps']:.0f}/s); "
            f"receipts/events ok: {c['received_without_exactly_one_receipt'] == 0 and c['received_with_event_gaps'] == 0}"
            f"; as two requests: {r['http_two_requests']['cases_received_per_s']:.0f}/s, ratio "
            f"{r['http_two_requests']['ratio_to_ceiling']}")
