"""The document list as a file (CSV for spreadsheets, XLSX): the filtered documents with their
totals and payment state, the same rows the list page shows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from xfinances.invoicing.models import Document

MONEY_FORMAT = "#,##0.00"
MONEY_COLUMNS = range(6, 11)


def documents_table(documents: Iterable[Document]) -> tuple[list[str], list[list[Any]]]:
    header = [
        _("Number"),
        _("Kind"),
        _("Status"),
        _("Issue date"),
        _("Due date"),
        _("Client"),
        _("Total"),
        _("Paid"),
        _("Credited"),
        _("Written off"),
        _("Outstanding"),
        _("Currency"),
        _("Payment status"),
    ]
    body = [
        [
            d.number or "",
            str(d.get_kind_display()),
            str(d.get_status_display()),
            d.issue_date,
            d.due_date,
            d.recipient_name,
            d.total,
            d.paid_amount,
            d.credited_amount,
            d.written_off_amount,
            d.outstanding_amount,
            d.currency,
            str(d.get_payment_status_display()) if d.has_payment_status else "",
        ]
        for d in documents
    ]
    return header, body


def to_csv(header: list[str], body: list[list[Any]]) -> bytes:
    """UTF-8 with a BOM (Excel opens Cyrillic right), dates ISO, amounts with a dot."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in body:
        writer.writerow(["" if value is None else value for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(title: str, header: list[str], body: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in body:
        sheet.append(row)
    for column in MONEY_COLUMNS:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column + 1, max_col=column + 1):
            cell.number_format = MONEY_FORMAT
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
