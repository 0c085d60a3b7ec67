"""Payments exports write formula-like text as text (issue 14, defect 4)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from openpyxl import load_workbook

from xfinances.payments import exports


def test_csv_and_xlsx_neutralise_formula_text() -> None:
    header = ["Клиент", "Сума"]
    body = [["=cmd|' /C calc'!A0", Decimal("-12.50")], ["+359 888", Decimal("1.00")]]
    rows = list(csv.reader(io.StringIO(exports.to_csv(header, body).decode("utf-8-sig"))))
    assert rows[1] == ["'=cmd|' /C calc'!A0", "-12.50"] and rows[2][0] == "'+359 888"
    sheet = load_workbook(io.BytesIO(exports.to_xlsx("Т", header, body))).active
    assert sheet["A2"].value == "'=cmd|' /C calc'!A0" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == Decimal("-12.50") or sheet["B2"].value == -12.5
