"""A configurable document export (CSV or XML): header, lines, VAT breakdown, payments and the
void flag of every document. The presets of Бизнес Навигатор, ЕДИС-АСО and Профит are instances
with their own settings; a company may override any setting (`context.options`).

Settings (`DocumentPreset`):
- `format`: "csv" or "xml"; `encoding`: "cp1251" or "utf-8"; `line_end`: "\\r\\n" or "\\n";
- CSV: `delimiter`, `decimal_point`, `date_format`; one row per record part, the first column
  says which: H (header), L (line), V (VAT row), P (payment), W (write-off: the documents it
  closed) followed by its J rows (journal lines: account, analytics, debit, credit);
- XML: `root`, element names fixed (see `_xml_record`), dates ISO, amounts with ".".
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any
from xml.sax.saxutils import XMLGenerator
from xml.sax.xmlreader import AttributesImpl

from xfinances.accounting.exporters.base import (
    ExportContext,
    Exporter,
    RecordSource,
    Sink,
    money,
)
from xfinances.accounting.records import ExportRecord, RecordKind


@dataclass(frozen=True)
class DocumentPreset:
    filename: str
    format: str = "csv"
    encoding: str = "cp1251"
    line_end: str = "\r\n"
    delimiter: str = ";"
    decimal_point: str = "."
    date_format: str = "%d.%m.%Y"
    root: str = "Documents"

    def with_options(self, options: dict[str, Any]) -> DocumentPreset:
        known = {k: v for k, v in options.items() if k in self.__dataclass_fields__}
        return replace(self, **known)


def neutral(value: str) -> str:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe."""
    text = str(value or "")
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def csv_rows(record: ExportRecord, preset: DocumentPreset) -> Iterator[list[str]]:
    def amount(value: Any) -> str:
        return money(value, preset.decimal_point)

    def day(value: Any) -> str:
        return value.strftime(preset.date_format) if value else ""

    party = record.party
    yield [
        "H",
        record.kind,
        record.document_type,
        record.nap_code,
        neutral(record.number),
        day(record.date),
        day(record.tax_event_date),
        neutral(party.name),
        party.eik,
        party.vat_number,
        neutral(party.city),
        neutral(party.address),
        record.currency,
        amount(record.base),
        amount(record.vat),
        amount(record.total),
        record.document_currency,
        amount(record.document_total),
        "1" if record.voided else "0",
        "1" if record.void_reversal else "0",
        neutral(record.corrected_number),
        day(record.corrected_date),
        record.payment_method,
        day(record.due_date),
    ]
    for line in record.lines:
        yield [
            "L",
            str(line.position),
            neutral(line.description),
            str(line.quantity),
            line.unit,
            str(line.unit_price),
            amount(line.net),
            line.vat_code,
            "" if line.vat_rate is None else str(line.vat_rate),
        ]
    for row in record.vat_rows:
        yield [
            "V",
            row.column,
            row.vat_column,
            row.vat_code,
            "" if row.rate is None else str(row.rate),
            amount(row.base),
            amount(row.vat),
        ]
    if record.kind == RecordKind.PAYMENT:
        yield ["P", neutral(record.money_account), *(neutral(n) for n in record.related_numbers)]
    if record.kind == RecordKind.WRITE_OFF:
        # No VAT row and no program document to lean on: the entry itself is the content.
        yield ["W", *(neutral(n) for n in record.related_numbers)]
        for entry in record.journal:
            for jline in entry.lines:
                yield [
                    "J",
                    jline.account,
                    neutral(jline.analytics),
                    amount(jline.debit),
                    amount(jline.credit),
                ]


def write_csv(records: Iterator[ExportRecord], preset: DocumentPreset, out: Any) -> None:
    text = io.TextIOWrapper(out, encoding=preset.encoding, errors="replace", newline="")
    writer = csv.writer(text, delimiter=preset.delimiter, lineterminator=preset.line_end)
    for record in records:
        writer.writerows(csv_rows(record, preset))
    text.flush()
    text.detach()


def write_xml(records: Iterator[ExportRecord], preset: DocumentPreset, out: Any) -> None:
    text = io.TextIOWrapper(out, encoding=preset.encoding, errors="xmlcharrefreplace", newline="")
    xml = XMLGenerator(text, encoding=preset.encoding, short_empty_elements=False)
    text.write(f'<?xml version="1.0" encoding="{preset.encoding}"?>{preset.line_end}')
    _start(xml, preset.root, {})
    text.write(preset.line_end)
    for record in records:
        _xml_record(xml, record)
        text.write(preset.line_end)
    xml.endElement(preset.root)
    text.write(preset.line_end)
    text.flush()
    text.detach()


