"""Many rows of one model inserted with hand-written multi-row INSERTs, ids returned in order.

`bulk_create` spends most of its time building model instances and compiling SQL per row
(about 0.5 ms a row of 20 columns); a statement import of 100,000 entries cannot afford that.
`insert_rows` takes plain dicts of attribute names, fills the model's defaults (computed once;
`auto_now`/`auto_now_add` get the current time), converts only the columns whose backend
adapter changes the value (JSON everywhere; dates and times on SQLite), and sends the rows by
COPY on PostgreSQL, elsewhere in batches of `INSERT … VALUES (…), (…) RETURNING id`, which
SQLite (3.35+) answers in the order of the rows, as Django's own bulk_create relies on.

No model `save()` runs and no signals fire: callers are actions that keep the invariants
themselves (and write one audit record for the batch). Text lengths are checked here as
`BoundedTextModel.save()` would (`core.text_limits.check_rows`, with the same errors), since
SQLite would store an over-long value that PostgreSQL refuses; the longest value of each text
column is looked at first, so a batch with nothing too long costs one pass per column.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils import timezone

from xfinances.core.text_limits import check_rows, text_fields

BATCH = 500


def _adapter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """How a value of `field` goes to the driver; None when it goes as it is (a decimal on
    every backend, a date or time on PostgreSQL: their adapters return the value)."""
    ops = connection.ops
    if isinstance(field, models.DecimalField):
        if type(ops).adapt_decimalfield_value is BaseDatabaseOperations.adapt_decimalfield_value:
            return None
        digits, places = field.max_digits, field.decimal_places
        return lambda v: None if v is None else ops.adapt_decimalfield_value(v, digits, places)
    if isinstance(field, models.DateTimeField):
        if connection.vendor == "postgresql":
            return None
        return lambda v: None if v is None else ops.adapt_datetimefield_value(v)
    if isinstance(field, models.DateField):
        if connection.vendor == "postgresql":
            return None
        return lambda v: None if v is None else ops.adapt_datefield_value(v)
    if isinstance(field, models.JSONField):
        # One encoder for the batch: `json.dumps(cls=…)` builds one per value. The same text
        # as the ORM writes (ASCII, non-ASCII escaped), so a row reads the same however it was
        # written, and a backup's restore (through the ORM) gives back the same text.
        return DjangoJSONEncoder().encode
    return None


def _too_long(rows: Sequence[Mapping[str, Any]], limits: list[tuple[str, int]]) -> bool:
    """Whether any text of `rows` may be over its column's limit: the longest value of a
    column at a time, in C (a row without the column, or a None, takes the slower way)."""
    for name, limit in limits:
        try:
            longest = max(map(len, map(itemgetter(name), rows)))
        except (KeyError, TypeError):
            longest = max(
                (len(v) for row in rows if isinstance(v := row.get(name), str)), default=0
            )
        if longest > limit:
            return True
    return False


def insert_rows(
    model: type[models.Model], rows: Sequence[Mapping[str, Any]], *, batch: int = BATCH
) -> list[int]:
    """Insert `rows` (attribute name → value; missing ones take the field's default) and
    return their new primary keys in the order of `rows`."""
    if not rows:
        return []
    limits = [(f.attname, int(f.max_length or 0)) for f in text_fields(model)]
    if _too_long(rows, limits):
        check_rows(model, rows)  # names every value over its limit
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    now = timezone.now()
    given_names = rows[0].keys()
    # The columns the rows give first, in the rows' order, then the rest with their defaults:
    # a row of the usual shape becomes its values in one C call (itemgetter) plus the tail.
    all_fields = [f for f in meta.concrete_fields if f is not pk]
    fields = [f for f in all_fields if f.attname in given_names] + [
        f for f in all_fields if f.attname not in given_names
    ]
    given_count = sum(1 for f in fields if f.attname in given_names)
    defaults: dict[str, Any] = {}
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            defaults[field.attname] = now
        elif field.has_default():
            defaults[field.attname] = field.get_default()
        elif field.null:
            defaults[field.attname] = None
    adapters = [_adapter(f) for f in fields]
    # Defaults are the same for every row: adapt them once.
    for field, adapt in zip(fields, adapters, strict=True):
        if adapt is not None and field.attname in defaults:
            defaults[field.attname] = adapt(defaults[field.attname])
    plan = [(field.attname, adapt) for field, adapt in zip(fields, adapters, strict=True)]
    names = [f.attname for f in fields[:given_count]]
    getter = itemgetter(*names) if len(names) > 1 else None
    adapted = [(i, a) for i, a in enumerate(adapters[:given_count]) if a is not None]
    tail = [defaults[f.attname] for f in fields[given_count:]]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)
    returning = f"RETURNING {quote(pk.column)}"

    def values_of(row: Mapping[str, Any]) -> list[Any]:
        if getter is not None and row.keys() == given_names:
            out = list(getter(row))
            for i, convert in adapted:
                out[i] = convert(out[i])
            out.extend(tail)
            return out
        out = []
        for name, adapt in plan:
            if name in row:
                value = row[name]
                out.append(adapt(value) if adapt is not None else value)
            else:
                out.append(defaults[name])
        return out

    ids: list[int] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Ids from the table's sequence in one query, then COPY: the fastest way in, and
            # the driver never parses a long statement or quotes values in Python.
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, pk.column, len(rows)],
            )
            ids = [row[0] for row in cursor.fetchall()]
            raw = cursor.cursor  # the driver's own cursor, for COPY
            # Django's error classes, as from any other query: a constraint the COPY breaks
            # is an IntegrityError to the callers that catch it.
            with (
                connection.wrap_database_errors,
                raw.copy(f"COPY {table} ({quote(pk.column)}, {columns}) FROM STDIN") as copy,
            ):
                for new_id, given in zip(ids, rows, strict=True):
                    copy.write_row([new_id, *values_of(given)])
            return ids
        one = "(" + ", ".join(["%s"] * len(fields)) + ")"
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            params: list[Any] = []
            for given in chunk:
                params.extend(values_of(given))
            # Only quoted model names and placeholders go into the text; values are parameters.
            sql = (
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(chunk))} "  # noqa: S608
                f"{returning}"
            )
            cursor.execute(sql, params)
            ids.extend(row[0] for row in cursor.fetchall())
    return ids


@contextmanager
def foreign_keys_checked_now(*tables: type[models.Model]) -> Iterator[None]:
    """Inside the block, PostgreSQL checks the foreign keys of `tables` at the end of each
    statement instead of at commit (Django declares them DEFERRABLE INITIALLY DEFERRED).

    The checks are the same, one per row and column: only their time moves. A bulk insert
    that streams a large file in batches has them done while the next batch is being read
    (banking's `read_ahead`) instead of all at once at commit, when nothing else can run.
    The deferred state comes back when the block ends; when it ends with an error the
    transaction or savepoint is rolled back, and PostgreSQL restores the state with it.
    Elsewhere (SQLite) nothing changes."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'f' AND condeferrable"
            " AND condeferred AND conrelid = ANY(SELECT to_regclass(t) FROM unnest(%s::text[]) t)"
            " ORDER BY conname",
            [[model._meta.db_table for model in tables]],
        )
        names = ", ".join(connection.ops.quote_name(name) for (name,) in cursor.fetchall())
    if not names:
        yield
        return
    with connection.cursor() as cursor:
        # Only quoted constraint names read from the catalogue go into the text.
        cursor.execute(f"SET CONSTRAINTS {names} IMMEDIATE")
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"SET CONSTRAINTS {names} DEFERRED")
