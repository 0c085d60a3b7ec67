"""The audit trail: every action records who did what, from where, with before/after values.

Actions call `record_create`, `record_update`, `record_delete` or `record_event` inside their
transaction, so an audit row exists exactly when the change does.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.db.models import Field
from django.db.models.fields.files import FieldFile
from django.utils import timezone, translation

from xfinances.core.bulk_insert import insert_rows
from xfinances.core.models import AuditEntry, Company, Source, User


@dataclass(frozen=True)
class Actor:
    """Who is acting and through which door. Every action takes one."""

    user: User | None
    source: str = Source.UI
    ip_address: str | None = None

    @property
    def label(self) -> str:
        if self.user is None:
            return f"[{self.source}]"
        return self.user.email

    @classmethod
    def system(cls, source: str = Source.TASK) -> Actor:
        return cls(user=None, source=source)


def _plain(value: Any) -> Any:
    """A JSON-safe form of a field value."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, FieldFile):
        return value.name or ""
    return str(value)


@functools.cache
def _snapshot_plan(model: type[models.Model]) -> tuple[tuple[str, str, Decimal | None], ...]:
    """Per concrete field of `model`: its name, the attribute holding its value (`party_id`
    for `party`: what `value_from_object` reads) and, for a decimal, its stored quantum."""
    return tuple(
        (
            field.name,
            field.attname,
            Decimal(1).scaleb(-field.decimal_places)
            if isinstance(field, models.DecimalField)
            else None,
        )
        for field in model._meta.concrete_fields
        if field.name not in ("id", "search_text")
    )


def snapshot(instance: models.Model, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """The concrete field values of `instance`, JSON-safe, keyed by field name."""
    skip = set(exclude)
    data: dict[str, Any] = {}
    # `_meta.model`, not `type()`: a lazy object (request.user) stands for its instance.
    for name, attname, quantum in _snapshot_plan(instance._meta.model):
        if name in skip:
            continue
        value = getattr(instance, attname)
        if quantum is not None and isinstance(value, Decimal):
            # As stored: Decimal("1") and the Decimal("1.00000000") read back are one value, and
            # comparing their strings would record a change that is not one.
            value = value.quantize(quantum)
        data[name] = _plain(value)
    return data


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def record_name(instance: models.Model) -> str:
    """An object's name as the trail keeps it: in the product's language
    (`settings.LANGUAGE_CODE`) whoever acted and in whatever language, so the log reads one
    way and its search finds "Фактура 0000000123" however the document was issued."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(instance)


def _row(
    actor: Actor,
    company: Company | None,
    kind: str,
    action: str,
    instance: models.Model,
    changes: dict[str, Any],
    reason: str = "",
    object_repr: str | None = None,
) -> dict[str, Any]:
    """An audit row's values by attribute name: one record's, or one of a `Batch`'s."""
    user = actor.user
    return {
        "company_id": company.pk if company is not None else None,
        "created_at": timezone.now(),
        "user_id": user.pk if user is not None else None,
        "user_label": actor.label,
        "source": actor.source,
        "ip_address": actor.ip_address,
        "kind": kind,
        "action": action,
        "object_type": instance._meta.label_lower,
        "object_id": str(instance.pk),
        "object_repr": (object_repr or record_name(instance))[:200],
        "changes": changes,
        "reason": reason,
    }


def _write(
    actor: Actor,
    company: Company | None,
    kind: str,
    action: str,
    instance: models.Model,
    changes: dict[str, Any],
    reason: str = "",
    object_repr: str | None = None,
) -> AuditEntry:
    entry = AuditEntry(**_row(actor, company, kind, action, instance, changes, reason, object_repr))
    _insert(entry)
    return entry


@functools.cache
def _insert_fields() -> list[Field[Any, Any]]:
    return [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]


def _insert(entry: AuditEntry) -> None:
    """INSERT the entry as `save()` would (the same conversion of each value), with the SQL
    written here: every action writes an audit row, and Django's save machinery cost ~0.3 ms of
    Python each time (a tenth of an invoice's issue)."""
    fields = _insert_fields()
    table = AuditEntry._meta.db_table
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    values = [f.get_db_prep_save(f.pre_save(entry, True), connection) for f in fields]
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 (model columns)
    with connection.cursor() as cursor:
        if connection.features.can_return_columns_from_insert:
            cursor.execute(f"{sql} RETURNING id", values)
            entry.pk = cursor.fetchone()[0]
        else:
            cursor.execute(sql, values)
            entry.pk = connection.ops.last_insert_id(cursor, table, "id")
    entry._state.adding = False
    entry._state.db = connection.alias


def record_create(
    actor: Actor, company: Company | None, action: str, instance: models.Model
) -> AuditEntry:
    after = snapshot(instance)
    return _write(actor, company, AuditEntry.Kind.CREATE, action, instance, diff({}, after))


def record_update(
    actor: Actor,
    company: Company | None,
    action: str,
    instance: models.Model,
    before: Mapping[str, Any],
    reason: str = "",
    *,
    after: Mapping[str, Any] | None = None,
) -> AuditEntry | None:
    """Record the fields that changed since `before` (a `snapshot`). Nothing changed: no row.
    `after` is the current snapshot when the caller already took it."""
    changes = diff(before, snapshot(instance) if after is None else after)
    if not changes:
        return None
    return _write(actor, company, AuditEntry.Kind.UPDATE, action, instance, changes, reason)


def record_changes(
    actor: Actor,
    company: Company | None,
    action: str,
    instance: models.Model,
    changes: Mapping[str, tuple[Any, Any] | list[Any]],
    reason: str = "",
) -> AuditEntry | None:
    """Record changes computed by the action itself (e.g. a list of contacts before → after)."""
    plain = {k: [_plain(v[0]), _plain(v[1])] for k, v in changes.items() if v[0] != v[1]}
    if not plain:
        return None
    return _write(actor, company, AuditEntry.Kind.UPDATE, action, instance, plain, reason)


def record_delete(
    actor: Actor, company: Company | None, action: str, instance: models.Model, reason: str = ""
) -> AuditEntry:
    before = snapshot(instance)
    return _write(
        actor, company, AuditEntry.Kind.DELETE, action, instance, diff(before, {}), reason
    )


def record_event(
    actor: Actor,
    company: Company | None,
    action: str,
    instance: models.Model,
    details: Mapping[str, Any] | None = None,
    reason: str = "",
) -> AuditEntry:
    """Something happened to a record that is not a field change (sent, signed in, revoked)."""
    changes = {k: [None, _plain(v)] for k, v in (details or {}).items()}
    return _write(actor, company, AuditEntry.Kind.EVENT, action, instance, changes, reason)


def history(company: Company, instance: models.Model) -> models.QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        company=company, object_type=instance._meta.label_lower, object_id=str(instance.pk)
    ).select_related("user")


