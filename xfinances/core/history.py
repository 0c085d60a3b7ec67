"""Audit changes as a person reads them: field labels and values in the active language.

`AuditEntry.changes` stores field names and JSON values (`"issue_date": ["2026-01-01", …]`,
`"rate": ["1.00000000", …]`). Histories show the model field's translated label, the display
name of a choice, Yes/No, and numbers and dates through `core/formatting.py`. The model is found
by the entry's `object_type` in Django's app registry, so core names no app above it.

An event's details in a shape only its app knows (a match's reasons as codes, its allocations
as `[kind, id, amount]`) are written by a writer that app registers for the event's action
(`register_detail`), so core still names no app above it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext as _

from xfinances.core import formatting
from xfinances.core.field_labels import FIELD_LABELS
from xfinances.core.models import AuditEntry

_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DECIMAL = re.compile(r"-?\d+\.\d+")


NOT_SHOWN = frozenset({"company", "search_text"})

#: (action, detail name) → how to write that detail's stored value for a person.
DETAIL_WRITERS: dict[tuple[str, str], Callable[[Any], str]] = {}


def register_detail(action: str, name: str, writer: Callable[[Any], str]) -> None:
    """Let `writer` write the detail `name` of `action` events (an app's `ready()`)."""
    DETAIL_WRITERS[action, name] = writer


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _field(model: type[models.Model] | None, name: str) -> models.Field[Any, Any] | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def label(model: type[models.Model] | None, name: str) -> str:
    """The field's translated label: its verbose_name, else the shared label of its name
    (`core.field_labels`); a name that is neither is read as words."""
    field = _field(model, name)
    words = name.replace("_", " ")
    if field is not None and field.verbose_name and str(field.verbose_name) != words:
        text = str(field.verbose_name)
    elif name in FIELD_LABELS:
        text = str(FIELD_LABELS[name])
    else:
        text = _(words)
        if text == words:
            text = _(words.capitalize())
    return text[:1].upper() + text[1:]


def value(field: models.Field[Any, Any] | None, raw: Any) -> str:
    """One stored value as text for a person."""
    if raw is None or raw == "":
        return "—"
    if isinstance(raw, bool):
        return _("Yes") if raw else _("No")
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(raw, raw))
    if isinstance(raw, list):
        return ", ".join(value(None, item) for item in raw) or "—"
    if isinstance(raw, dict):
        return ", ".join(f"{k}: {value(None, v)}" for k, v in raw.items()) or "—"
    if isinstance(raw, str):
        if _ISO_DATETIME.match(raw):
            try:
                return formatting.datetime(dt.datetime.fromisoformat(raw))
            except ValueError:
                return raw
        if _ISO_DATE.fullmatch(raw):
            return formatting.date(raw)
        if _DECIMAL.fullmatch(raw):
            try:
                number = Decimal(raw)
            except InvalidOperation:
                return raw
            places = getattr(field, "decimal_places", None)
            # Money keeps its cents: a field of 2 places, or a detail written with 2 (an
            # event's "total": "1200.00" reads 1 200,00, not 1 200).
            if places == 2 or (field is None and len(raw) - raw.index(".") == 3):
                return formatting.amount(number)
            return formatting.number(number, max_places=places or 8)
    if isinstance(field, models.ForeignKey) and isinstance(raw, int | str):
        related = field.related_model
        if isinstance(related, type):
            found = related._default_manager.filter(pk=raw).first()
            return str(found) if found is not None else f"#{raw}"
    if isinstance(raw, int):
        return formatting.number(raw)
    return str(raw)


def readable_changes(entry: AuditEntry) -> list[Change]:
    """The entry's changes for a person; `company` (the same on every entry of a company's
    history) and the search index (`search_text`, built from the fields shown) are not shown.
    A creation shows only what was filled."""
    model = _model(entry.object_type)
    changes = entry.changes if isinstance(entry.changes, dict) else {}
    result = []
    for name, values in changes.items():
        if name in NOT_SHOWN:
            continue
        before, after = [*values, None, None][:2] if isinstance(values, list) else (None, values)
        if entry.kind == "create" and (after is None or after is False or after in ("", [], {})):
            continue  # `is False`: a 0 at creation is a value and is shown
        writer = DETAIL_WRITERS.get((entry.action, name))
        if writer is not None:
            shown = [writer(v) if v not in (None, "", []) else "—" for v in (before, after)]
            result.append(Change(label(model, name), *shown))
            continue
        field = _field(model, name)
        result.append(Change(label(model, name), value(field, before), value(field, after)))
    return result


def object_type_label(object_type: str) -> str:
    """`invoicing.document` → "Документ" (the model's translated name)."""
    model = _model(object_type)
    if model is None:
        return object_type
    text = str(model._meta.verbose_name)
    return text[:1].upper() + text[1:]
