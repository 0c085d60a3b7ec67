"""Checks of what a caller passes to an action, as opposed to what a user typed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def ensure_known_fields(data: Mapping[str, Any], allowed: Iterable[str], what: str) -> None:
    """A field name the action does not know is a programming error, not bad user input: it
    fails loudly (TypeError) instead of being ignored or reported as a form error."""
    unknown = set(data) - set(allowed)
    if unknown:
        raise TypeError(f"unknown {what} fields: {sorted(unknown)}")