# --- many records at once ----------------------------------------------------------------------


class Batch:
    """Audit records of a bulk action, collected and written with one multi-row INSERT per
    500 rows (`core/bulk_insert.py`) instead of one statement each. The same rows as the
    `record_*` functions above would write, in the order they were added; call `write()` in
    the action's transaction, after the records they describe exist (their ids are read)."""

    def __init__(self, actor: Actor, company: Company | None) -> None:
        self.actor = actor
        self.company = company
        # The rows themselves (`_row`), not an AuditEntry instance each: a matching run
        # collects hundreds of thousands.
        self.rows: list[dict[str, Any]] = []

    def _add(self, kind: str, action: str, instance: models.Model, changes: Any) -> None:
        self.rows.append(_row(self.actor, self.company, kind, action, instance, changes))

    def create(
        self, action: str, instance: models.Model, after: Mapping[str, Any] | None = None
    ) -> None:
        """`after`: the instance's snapshot as it was created, when it has changed since."""
        changes = diff({}, snapshot(instance) if after is None else after)
        self._add(AuditEntry.Kind.CREATE, action, instance, changes)

    def update(
        self,
        action: str,
        instance: models.Model,
        before: Mapping[str, Any],
        after: Mapping[str, Any] | None = None,
    ) -> None:
        changes = diff(before, snapshot(instance) if after is None else after)
        if changes:
            self._add(AuditEntry.Kind.UPDATE, action, instance, changes)

    def event(
        self, action: str, instance: models.Model, details: Mapping[str, Any] | None = None
    ) -> None:
        changes = {k: [None, _plain(v)] for k, v in (details or {}).items()}
        self._add(AuditEntry.Kind.EVENT, action, instance, changes)

    def write(self) -> int:
        """INSERT the collected rows; returns how many. The batch is empty afterwards."""
        insert_rows(AuditEntry, self.rows)
        written = len(self.rows)
        self.rows = []
        return written