def _start(xml: XMLGenerator, name: str, attrs: dict[str, str]) -> None:
    xml.startElement(name, AttributesImpl(attrs))


def _el(xml: XMLGenerator, name: str, value: Any, attrs: dict[str, str] | None = None) -> None:
    _start(xml, name, attrs or {})
    xml.characters(str(value if value is not None else ""))
    xml.endElement(name)


def _xml_record(xml: XMLGenerator, record: ExportRecord) -> None:
    party = record.party
    _start(
        xml,
        "Document",
        {
            "kind": str(record.kind),
            "type": str(record.document_type),
            "code": record.nap_code,
            "voided": "1" if record.voided else "0",
            "reversal": "1" if record.void_reversal else "0",
        },
    )
    _el(xml, "Number", record.number)
    _el(xml, "Date", record.date.isoformat())
    _el(xml, "TaxEventDate", record.tax_event_date.isoformat() if record.tax_event_date else "")
    _start(xml, "Partner", {"id": party.number})
    _el(xml, "Name", party.name)
    _el(xml, "EIK", party.eik)
    _el(xml, "VATNumber", party.vat_number)
    _el(xml, "City", party.city)
    _el(xml, "Address", party.address)
    xml.endElement("Partner")
    _el(xml, "Currency", record.currency)
    _el(xml, "Base", money(record.base))
    _el(xml, "VAT", money(record.vat))
    _el(xml, "Total", money(record.total))
    if record.corrected_number:
        _el(xml, "Corrects", record.corrected_number)
    if record.lines:
        _start(xml, "Lines", {})
        for line in record.lines:
            _start(xml, "Line", {"position": str(line.position)})
            _el(xml, "Description", line.description)
            _el(xml, "Quantity", line.quantity)
            _el(xml, "Unit", line.unit)
            _el(xml, "UnitPrice", line.unit_price)
            _el(xml, "Net", money(line.net))
            _el(xml, "VATCode", line.vat_code)
            xml.endElement("Line")
        xml.endElement("Lines")
    _start(xml, "VATBreakdown", {})
    for row in record.vat_rows:
        attrs = {"column": row.column, "vatColumn": row.vat_column, "code": row.vat_code}
        _start(xml, "Row", attrs)
        _el(xml, "Rate", "" if row.rate is None else row.rate)
        _el(xml, "Base", money(row.base))
        _el(xml, "VAT", money(row.vat))
        xml.endElement("Row")
    xml.endElement("VATBreakdown")
    if record.kind == RecordKind.PAYMENT:
        _start(xml, "Payment", {"account": record.money_account})
        for number in record.related_numbers:
            _el(xml, "Document", number)
        xml.endElement("Payment")
    if record.kind == RecordKind.WRITE_OFF:
        _start(xml, "WriteOff", {})
        for number in record.related_numbers:
            _el(xml, "Document", number)
        _start(xml, "Journal", {})
        for entry in record.journal:
            for jline in entry.lines:
                _start(xml, "Line", {"account": jline.account, "analytics": jline.analytics})
                _el(xml, "Debit", money(jline.debit))
                _el(xml, "Credit", money(jline.credit))
                xml.endElement("Line")
        xml.endElement("Journal")
        xml.endElement("WriteOff")
    xml.endElement("Document")


class DocumentExporter(Exporter):
    """A vendor's preset of the configurable document export."""

    needs_lines = True
    kinds = frozenset(
        {RecordKind.SALE, RecordKind.PURCHASE, RecordKind.PAYMENT, RecordKind.WRITE_OFF}
    )

    def __init__(self, name: str, label: str, preset: DocumentPreset):
        self.name = name
        self.label = label
        self.preset = preset

    def write(self, context: ExportContext, records: RecordSource, sink: Sink) -> None:
        preset = self.preset.with_options(context.options)
        kinds = [k for k in (context.options.get("kinds") or self.kinds) if k in self.kinds]
        stream = records(kinds, with_lines=True)
        with sink.open(preset.filename) as out:
            if preset.format == "xml":
                write_xml(stream, preset, out)
            else:
                write_csv(stream, preset, out)

    def filenames(self, context: ExportContext) -> list[str]:
        return [self.preset.with_options(context.options).filename]
