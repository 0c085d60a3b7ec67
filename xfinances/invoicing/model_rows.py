"""Whole model rows read with SQL written by hand, for the issuing hot path.

Building an ORM query costs 0.5–1.5 ms of Python per statement (the ~100-column document most of
all), and each statement is a round trip of 0.1–0.2 ms more. The reads every issue makes are
therefore written once as SQL and sent together (`Read`, `fetch_together`), and their rows become
the same model instances a queryset returns: the select list and Django's own converters of each
column (SQLite dates and decimals, JSON text) are worked out once per model, table alias and
database vendor. The SQL stays plain enough to run on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from django.db import connection, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Col

M = TypeVar("M", bound=models.Model)
T = TypeVar("T")


class Columns(Generic[M]):
    """All concrete columns of `model` under the table alias `alias` (empty: unqualified, as
    `RETURNING` wants them): `sql` is the select list, `instance(row, connection, start)` turns
    `row[start : start + width]` into a model instance."""

    def __init__(self, model: type[M], alias: str, connection: BaseDatabaseWrapper) -> None:
        quote = connection.ops.quote_name
        fields = model._meta.concrete_fields
        self.model = model
        self.width = len(fields)
        self.attnames = [f.attname for f in fields]
        self.pk_position = fields.index(model._meta.pk)
        prefix = f"{alias}." if alias else ""
        self.sql = ", ".join(f"{prefix}{quote(f.column)}" for f in fields)
        self.converters: list[tuple[int, list[Callable[..., Any]], Col]] = []
        for position, field in enumerate(fields):
            column = Col(alias, field)
            found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if found:
                self.converters.append((position, found, column))

    def instance(self, row: Sequence[Any], connection: BaseDatabaseWrapper, start: int = 0) -> M:
        values = list(row[start : start + self.width])
        for position, converters, column in self.converters:
            value = values[position]
            for convert in converters:
                value = convert(value, column, connection)
            values[position] = value
        return self.model.from_db(connection.alias, self.attnames, values)

    def instance_or_none(
        self, row: Sequence[Any], connection: BaseDatabaseWrapper, start: int = 0
    ) -> M | None:
        """For a LEFT JOIN: None when the joined row is missing (its primary key is NULL)."""
        if row[start + self.pk_position] is None:
            return None
        return self.instance(row, connection, start)


_built: dict[tuple[type[models.Model], str, str], Columns[Any]] = {}


def columns(model: type[M], alias: str, connection: BaseDatabaseWrapper) -> Columns[M]:
    """The `Columns` of `model` as `alias`, built on first use for this kind of database."""
    key = (model, alias, connection.vendor)
    found = _built.get(key)
    if found is None:
        found = _built[key] = Columns(model, alias, connection)
    return found


class Read(Generic[T]):
    """One SELECT and what its rows become (`parse`); `fetch_together` sends several at once."""

    def __init__(
        self, sql: str, params: Sequence[Any], parse: Callable[[list[tuple[Any, ...]]], T]
    ) -> None:
        self.sql, self.params, self.parse = sql, list(params), parse

    def fetch(self) -> T:
        return fetch_together(self)[0]


def read_rows(model: type[M], where: str, params: Sequence[Any], order: str) -> Read[list[M]]:
    """The rows of `model` (table alias `t`) that match `where`, in `order`, as instances."""
    table = columns(model, "t", connection)
    sql = (
        f"SELECT {table.sql} FROM {model._meta.db_table} t"  # noqa: S608 (model columns)
        f" WHERE {where} ORDER BY {order}"
    )
    return Read(sql, params, lambda found: [table.instance(row, connection) for row in found])


def fetch_together(*reads: Read[Any]) -> list[Any]:
    """What each read's rows become, in order. On PostgreSQL the statements travel in one round
    trip: psycopg binds the parameters on the client and sends the `;`-separated text as one
    simple query, in which each statement still sees the rows committed before it starts (a read
    after a `FOR UPDATE` sees what the lock holder committed). SQLite, in the same process, runs
    them one by one, as PostgreSQL does with server-side binding (which allows one statement)."""
    together = connection.vendor == "postgresql" and not connection.settings_dict.get(
        "OPTIONS", {}
    ).get("server_side_binding")
    results: list[list[tuple[Any, ...]]] = []
    with connection.cursor() as cursor:
        if together and len(reads) > 1:
            cursor.execute("; ".join(r.sql for r in reads), [p for r in reads for p in r.params])
            results.append(cursor.fetchall())
            while cursor.nextset():
                results.append(cursor.fetchall())
        else:
            for read in reads:
                cursor.execute(read.sql, read.params)
                results.append(cursor.fetchall())
    return [read.parse(rows) for read, rows in zip(reads, results, strict=True)]
