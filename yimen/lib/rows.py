"""One row by a unique column, without compiling an ORM query on every call (hot paths only).

`load(Ticket, pk, related=("queue",))` returns what
`Ticket.objects.select_related("queue").filter(pk=pk).first()` returns: instances made with
`Model.from_db` and the backend's own converters, so values are exactly the ORM's. The SQL is built
once per (model, column, related fields, connection). Django compiles a queryset anew on every
call, about 0.2-0.3 ms of CPU; this costs a few tens of µs (docs/benchmarks.md, queue writes).
Used for what every staff request reads (session, user, window) and the ticket a call claims.
"""

from __future__ import annotations

from django.db import connections

_PLANS: dict[tuple, tuple[str, list]] = {}


def _plan(connection, model, column: str, related: tuple[str, ...]):
    key = (connection.alias, model, column, related)
    plan = _PLANS.get(key)
    if plan is None:
        qn = connection.ops.quote_name
        parts, joins = [(model, "t0", None)], []
        for n, name in enumerate(related, 1):
            field = model._meta.get_field(name)
            rel, alias = field.related_model, f"t{n}"
            kind = "LEFT OUTER JOIN" if field.null else "INNER JOIN"
            joins.append(f" {kind} {qn(rel._meta.db_table)} {alias}"
                         f" ON {alias}.{qn(field.target_field.column)} = t0.{qn(field.column)}")
            parts.append((rel, alias, name))
        columns, groups = [], []
        for part, alias, name in parts:
            converters = []
            for f in part._meta.concrete_fields:
                columns.append(f"{alias}.{qn(f.column)}")
                col = f.get_col(part._meta.db_table)
                converters.append((col, connection.ops.get_db_converters(col) + col.get_db_converters(connection)))
            groups.append((part, name, converters))
        where = model._meta.get_field(column).column
        sql = (f"SELECT {', '.join(columns)} FROM {qn(model._meta.db_table)} t0{''.join(joins)}"
               f" WHERE t0.{qn(where)} = %s")
        plan = _PLANS[key] = (sql, groups)
    return plan


def load(model, value, *, by: str = "pk", related: tuple[str, ...] = (), using: str = "default"):
    """The instance whose `by` column equals `value` (None if there is none), with the foreign keys
    named in `related` loaded as select_related loads them (None for an empty nullable one)."""
    connection = connections[using]
    column = model._meta.pk.name if by == "pk" else by
    sql, groups = _plan(connection, model, column, related)
    with connection.cursor() as cur:
        cur.execute(sql, [value])
        row = cur.fetchone()
    if row is None:
        return None
    out, start = None, 0
    for part, name, converters in groups:
        values = []
        for v, (col, cs) in zip(row[start:start + len(converters)], converters, strict=True):
            for c in cs:
                v = c(v, col, connection)
            values.append(v)
        start += len(converters)
        if name is None:
            out = part.from_db(using, None, values)
        else:
            setattr(out, name, None if values[0] is None else part.from_db(using, None, values))
    return out
