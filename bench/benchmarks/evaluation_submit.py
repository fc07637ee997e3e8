"""`evaluation_submit`: citizens rating completed cases with their QR/SMS tokens over HTTP (issue 5), vs the insert ceiling.

Every request is a real first rating (一事一评): BENCH_EVAL_TOKENS (default 60,000) cases of a bench
center are completed today (bulk `INSERT … SELECT` copies of one case opened through the
services), and a signed QR token is made for each (`services.visit_token`). wrk (`-t2 -c32`)
sends `POST /api/v1/evaluations/submit {"token", "level", "tags"}` with a new token each time
(tokens are read from a file; the warm-up and the measured run use separate tokens): one request
in 20 is a 差评 (level 1, tag 服务态度), which also opens its work order with its working-day
due dates in the same transaction; the others rate 3, 4 or 5. A 201 counts as a rating stored.

The server is Yimen's production command line with one difference: its settings module
(`bench.benchmarks.evaluation_settings`) lifts the per-address rate limit, because every request
of the load generator comes from 127.0.0.1 where production sees many citizens' addresses; the
per-token limit and the whole throttle path (the in-process cache) still run.

`evaluation_submit.ratio_to_ceiling` = ratings stored per second ÷ the insert ceiling's req/s of the
same run (goal ≥ 0.5; below 0.35 not done). p99 is wrk's. Checked from the database afterwards:
evaluations stored = 201 answers, one work order per stored 差评, no case rated twice.
`tokens_exhausted` says when the measured run wrapped around its tokens (then re-used tokens answer
409 and count as non-2xx): raise BENCH_EVAL_TOKENS. BENCH_DATABASE_URL selects PostgreSQL
(results in evaluation_submit_postgresql.json).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess

from bench import harness, yimen_db

from .case_deadlines import code_state
from .evaluation_common import replicate_cases, template_case

GOAL_RATIO, FLOOR_RATIO = 0.5, 0.35
TOKENS = int(os.environ.get("BENCH_EVAL_TOKENS") or 60_000)
THREADS, CONNECTIONS = 2, 32
BAD_EVERY = 20

LUA = r"""
local tokens_file = "%(tokens)s"
local threads = {}
local nthreads = %(threads)d

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  tokens = {}
  for line in io.lines(tokens_file) do tokens[#tokens + 1] = line end
  k, stored, non2xx, wrapped, statuses, seen = tid, 0, 0, 0, "", {}
  headers = {["Content-Type"] = "application/json"}
end

function request()
  k = k + nthreads
  local i = k
  if i > #tokens then wrapped = wrapped + 1; i = ((i - 1) %% #tokens) + 1 end
  local body
  if i %% %(bad_every)d == 0 then
    body = '{"token": "' .. tokens[i] .. '", "level": 1, "tags": ["attitude"]}'
  else
    body = '{"token": "' .. tokens[i] .. '", "level": ' .. (3 + i %% 3) .. '}'
  end
  return wrk.format("POST", "/api/v1/evaluations/submit", headers, body)
end

function response(status, hdrs, body)
  if status == 201 then
    stored = stored + 1
  else
    non2xx = non2xx + 1
    if not seen[status] then seen[status] = true; statuses = statuses .. status .. " " .. body:sub(1, 160) .. "|" end
  end
end

function done(summary, latency, requests)
  local s, bad_n, w, st = 0, 0, 0, ""
  for _, t in ipairs(threads) do
    s = s + t:get("stored"); bad_n = bad_n + t:get("non2xx"); w = w + t:get("wrapped"); st = st .. t:get("statuses")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%%d,"duration_us":%%d,"stored":%%d,"non_2xx":%%d,"wrapped":%%d,' ..
    '"errors":{"connect":%%d,"read":%%d,"write":%%d,"status":%%d,"timeout":%%d},' ..
    '"latency_us":{"p50":%%d,"p95":%%d,"p99":%%d,"mean":%%.1f,"max":%%d}}\n',
    summary.requests, summary.duration, s, bad_n, w, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean, latency.max))
  io.write("BENCH_STATUSES " .. st .. "\n")
