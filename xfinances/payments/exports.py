"""Files of the receivables lists: CSV and XLSX (openpyxl) of the aging and the payments, and
the account statement of a client as XLSX and PDF (Typst through `core.printing`). Each file
renders the same query result the page shows."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
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
from xfinances.payments.aging import AGING_BUCKETS, AgingRow, Statement
from xfinances.payments.models import Payment

STATEMENT_TEMPLATE = Path(__file__).resolve().parent / "pdf_templates" / "statement.typ"
MONEY_FORMAT = "#,##0.00"


def aging_table(
    rows: Sequence[AgingRow], direction: str = "receivable"
) -> tuple[list[str], list[list[Any]]]:
    who = _("Supplier") if direction == "payable" else _("Client")
    header = [who, _("Currency"), *(str(label) for _k, label in AGING_BUCKETS), _("Total")]
    body = [
        [r.party_name, r.currency, *(r.buckets[k] for k, _l in AGING_BUCKETS), r.total]
        for r in rows
    ]
    return header, body


def payments_table(payments: Sequence[Payment]) -> tuple[list[str], list[list[Any]]]:
    header = [
        _("Date"),
        _("Direction"),
        _("Client or supplier"),
        _("Amount"),
        _("Currency"),
        _("Allocated"),
        _("Unallocated"),
        _("Bank reference"),
    ]
    body = [
        [
            p.date,
            p.get_direction_display(),
            p.party.name if p.party else "",
            p.amount,
            p.currency,
            p.allocated,
            p.unallocated,
            p.bank_reference,
        ]
        for p in payments
    ]
    return header, body


def statement_table(statement: Statement) -> tuple[list[str], list[list[Any]]]:
    header = [_("Date"), _("Entry"), _("Reference"), _("Debit"), _("Credit"), _("Balance")]
    body: list[list[Any]] = [
        [statement.date_from, _("Opening balance"), "", "", "", statement.opening]
    ]
    body += [[e.date, e.text, e.reference, e.debit, e.credit, e.balance] for e in statement.entries]
    body.append([statement.date_to, _("Closing balance"), "", "", "", statement.closing])
    return header, body


def to_csv(header: list[str], body: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(safe_row(header))
    for row in body:
        writer.writerow([str(v) for v in safe_row(row)])
    return ("\ufeff" + out.getvalue()).encode()


def to_xlsx(title: str, header: list[str], body: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in body:
        sheet.append(safe_row(row))
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, Decimal):
                cell.number_format = MONEY_FORMAT
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def statement_pdf(statement: Statement, company: Company) -> bytes:
    header, body = statement_table(statement)
    data = {
        "title": _("Account statement"),
        "company": f"{company.name}, ЕИК {company.eik}",
        "party": statement.party.name,
        "period": f"{statement.date_from:%d.%m.%Y} – {statement.date_to:%d.%m.%Y}",
        "currency": statement.currency,
        "header": header,
        "rows": [
            [
                v.strftime("%d.%m.%Y")
                if hasattr(v, "strftime")
                else format_amount(v)
                if isinstance(v, Decimal)
                else str(v)
                for v in row
            ]
            for row in body
        ],
        "opening_label": _("Opening balance"),
        "opening": format_amount(statement.opening),
        "closing_label": _("Closing balance"),
        "closing": format_amount(statement.closing),
    }
    return compile_template(STATEMENT_TEMPLATE, data)
