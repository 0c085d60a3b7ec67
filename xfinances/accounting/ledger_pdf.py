"""The VAT ledgers of a month as PDF (дневник за продажбите / дневник за покупките): A4
landscape, the company's header, the period, the columns of the readable ledger page with their
totals, the sums per NAP column, page numbers. Laid out by Typst through `core.printing`, in the
language active when it is rendered (Bulgarian or English)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from xfinances.accounting.building import Period
from xfinances.accounting.queries import LedgerView, ledger_view
from xfinances.accounting.records import ExportRecord
from xfinances.core import formatting
from xfinances.core.models import Company
from xfinances.core.printing import compile_template

TEMPLATE = Path(__file__).resolve().parent / "pdf_templates" / "vat_ledger.typ"
LEDGERS = ("sales", "purchases")
# A month's PDF lists at most this many rows (the totals always hold every document); a larger
# month is read from the NAP files or the exports, not printed.
MAX_ROWS = 5000
COLUMNS_PER_ROW = 5


def _company_lines(company: Company) -> list[str]:
    lines = [f"{_('ЕИК')} {company.eik}"]
    if company.vat_number:
        lines[0] += f" · {_('VAT number')} {company.vat_number}"
    place = ", ".join(part for part in (company.city, company.address) if part)
    if place:
        lines.append(place)
    return lines


def _row(number: int, record: ExportRecord, language: str) -> list[str]:
    return [
        str(number),
        record.nap_code,
        record.number,
        formatting.date(record.date, language),
        record.party.name,
        record.party.ledger_identifier,
        formatting.amount(record.base, language),
        formatting.amount(record.vat, language),
    ]


def _column_rows(columns: list[tuple[str, Decimal]], language: str) -> list[list[str]]:
    """The NAP column sums as (code, amount) pairs, COLUMNS_PER_ROW pairs to a table row."""
    cells = [[code, formatting.amount(amount, language)] for code, amount in columns]
    while len(cells) % COLUMNS_PER_ROW:
        cells.append(["", ""])
    return [
        [text for pair in cells[start : start + COLUMNS_PER_ROW] for text in pair]
        for start in range(0, len(cells), COLUMNS_PER_ROW)
    ]


def ledger_pdf_data(company: Company, view: LedgerView, ledger: str) -> dict[str, Any]:
    """The template's data: every text translated and every amount formatted here."""
    language = translation.get_language() or "bg"
    sales = ledger == "sales"
    records = view.sales if sales else view.purchases
    base, vat = view.sales_sum if sales else view.purchase_sum
    totals = view.sales_totals if sales else view.purchase_totals
    title = _("Sales ledger") if sales else _("Purchase ledger")
    note = ""
    if totals.rows > len(records):
        note = _("Only the first %(count)s rows are listed; the totals hold every document.") % {
            "count": len(records)
        }
    return {
        "lang": "bg" if language.startswith("bg") else "en",
        "title": title,
        "company": {"name": company.name, "lines": _company_lines(company)},
        "period_label": _("Period"),
        "period": view.period.label,
        "currency_label": _("Currency"),
        "currency": view.period.currency,
        "count_label": _("Documents"),
        "count": str(totals.rows),
        "header": [
            "#",
            _("Type"),
            _("Number"),
            _("Date"),
            _("Counterparty"),
            _("Identifier"),
            _("Tax base"),
            _("VAT"),
        ],
        "rows": [_row(n, record, language) for n, record in enumerate(records, start=1)],
        "total": [
            "",
            "",
            "",
            "",
            _("Total"),
            "",
            formatting.amount(base, language),
            formatting.amount(vat, language),
        ],
        "note": note,
        "columns_title": _("Totals per NAP column"),
        "columns_per_row": COLUMNS_PER_ROW,
        "columns": _column_rows(view.sales_columns if sales else view.purchase_columns, language),
        "footer": f"{company.name} · {title} · {view.period.label}",
        "page_label": _("Page"),
    }


def ledger_pdf(company: Company, period: Period, ledger: str) -> bytes:
    """The PDF of one ledger ("sales" or "purchases") of the month, rendered now."""
    if ledger not in LEDGERS:
        raise ValueError(f"unknown ledger {ledger!r}")
    view = ledger_view(company, period, max_rows=MAX_ROWS)
    return compile_template(TEMPLATE, ledger_pdf_data(company, view, ledger))


def filename(period: Period, ledger: str) -> str:
    return f"{'sales' if ledger == 'sales' else 'purchases'}-ledger-{period.code}.pdf"
