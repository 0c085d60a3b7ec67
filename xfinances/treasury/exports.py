"""Files of the cash-flow report: XLSX (openpyxl) and PDF (Typst through `core.printing`, with
its vendored Inter fonts). Both render the same `CashflowReport`."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from xfinances.core.models import Company
from xfinances.core.money import format_amount
from xfinances.core.printing import compile_template
from xfinances.core.spreadsheets import safe_row
from xfinances.treasury.cashflow import Amounts, CashflowLine, CashflowReport

CASHFLOW_TEMPLATE = Path(__file__).resolve().parent / "pdf_templates" / "cashflow.typ"
MONEY_FORMAT = "#,##0.00"


def _headers(report: CashflowReport, first: str) -> list[str]:
    row = [first]
    for period in report.periods:
        row += [
            f"{_('In')} {period.label}",
            f"{_('Out')} {period.label}",
            f"{_('Net')} {period.label}",
        ]
    return row


def _values(periods: list[Amounts]) -> list[Decimal]:
    values: list[Decimal] = []
    for amounts in periods:
        values += [amounts.money_in, amounts.money_out, amounts.net]
    return values


def cashflow_xlsx(report: CashflowReport, company: Company) -> bytes:
    """Two sheets (by category, by account) with a totals row; amounts are numbers."""
    book = Workbook()
    sheets: list[tuple[str, str, list[CashflowLine]]] = [
        (_("By category"), _("Category"), report.by_category),
        (_("By account"), _("Account"), report.by_account),
    ]
    first = True
    for title, column, lines in sheets:
        sheet = book.active if first else book.create_sheet()
        assert sheet is not None
        first = False
        sheet.title = title[:31]
        sheet.append(safe_row([f"{company.name} · {_('Cash flow')} · {report.current.label}"]))
        sheet.append([f"{_('Currency')}: {report.currency}"])
        sheet.append(_headers(report, column))
        for cell in sheet[3]:
            cell.font = Font(bold=True)
        for line in lines:
            sheet.append(safe_row([line.name, *_values(line.periods)]))
        sheet.append([_("Total"), *_values(report.totals)])
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        for row in sheet.iter_rows(min_row=4, min_col=2):
            for cell in row:
                cell.number_format = MONEY_FORMAT
        sheet.column_dimensions["A"].width = 32
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def _text_lines(lines: list[CashflowLine]) -> list[list[str]]:
    return [[line.name, *(format_amount(v) for v in _values(line.periods))] for line in lines]


def cashflow_pdf_data(report: CashflowReport, company: Company) -> dict[str, Any]:
    return {
        "title": _("Cash flow"),
        "company": f"{company.name}, ЕИК {company.eik}",
        "period": report.current.label,
        "currency": report.currency,
        "opening_label": _("Opening balance"),
        "opening": format_amount(report.opening),
        "closing_label": _("Closing balance"),
        "closing": format_amount(report.closing),
        "columns": len(report.periods) * 3 + 1,
        "sections": [
            {
                "title": _("By category"),
                "header": _headers(report, _("Category")),
                "rows": _text_lines(report.by_category),
            },
            {
                "title": _("By account"),
                "header": _headers(report, _("Account")),
                "rows": _text_lines(report.by_account),
            },
        ],
        "total": [_("Total"), *(format_amount(v) for v in _values(report.totals))],
    }


def cashflow_pdf(report: CashflowReport, company: Company) -> bytes:
    """The report laid out by Typst on A4 landscape (one compiler kept and reused)."""
    return compile_template(CASHFLOW_TEMPLATE, cashflow_pdf_data(report, company))
