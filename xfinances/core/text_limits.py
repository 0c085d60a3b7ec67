"""Every text column has a maximum length, and every write is checked against it here.

The limit lives on the model field (`max_length` on a CharField; on a TextField too, with a
`text_length_check` constraint so the database enforces it). Forms and API schemas read the same
number with `limit_of()`, so the page, the API and the database agree.

SQLite does not enforce varchar lengths and PostgreSQL does, so an over-long name sent through
the API, the CLI or an import was stored on one and a 500 on the other. `BoundedTextModel`
checks every text field in `save()` and in its queryset's `bulk_create()` and raises
`InvalidInput` naming the field, before the database sees the row; `check_rows()` does the same
for `core.bulk_insert.insert_rows`. Actions need no length code of their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from xfinances.core.exceptions import InvalidInput

TEXT_FIELD_TYPES = (models.CharField, models.TextField)


def text_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    """The model's own concrete text columns (CharField, TextField and their subclasses)."""
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, TEXT_FIELD_TYPES) and field.max_length is not None
    ]


def limit_of(model: type[models.Model], name: str) -> int:
    """The maximum length of `model.name`, for forms and API schemas."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.max_length is None:
        raise LookupError(f"{model.__name__}.{name} has no max_length")
    return int(field.max_length)


def limits_of(model: type[models.Model], *names: str) -> dict[str, int]:
    """`{name: limit}` for several fields of `model` (an API schema's `text_limits`)."""
    return {name: limit_of(model, name) for name in names}


def text_length_check(table: str, name: str, limit: int) -> models.CheckConstraint:
    """The database's own bound for a TextField (`Length(name) <= limit`)."""
    return models.CheckConstraint(
        condition=LessThanOrEqual(Length(name), limit), name=f"{table}_{name}_length"
    )


def too_long_message(limit: int, count: int) -> str:
    return str(
        _("Use at most %(limit)d characters (this has %(count)d).")
        % {"limit": limit, "count": count}
    )


def _problems(
    values: Mapping[str, Any], limits: Iterable[tuple[str, str, int]]
) -> list[tuple[str, str]]:
    found = []
    for attname, name, limit in limits:
        value = values.get(attname)
        if isinstance(value, str) and len(value) > limit:
            found.append((name, too_long_message(limit, len(value))))
    return found


def _limits(model: type[models.Model]) -> list[tuple[str, str, int]]:
    return [(f.attname, f.name, int(f.max_length or 0)) for f in text_fields(model)]


class BoundedTextQuerySet(models.QuerySet[Any]):
    """`bulk_create` checks the rows' text first (it skips `save()`)."""

    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        objs = list(objs)
        check_objects(objs)
        return super().bulk_create(objs, *args, **kwargs)


class BoundedText(models.Model):
    """Checks every text field in `save()` (see the module's doc). Models with a manager of
    their own (the user model) take this; the others `BoundedTextModel`."""

    #: How an error on this row's field is named; rows of a bigger whole override it
    #: (a document line: "lines.<position>.<field>", as the line checks name them).
    text_error_key: ClassVar[str] = "{field}"

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.check_text_lengths()
        super().save(*args, **kwargs)

    def text_length_errors(self) -> dict[str, list[str | Promise]]:
        errors: dict[str, list[str | Promise]] = {}
        for name, message in _problems(vars(self), _limits(type(self))):
            key = self.text_error_key.format(field=name, row=self)
            errors.setdefault(key, []).append(message)
        return errors

    def check_text_lengths(self) -> None:
        errors = self.text_length_errors()
        if errors:
            raise InvalidInput(dict(errors))


class BoundedTextModel(BoundedText):
    """The base of the product's models: text checked on `save()` and on `bulk_create()`."""

    objects = BoundedTextQuerySet.as_manager()

    class Meta:
        abstract = True


def check_objects(objects: Iterable[models.Model]) -> None:
    """Refuse a batch of unsaved rows if any text is over its limit (all errors at once)."""
    errors: dict[str, list[str | Promise]] = {}
    for obj in objects:
        if isinstance(obj, BoundedText):
            for key, messages in obj.text_length_errors().items():
                errors.setdefault(key, []).extend(messages)
    if errors:
        raise InvalidInput(dict(errors))


def check_rows(model: type[models.Model], rows: Iterable[Mapping[str, Any]]) -> None:
    """The same for plain dicts of attribute names (`core.bulk_insert.insert_rows`)."""
    limits = _limits(model)
    errors: dict[str, list[str | Promise]] = {}
    for number, row in enumerate(rows, start=1):
        for name, message in _problems(row, limits):
            errors.setdefault(f"{number}.{name}", []).append(message)
    if errors:
        raise InvalidInput(dict(errors))
