"""Registry of benchmarks: name -> module. Each module has `run() -> dict` and `summary(result) -> str`.

`run()` returns the benchmark's own fields; the runner adds machine info, timestamp and elapsed time
and writes bench/results/<name>.json.
"""

REGISTRY = {
    "add_working_days": "bench.benchmarks.add_working_days",
    "catalog_search": "bench.benchmarks.catalog_search",
    "call_next": "bench.benchmarks.call_next",
    "issue_ticket": "bench.benchmarks.issue_ticket",
    "display_latency": "bench.benchmarks.display_latency",
    "wait_estimate": "bench.benchmarks.wait_estimate",
    "case_deadlines": "bench.benchmarks.case_deadlines",
    "case_receive": "bench.benchmarks.case_receive",
    "slot_search": "bench.benchmarks.slot_search",
    "booking": "bench.benchmarks.booking",
    "evaluation_submit": "bench.benchmarks.evaluation_submit",
    "kpi": "bench.benchmarks.kpi",
}