end
"""


def result_name() -> str:
    return "evaluation_submit" + yimen_db.engine_suffix()


def run_wrk(server: harness.Server, tokens_path, seconds: float, label: str) -> dict:
    script = server.log_path.parent / f"evaluation-submit-{label}.lua"
    script.write_text(LUA % {"tokens": str(tokens_path), "threads": THREADS, "bad_every": BAD_EVERY})
    cmd = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", "--latency", "-s",
           str(script), server.base_url]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout[-500:]}")
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    statuses = next((ln.removeprefix("BENCH_STATUSES ") for ln in proc.stdout.splitlines()
                     if ln.startswith("BENCH_STATUSES ")), "")
    duration = raw["duration_us"] / 1e6
    lat = {k: v / 1000 for k, v in raw["latency_us"].items()}
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {
        "generator": "wrk", "command": " ".join(cmd[:5] + ["-s", script.name, server.base_url]),
        "requests": raw["requests"], "duration_s": round(duration, 3), "rps": round(raw["requests"] / duration, 1),
        "stored": raw["stored"], "stored_per_s": round(raw["stored"] / duration, 1), "non_2xx": raw["non_2xx"],
        "non_2xx_samples": [s for s in statuses.split("|") if s][:5], "tokens_exhausted": raw["wrapped"] > 0,
        "errors": raw["errors"], "errors_total": sum(raw["errors"].values()),
        **{f"{k}_ms": round(v, 3) for k, v in lat.items()},
        "loadgen_cpu_pct_of_one_core": round(100 * cpu / duration, 1),
    }


def db_check(center) -> dict:
    from django.db.models import Count

    from yimen.evaluations.models import BadReview, Evaluation

    rows = Evaluation.objects.filter(center=center)
    bad = rows.filter(level__lte=2, parent__isnull=True).count()
    return {"evaluations_in_db": rows.count(), "bad_in_db": bad,
            "work_orders_in_db": BadReview.objects.filter(center=center).count(),
            "cases_rated_twice": rows.filter(parent__isnull=True).values("case_id").annotate(n=Count("id"))
            .filter(n__gt=1).count()}


def run() -> dict:
    db = yimen_db.prepare()
    from django.utils import timezone

    from yimen.cases.models import Case
    from yimen.evaluations.services import reason_tags, visit_token

    code = code_state()
    harness.ceilings()
    w, template = template_case("bench-eval-submit")
    today = timezone.localdate()
    build_s = replicate_cases(template.pk, TOKENS, prefix="EV-SUBMIT-", centers=[w.center.pk],
                              items=[template.item_id], state="completed", first_day=today, days=1)
    reason_tags(w.center)  # the center's default tags exist before the first 差评
    ids = list(Case.objects.filter(center=w.center, number__startswith="EV-SUBMIT-").order_by("pk")
               .values_list("pk", flat=True))

    class _Case:
        def __init__(self, pk):
            self.pk = pk

    tokens = [visit_token(case=_Case(pk)) for pk in ids]
    var_dir = server_dir = db.var_dir
    warm_n = len(tokens) // 3
    warm_path, run_path = server_dir / "eval-tokens-warmup.txt", server_dir / "eval-tokens-run.txt"
    warm_path.write_text("\n".join(tokens[:warm_n]) + "\n")
    run_path.write_text("\n".join(tokens[warm_n:]) + "\n")
    env = harness.yimen_env(var_dir, db.database_url)
    env["DJANGO_SETTINGS_MODULE"] = "bench.benchmarks.evaluation_settings"
    warm = None
    with harness.Server("yimen.wsgi:application", env, var_dir) as server:
        if harness.warmup_seconds() > 0:
            warm = run_wrk(server, warm_path, harness.warmup_seconds(), "warmup")
        measured = run_wrk(server, run_path, harness.measure_seconds(), "run")
    check = db_check(w.center)
    ceiling = harness.ceilings()["insert"]
    out = harness.vs_ceiling(measured, "insert")
    out["ratio_to_ceiling"] = round(measured["stored_per_s"] / ceiling["rps"], 3) if ceiling["rps"] else None
    stored_total = measured["stored"] + (warm or {}).get("stored", 0)
    out.update(goal_ratio=GOAL_RATIO, floor_ratio=FLOOR_RATIO, check=check,
               warmup={k: warm[k] for k in ("requests", "stored", "non_2xx", "tokens_exhausted")} if warm else None)
    out["goal_met"] = bool(out["ratio_to_ceiling"] is not None and out["ratio_to_ceiling"] >= GOAL_RATIO
                           and measured["non_2xx"] == 0 and measured["errors_total"] == 0
                           and check["evaluations_in_db"] == stored_total and check["cases_rated_twice"] == 0
                           and check["work_orders_in_db"] == check["bad_in_db"])
    return {"database": db.engine, "code": code, "database_setup_s": db.timings_s, "tokens": len(tokens),
            "cases_build_s": build_s, "bad_every": BAD_EVERY, "http": out,
            "evaluation_submit": {"ratio_to_ceiling": out["ratio_to_ceiling"], "rps": measured["stored_per_s"],
                                  "p99_ms": measured["p99_ms"]},
            "ceilings": harness.ceilings_summary()}


def summary(r: dict) -> str:
    h, c = r["http"], r["http"]["check"]
    return (f"[{r['database']}] {h['stored']} ratings stored, {h['stored_per_s']:.0f}/s, p50 {h['p50_ms']} p99 "
            f"{h['p99_ms']} ms, non-2xx {h['non_2xx']}{' (tokens exhausted)' if h['tokens_exhausted'] else ''}, "
            f"ratio {h['ratio_to_ceiling']} (goal {GOAL_RATIO}, floor {FLOOR_RATIO}: "
            f"{'met' if h['goal_met'] else 'NOT met'}; insert ceiling {h['ceiling']['rps']:.0f}/s); "
            f"db: {c['evaluations_in_db']} evaluations, {c['work_orders_in_db']}/{c['bad_in_db']} work orders, "
            f"{c['cases_rated_twice']} rated twice")
