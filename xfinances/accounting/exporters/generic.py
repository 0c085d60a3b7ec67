"""Targets `csv` and `xlsx`: one flat row per record (UTF-8 CSV; an XLSX sheet written in
constant memory). Text cells starting with = + - @ are neutralised (a leading apostrophe in
CSV, a string cell in XLSX) so no spreadsheet runs them as formulas."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from xfinances.accounting import nap
from xfinances.accounting.exporters.base import (
    ExportContext,
    Exporter,
    RecordSource,
    Sink,
    money,
    register,
)
from xfinances.accounting.exporters.documents import neutral
from xfinances.accounting.records import ExportRecord, RecordKind

HEADERS = [
    "kind",
    "type",
    "code",
    "number",
    "date",
    "partner_id",
    "partner",
    "eik",
    "vat_number",
    "currency",
    "base",
    "vat",
    "total",
    "voided",
    "reversal",
    *nap.SALES_AMOUNTS,
    *nap.PURCHASE_AMOUNTS,
    "journal",
]


def row_of(record: ExportRecord) -> list[Any]:
    """Amounts as Decimal, text as given (neutralised by the writer)."""
    party = record.party
    sales = nap.sales_values(record) if record.kind == RecordKind.SALE else {}
    purchases = nap.purchase_values(record) if record.kind == RecordKind.PURCHASE else {}
    journal = "; ".join(
        f"{line.account} {money(line.debit)}/{money(line.credit)}"
        for entry in record.journal
        for line in entry.lines
    )
    return [
        str(record.kind),
        str(record.document_type),
        record.nap_code,
        record.number,
        record.date,
        party.number,
        party.name,
        party.eik,
        party.vat_number,
        record.currency,
        record.base,
        record.vat,
        record.total,
        record.voided,
        record.void_reversal,
        *(sales.get(code, Decimal("0.00")) for code in nap.SALES_AMOUNTS),
        *(purchases.get(code, Decimal("0.00")) for code in nap.PURCHASE_AMOUNTS),
        journal,
    ]


def _csv_cell(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return money(value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return neutral(str(value))


class CsvExporter(Exporter):
    name = "csv"
    label = "CSV"

    def write(self, context: ExportContext, records: RecordSource, sink: Sink) -> None:
        kinds = context.options.get("kinds") or self.kinds
        with sink.open(f"export-{context.period}.csv") as out:
            text = io.TextIOWrapper(out, encoding="utf-8", newline="")
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow(HEADERS)
            for record in records(kinds):
                writer.writerow([_csv_cell(v) for v in row_of(record)])
            text.flush()
            text.detach()

    def filenames(self, context: ExportContext) -> list[str]:
        return [f"export-{context.period}.csv"]


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, str):
        # openpyxl treats a string starting with "=" as a formula: keep it text.
        return neutral(value) if value[:1] == "=" else value
    return value


class XlsxExporter(Exporter):
    name = "xlsx"
    label = "Excel (XLSX)"

    def write(self, context: ExportContext, records: RecordSource, sink: Sink) -> None:
        kinds = context.options.get("kinds") or self.kinds
        book = Workbook(write_only=True)
        sheet = book.create_sheet(context.period)
        sheet.append(HEADERS)
        for record in records(kinds):
            sheet.append([_xlsx_cell(v) for v in _rows(record)])
        with sink.open(f"export-{context.period}.xlsx") as out:
            book.save(out)

    def filenames(self, context: ExportContext) -> list[str]:
        return [f"export-{context.period}.xlsx"]


def _rows(record: ExportRecord) -> Iterator[Any]:
    for value in row_of(record):
        yield neutral(value) if isinstance(value, str) else value


register(CsvExporter())
register(XlsxExporter())
