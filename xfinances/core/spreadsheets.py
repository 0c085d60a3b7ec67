"""Cells of every CSV and XLSX export, safe to open in a spreadsheet (issue 14, defect 4).

Names and references come from people and from outside (UBL e-invoices, party imports); one that
starts with `=`, `+`, `-` or `@` (or a tab or carriage return, which some programs skip before
reading a formula) is taken by Excel and LibreOffice as a formula — a real formula cell in XLSX.
`safe_cell` prefixes such text with `'`, so it shows as text; numbers, dates and other values
pass unchanged (a negative amount stays a number). Every exporter writes its rows through
`safe_row`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """`value`, with text a spreadsheet would read as a formula turned into plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    """Every cell of `row` through `safe_cell`."""
    return [safe_cell(value) for value in row]
