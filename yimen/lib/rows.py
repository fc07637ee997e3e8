"""One row by a unique column, without compiling an ORM query on every call (hot paths only).

`load(Ticket, pk, related=("queue",))` returns what
`Ticket.objects.select_related("queue").filter(pk=pk).first()` returns: instances made with
`Model.from_db` and the backend's own converters, so values are exactly the ORM's. The SQL is built
once per (model, column, related fields, connection). Django compiles a queryset anew on every
call, about 0.2-0.3 ms of CPU; this costs a few tens of µs (docs/benchmarks.md, queue writes).
Used for what every staff request reads (session, user, window) and the ticket a call claims.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import connections

_PLANS: dict[tuple, tuple[str, list]] = {}
_FIELDS: dict[tuple, tuple[list[str], list]] = {}


def _fields(connection, model) -> tuple[list[str], list]:
    """The quoted column names of `model` and, per column, the converters the ORM applies."""
    key = (connection.alias, model)
    fields = _FIELDS.get(key)
    if fields is None:
        names, converters = [], []
        for f in model._meta.concrete_fields:
            names.append(connection.ops.quote_name(f.column))
            col = f.get_col(model._meta.db_table)
            converters.append((col, connection.ops.get_db_converters(col) + col.get_db_converters(connection)))
        fields = _FIELDS[key] = (names, converters)
    return fields


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
            names, converters = _fields(connection, part)
            columns += [f"{alias}.{c}" for c in names]
            groups.append((part, name, converters))
        where = model._meta.get_field(column).column
        sql = (f"SELECT {', '.join(columns)} FROM {qn(model._meta.db_table)} t0{''.join(joins)}"
               f" WHERE t0.{qn(where)} = %s")
        plan = _PLANS[key] = (sql, groups)
    return plan


def _instance(connection, model, converters, values):
    out = []
    for v, (col, cs) in zip(values, converters, strict=True):
        for c in cs:
            v = c(v, col, connection)
        out.append(v)
    return model.from_db(connection.alias, None, out)


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
        values = row[start:start + len(converters)]
        start += len(converters)
        if name is None:
            out = _instance(connection, part, converters, values)
        else:
            setattr(out, name, None if values[0] is None else _instance(connection, part, converters, values))
    return out


def returning(model, using: str = "default") -> str:
    """`RETURNING` list of every column of `model`, for `from_row` (SQLite ≥ 3.35 and PostgreSQL)."""
    return ", ".join(_fields(connections[using], model)[0])


def from_row(model, row, using: str = "default"):
    """The instance of a row selected or returned with the columns of `returning(model)`."""
    connection = connections[using]
    return _instance(connection, model, _fields(connection, model)[1], row)


def fetch(sql: str, params: list | tuple = (), using: str = "default") -> list[tuple]:
    """Every row of one raw statement."""
    with connections[using].cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def aware(value):
    """A datetime column of a raw row as the ORM returns it (SQLite gives naive UTC text)."""
    if value is None or isinstance(value, datetime) and value.tzinfo is not None:
        return value
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC)
