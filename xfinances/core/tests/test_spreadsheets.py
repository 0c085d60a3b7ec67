"""core/spreadsheets.py: text a spreadsheet would run as a formula is exported as text."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from xfinances.core.spreadsheets import safe_cell, safe_row


@pytest.mark.parametrize(
    "text", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
)
def test_formula_text_is_prefixed(text: str) -> None:
    assert safe_cell(text) == "'" + text


def test_other_values_pass_unchanged() -> None:
    row = ["Алфа ООД", Decimal("-12.50"), -3, dt.date(2026, 3, 5), None, "a=b"]
    assert safe_row(row) == row
