"""The base of every API input schema: the API half of the input boundary (issue 14).

`InputSchema` (every `…In`, `…Patch` and `…Filters` schema of the apps' `api.py`) refuses:
- fields the schema does not declare (422 naming the field) — a typo is not silently ignored;
- text with a NUL byte, another control character (tab and line breaks excepted) or a lone
  surrogate, which PostgreSQL cannot store and which broke pages as 500s;
- text longer than `MAX_TEXT_CHARS` (10,000 characters), unless the field is listed in the
  schema's `long_text_fields` (a base64 file, a custom template).

Amounts, quantities and dates keep arriving as strings and are read by `core/readers.py` in the
action, so the API, the pages and the CLI give the same messages and bounds.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from ninja import Schema
from pydantic import ConfigDict, ValidationInfo, field_validator

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


class InputSchema(Schema):
    """What a client sends: unknown fields refused, text checked (see the module's doc)."""

    model_config = ConfigDict(extra="forbid")

    #: Fields that may be longer than MAX_TEXT_CHARS (still free of NUL and surrogates).
    long_text_fields: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _clean_text(cls, value: Any, info: ValidationInfo) -> Any:
        long = info.field_name in cls.long_text_fields
        return _check(value, 10**9 if long else MAX_TEXT_CHARS)
