"""The base of every API input schema: the API half of the input boundary (issue 14).

`InputSchema` (every `…In`, `…Patch` and `…Filters` schema of the apps' `api.py`) refuses:
- fields the schema does not declare (422 naming the field) — a typo is not silently ignored;
- text with a NUL byte, another control character (tab and line breaks excepted) or a lone
  surrogate, which PostgreSQL cannot store and which broke pages as 500s;
- text longer than `MAX_TEXT_CHARS` (10,000 characters), unless the field is listed in the
  schema's `long_text_fields` (a base64 file, a custom template);
- text longer than its model field allows, for the fields in the schema's `text_limits`
  (`core.text_limits.limits_of(Model, "name", …)`), so the API, the forms and the database
  share one limit; the OpenAPI document shows it as `maxLength`.

Amounts, quantities and dates keep arriving as strings and are read by `core/readers.py` when
the API builds the action's typed input (`core/inputs.py`; `input_schema` derives the schema
from that input), so the API, the pages and the CLI give the same messages and bounds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from ninja import Schema
from ninja.schema import ResolverMetaclass
from pydantic import (
    ConfigDict,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ValidationInfo,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from xfinances.core.inputs import ActionInput

MAX_TEXT_CHARS = 10_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def text_problem(value: str, limit: int) -> str | None:
    """Why `value` cannot be accepted as text (English, for the 422 body), or None."""
    if _CONTROL.search(value):
        return "The text contains characters that are not allowed (NUL or control characters)."
    if _SURROGATE.search(value):
        return "The text contains characters that are not allowed (a lone surrogate)."
    if len(value) > limit:
        return f"Use at most {limit} characters (this has {len(value)})."
    return None


def _check(value: Any, limit: int) -> Any:
    if isinstance(value, str):
        problem = text_problem(value, limit)
        if problem:
            raise ValueError(problem)
    elif isinstance(value, list | tuple):
        for item in value:
            _check(item, limit)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check(key, limit)
            _check(item, limit)
    return value


@dataclass(frozen=True)
class TextLimit:
    """The InputSchema text checks for one field of a pydantic-validated dataclass (an action's
    typed input used as an API schema): `Annotated[str, TextLimit(limit)]`. Shown as maxLength."""

    limit: int

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_before_validator_function(
            lambda value: _check(value, self.limit), handler(source)
        )

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        result = handler(schema)
        result["maxLength"] = self.limit
        return result


#: How a typed value travels in JSON (what a client may send for it).
_WIRE: dict[Any, Any] = {
    Decimal: Decimal | str,
    Decimal | None: Decimal | str | None,
    dt.date: str,
    dt.date | None: str | None,
}


def _input_fields(
    action_input: type[ActionInput], partial: bool, wire: dict[str, Any] | None
) -> dict[str, tuple[Any, Any]]:
    """(wire type, default) of each field of a typed input."""
    hints = typing.get_type_hints(action_input)
    fields: dict[str, tuple[Any, Any]] = {}
    for spec in dataclasses.fields(action_input):
        kind = (wire or {}).get(spec.name, _WIRE.get(hints[spec.name], hints[spec.name]))
        if partial:
            fields[spec.name] = (kind | None, None)
        elif spec.default_factory is not dataclasses.MISSING:
            fields[spec.name] = (kind, spec.default_factory())
        else:
            fields[spec.name] = (kind, spec.default)
    return fields


class _InputSchemaMeta(ResolverMetaclass):
    """Fills a schema declared `class XIn(InputSchema, action_input=XInput)` with the input's
    fields, so each field list is declared once (in the typed input, core/inputs.py)."""

    def __new__(
        mcs,
        name: str,
        bases: tuple[type, ...],
        namespace: dict[str, Any],
        *,
        action_input: type[ActionInput] | None = None,
        partial: bool = False,
        wire: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        if action_input is not None:
            annotations = dict(namespace.get("__annotations__", {}))
            for field, (kind, default) in _input_fields(action_input, partial, wire).items():
                annotations.setdefault(field, kind)
                namespace.setdefault(field, default)
            namespace["__annotations__"] = annotations
        return super().__new__(mcs, name, bases, namespace, **kwargs)


class InputSchema(Schema, metaclass=_InputSchemaMeta):
    """What a client sends: unknown fields refused, text checked (see the module's doc).

    `class ProductIn(InputSchema, action_input=ProductInput)` takes its fields from the action's
    typed input (`partial=True`: every field optional, for PATCH; `wire={field: type}`: what a
    client sends for a field, e.g. a reference as its code)."""

    model_config = ConfigDict(extra="forbid")

    #: Fields that may be longer than MAX_TEXT_CHARS (still free of NUL and surrogates).
    long_text_fields: ClassVar[frozenset[str]] = frozenset()
    #: Fields bounded by their model field's max_length (`core.text_limits.limits_of`).
    text_limits: ClassVar[Mapping[str, int]] = {}

    @field_validator("*", mode="before")
    @classmethod
    def _clean_text(cls, value: Any, info: ValidationInfo) -> Any:
        name = info.field_name or ""
        limit = 10**9 if name in cls.long_text_fields else MAX_TEXT_CHARS
        return _check(value, min(limit, cls.text_limits.get(name, limit)))

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        properties = handler.resolve_ref_schema(schema).get("properties", {})
        for name, limit in cls.text_limits.items():
            prop = properties.get(name, {})
            for branch in [prop, *prop.get("anyOf", [])]:
                if branch.get("type") == "string":
                    branch["maxLength"] = limit
        return schema

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # The metaclass takes `action_input`, `partial` and `wire`; this says they are allowed.
        super().__init_subclass__()
