"""Many saved rows of one model updated with one set-based UPDATE per batch.

Django's `bulk_update` writes `SET f = CASE WHEN id = 1 THEN … WHEN id = 2 THEN … END` for
every field and resolves one `When` expression per row and field in Python: in a matching run
that applies 100,000 bank payments, building those expressions was nearly half of the run.
`update_rows` sends the same values as a table of rows instead,

    UPDATE t SET f1 = CAST(v.c1 AS <type>), …
    FROM (VALUES (%s, %s, …), …) AS v(c0, c1, …) WHERE t.id = v.c0

which PostgreSQL and SQLite (3.33+) both run. Each value is prepared by its field as a save
would (`get_db_prep_save`); on PostgreSQL the CASTs give the driver's untyped parameters (a
NULL, a text) the column's type. Like `bulk_update`, no `save()` runs, no signal fires and
`auto_now` is not touched: callers are actions that keep the invariants and write the audit
records themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models

#: Parameters per statement at most (SQLite allows 32,766 since 3.32).
MAX_PARAMETERS = 30_000
#: Rows per statement at most.
MAX_ROWS = 1_000


def _typed(value: str, db_type: str | None) -> str:
    """PostgreSQL: the column's type for an untyped parameter. SQLite gives the value its
    column's affinity on assignment, while a CAST to a type like "date" would cut
    '2026-11-30' to 2026 (NUMERIC affinity): no CAST there."""
    if connection.vendor == "postgresql" and db_type:
        return f"CAST({value} AS {db_type})"
    return value


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
    width = 1 + len(chosen)
    postgres = connection.vendor == "postgresql"
    # The VALUES table's columns: named on PostgreSQL; SQLite calls them column1, column2 …
    column = [f"v.c{n}" if postgres else f"v.column{n + 1}" for n in range(width)]
    alias = "v(" + ", ".join(f"c{n}" for n in range(width)) + ")" if postgres else "v"
    assignments = ", ".join(
        f"{quote(field.column)} = {_typed(column[n], field.db_type(connection))}"
        for n, field in enumerate(chosen, 1)
    )
    key = _typed(column[0], pk.db_type(connection))  # "bigint" for a BigAutoField
    per_statement = max(1, min(MAX_ROWS, MAX_PARAMETERS // width))
    row = "(" + ", ".join(["%s"] * width) + ")"
    updated = 0
    with connection.cursor() as cursor:
        for start in range(0, len(objects), per_statement):
            part = objects[start : start + per_statement]
            params: list[Any] = []
            for obj in part:
                if obj.pk is None:
                    raise ValueError(f"{model.__name__} not saved yet: nothing to update")
                params.append(pk.get_db_prep_value(obj.pk, connection))
                for field in chosen:
                    params.append(field.get_db_prep_save(getattr(obj, field.attname), connection))
            values = ", ".join([row] * len(part))
            sql = (
                f"UPDATE {table} SET {assignments} FROM (VALUES {values}) AS {alias} "  # noqa: S608 (names and types only)
                f"WHERE {table}.{quote(pk.column)} = {key}"
            )
            cursor.execute(sql, params)
            updated += cursor.rowcount
    return updated
