"""Many saved rows of one model updated with one set-based UPDATE per batch.

Django's `bulk_update` writes `SET f = CASE WHEN id = 1 THEN … WHEN id = 2 THEN … END` for
every field and resolves one `When` expression per row and field in Python: in a matching run
that applies 100,000 bank payments, building those expressions was nearly half of the run.
`update_rows` sends the same values as a table of rows instead,

    UPDATE t SET f1 = v.c1, … FROM unnest(%s::bigint[], %s::<type>[], …) AS v(c0, c1, …)
    WHERE t.id = v.c0                                      -- PostgreSQL: one array a column
    UPDATE t SET f1 = v.column2, … FROM (VALUES (?, ?, …), …) AS v
    WHERE t.id = v.column1                                 -- SQLite (3.33+)

Each value is prepared by its field as a save would (`get_db_prep_save`); the arrays carry the
columns' types, so a NULL or a text needs no cast. Like `bulk_update`, no `save()` runs, no
signal fires and `auto_now` is not touched: callers are actions that keep the invariants and
write the audit records themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models

#: Parameters per statement at most (SQLite allows 32,766 since 3.32).
MAX_PARAMETERS = 30_000
#: Rows per statement at most: SQLite (one placeholder a value), PostgreSQL (arrays).
MAX_ROWS = 1_000
MAX_ARRAY_ROWS = 10_000


def update_rows(
    model: type[models.Model], objects: Sequence[models.Model], fields: Sequence[str]
) -> int:
    """Store `fields` of the saved `objects` (instances of `model`), as
    `model.objects.bulk_update(objects, fields)` would; the number of rows updated."""
    if not objects or not fields:
        return 0
    opts = model._meta
    pk = opts.pk
    assert pk is not None
    chosen: list[models.Field[Any, Any]] = []
    for name in fields:
        field = opts.get_field(name)
        if not isinstance(field, models.Field) or field.primary_key or field.many_to_many:
            raise ValueError(f"{model.__name__}.{name} cannot be updated in bulk")
        chosen.append(field)
    quote = connection.ops.quote_name
    table = quote(opts.db_table)
    where = f"{table}.{quote(pk.column)}"
    types = [pk.db_type(connection), *(field.db_type(connection) for field in chosen)]
    width = len(types)
    if connection.vendor == "postgresql":
        # One array per column: a handful of parameters whatever the number of rows (a VALUES
        # list of 6,000 placeholders cost more to send than the update to run).
        arrays = ", ".join(f"%s::{db_type}[]" for db_type in types)
        names = ", ".join(f"c{n}" for n in range(width))
        sets = ", ".join(f"{quote(f.column)} = v.c{n}" for n, f in enumerate(chosen, 1))
        per_statement = MAX_ARRAY_ROWS
    else:
        # SQLite calls a VALUES table's columns column1, column2 …; it gives each value its
        # column's affinity on assignment.
        sets = ", ".join(f"{quote(f.column)} = v.column{n + 1}" for n, f in enumerate(chosen, 1))
        per_statement = max(1, min(MAX_ROWS, MAX_PARAMETERS // width))
        row = "(" + ", ".join(["%s"] * width) + ")"
    updated = 0
    with connection.cursor() as cursor:
        for start in range(0, len(objects), per_statement):
            part = objects[start : start + per_statement]
            rows: list[list[Any]] = []
            for obj in part:
                if obj.pk is None:
                    raise ValueError(f"{model.__name__} not saved yet: nothing to update")
                values = [pk.get_db_prep_value(obj.pk, connection)]
                for field in chosen:
                    values.append(field.get_db_prep_save(getattr(obj, field.attname), connection))
                rows.append(values)
            if connection.vendor == "postgresql":
                sql = (
                    f"UPDATE {table} SET {sets} FROM unnest({arrays}) AS v({names}) "  # noqa: S608 (names and types only)
                    f"WHERE {where} = v.c0"
                )
                cursor.execute(sql, [list(column) for column in zip(*rows, strict=True)])
            else:
                sql = (
                    f"UPDATE {table} SET {sets} FROM (VALUES {', '.join([row] * len(part))}) AS v "  # noqa: S608
                    f"WHERE {where} = v.column1"
                )
                cursor.execute(sql, [value for values in rows for value in values])
            updated += cursor.rowcount
    return updated
