"""Every detail an audit event records has a Bulgarian label in the histories.

An event's details are not model fields, so `test_field_labels` does not see them: an apply
match read "Proposal — → 1" on a Bulgarian audit log. This reads the source: the literal keys
of every dict written as the details of `audit.record_event` and `audit.Batch.event`, and asks
`core.history.label` for each in Bulgarian (a missing one goes in `core/field_labels.py`)."""

from __future__ import annotations

import ast
from pathlib import Path

from django.utils import translation

from xfinances.core import history

ROOT = Path(__file__).resolve().parents[2]
CYRILLIC = set("абвгдежзийклмнопрстуфхцчшщъьюя")


def _dict_keys(node: ast.AST | None) -> set[str]:
    if not isinstance(node, ast.Dict):
        return set()
    return {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}


def event_detail_keys() -> dict[str, str]:
    """Detail key → where it is recorded."""
    found: dict[str, str] = {}
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if {"tests", "migrations"} & set(relative.parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            details: ast.AST | None = None
            if name == "record_event":
                details = node.args[4] if len(node.args) > 4 else None
            elif name == "event" and isinstance(node.func, ast.Attribute):
                details = node.args[2] if len(node.args) > 2 else None
            for keyword in node.keywords:
                if keyword.arg == "details":
                    details = keyword.value
            for key in _dict_keys(details):
                found.setdefault(key, f"{relative}:{node.lineno}")
    return found


def test_every_event_detail_has_a_bulgarian_label() -> None:
    keys = event_detail_keys()
    assert {"proposal", "score", "recipients"} <= set(keys)  # the reader found the calls
    with translation.override("bg"):
        missing = [
            f"{where}: {key!r} reads {history.label(None, key)!r}"
            for key, where in sorted(keys.items())
            if not CYRILLIC & set(history.label(None, key).lower())
        ]
    assert not missing, "\n".join(missing)
