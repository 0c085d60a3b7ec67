"""Every amount and day a translated message carries is written the reader's way.

`_("Only %(left)s %(currency)s of this payment is left.") % {"left": unallocated}` told a
Bulgarian bookkeeper "От това плащане остават само 30.00 EUR", and a draft "(2026-03-05)";
the error pages, the review queue and the stored write-off reasons carried such values. This
reads the source (Python's own parse, no database) and fails on any message value whose name
says it is money or a day and that no `formatting.*` call writes.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2]

# A placeholder that holds money or a day.
MONEY_OR_DAY = re.compile(
    r"(?:^|_)(?:amount|total|left|outstanding|unallocated|allocated|remaining|paid|balance|sum"
    r"|difference|price|tolerance|date|day|due)$"
)
GETTEXT = {"_", "gettext", "gettext_lazy", "_lazy", "ngettext", "pgettext", "N_"}


def _called(node: ast.expr) -> str:
    if not isinstance(node, ast.Call):
        return ""
    function = node.func
    if isinstance(function, ast.Name):
        return function.id
    if isinstance(function, ast.Attribute):
        return function.attr
    return ""


def _formatted(value: ast.expr) -> bool:
    """A `formatting.*(…)` call, or a choice between such calls and constant text."""
    if isinstance(value, ast.IfExp):
        return _formatted(value.body) and _formatted(value.orelse)
    if isinstance(value, ast.Constant):
        return isinstance(value.value, str)
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and isinstance(value.func.value, ast.Name)
        and value.func.value.id == "formatting"
    )


def unformatted(tree: ast.AST, where: str) -> Iterator[str]:
    for node in ast.walk(tree):
        if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod)):
            continue
        if not (isinstance(node.right, ast.Dict) and _called(node.left) in GETTEXT):
            continue
        for key, value in zip(node.right.keys, node.right.values, strict=True):
            if not isinstance(key, ast.Constant) or not MONEY_OR_DAY.search(str(key.value)):
                continue
            if not _formatted(value):
                yield f"{where}:{node.lineno} {key.value} = {ast.unparse(value)}"


def test_every_money_or_day_value_in_a_message_is_formatted() -> None:
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        where = str(path.relative_to(SOURCE))
        found.extend(unformatted(ast.parse(path.read_text(encoding="utf-8")), where))
    assert not found, "\n".join(found)


def test_the_rule_sees_a_raw_amount_and_a_raw_day() -> None:
    code = (
        'a = _("Only %(left)s left") % {"left": payment.unallocated}\n'
        'b = _("On %(date)s") % {"date": day.isoformat()}\n'
        'c = _("Only %(left)s left") % {"left": formatting.amount(x)}\n'
        'd = _("On %(date)s") % {"date": formatting.date(day) if day else ""}\n'
        'e = _("To %(to)s") % {"to": account.name}\n'
    )
    assert [line.split()[1] for line in unformatted(ast.parse(code), "x")] == ["left", "date"]
