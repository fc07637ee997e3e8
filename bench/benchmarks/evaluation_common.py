"""Shared building blocks of the evaluation benchmarks: a bench center, one real template case
(opened through `cases.services.open_case`) and bulk copies of it by `INSERT … SELECT` (a
recursive counter, the same SQL on SQLite and PostgreSQL), with the number, center, item, state
and completion date set per row from small mapping tables."""

from __future__ import annotations

import math
import time
from datetime import date

VALID_ID = "11010519491231002X"  # GB 11643 example number
CHUNK = 200_000


def template_case(code: str):
    """A bench center and one case of a promised demo item with a published guide (the template)."""
    from bench.benchmarks.case_deadlines import World
    from yimen.cases.services import open_case

    w = World(code)
    item, situation, _guide, _snap = w.templates[0]
    case = open_case(center=w.center, item=item, situation=situation, applicant_name="张三", id_number=VALID_ID,
                     phone="13812345678", by=w.clerk)
    return w, case


def day_sql(base_param: str, offset_sql: str) -> str:
    """SQL of a date `offset_sql` days after the date parameter."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return f"(CAST({base_param} AS date) + CAST({offset_sql} AS integer))"
    return f"date({base_param}, '+' || CAST({offset_sql} AS TEXT) || ' days')"


def _mapping(name: str, rows: list[tuple]) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {name}")
        cols = ", ".join(f"c{i} BIGINT" for i in range(len(rows[0])))
        cur.execute(f"CREATE TABLE {name} (n BIGINT PRIMARY KEY, {cols})")
        for n, row in enumerate(rows):
            cur.execute(f"INSERT INTO {name} VALUES ({', '.join(['%s'] * (len(row) + 1))})", [n, *row])


def replicate_cases(template_id: int, rows: int, *, prefix: str, centers: list[int], items: list[int],
                    state: str, first_day: date, days: int) -> float:
    """`rows` copies of the template case: number `<prefix><i>`, center `centers[i % C]`, item
    `items[(i // C) % I]`, `state`, completed on `first_day` + a spread over `days` days (0: that day)."""
    from django.db import connection, transaction

    from yimen.cases.models import Case

    _mapping("bench_ev_center", [(c,) for c in centers])
    _mapping("bench_ev_item", [(i,) for i in items])
    nc, ni = len(centers), len(items)
    qn = connection.ops.quote_name
    cols = [f.column for f in Case._meta.concrete_fields if f.column != "id"]
    spread = f"((k.i * 7919) %% {days})" if days > 1 else "0"  # %% : the SQL takes parameters
    override = {
        "number": f"'{prefix}' || CAST(k.i AS TEXT)", "center_id": "bc.c0", "item_id": "bi.c0", "state": "%s",
        "completed_on": day_sql("%s", spread), "decided_on": day_sql("%s", spread), "id_index": "''",
        "window_id": "NULL", "receiver_id": "NULL", "first_staff_id": "NULL", "handler_id": "NULL",
        "ticket_id": "NULL", "next_check_at": "NULL",
    }
    select = ", ".join(override.get(c, f"t.{qn(c)}") for c in cols)
    first = first_day.isoformat()
    t0 = time.perf_counter()
    done = 0
    while done < rows:
        n = min(CHUNK, rows - done)
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                f"WITH RECURSIVE k(i) AS (SELECT %s UNION ALL SELECT i + 1 FROM k WHERE i < %s) "
                f"INSERT INTO {Case._meta.db_table} ({', '.join(qn(c) for c in cols)}) "
                f"SELECT {select} FROM {Case._meta.db_table} t CROSS JOIN k "
                f"JOIN bench_ev_center bc ON bc.n = k.i %% {nc} JOIN bench_ev_item bi ON bi.n = (k.i / {nc}) %% {ni} "
                f"WHERE t.id = %s",
                [done + 1, done + n, state, first, first, template_id])
        done += n
    return round(time.perf_counter() - t0, 2)


def analyze(*tables: str) -> None:
    """PostgreSQL: ANALYZE after a bulk build, as autovacuum would (SQLite gets none, as in Yimen)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        for table in tables:
            cur.execute(f"ANALYZE {table}")


def chunks(total: int, size: int = CHUNK) -> int:
    return math.ceil(total / size)
