"""Target `microinvest`: Microinvest Делта `Import.txt`.

windows-1251, CRLF, no header, 16 fields separated by `|` (accounting-exports.md): operation |
date dd.mm.yyyy | 10-digit document number | document type (Ф-ра, КИ, ДИ) | amount | tax code
(16 = 20 %, 20 = 9 %, 21 = 0 % and no VAT) | partner name | МОЛ | city | address | VAT number |
ЕИК | bank | description | note | real VAT. One line per VAT row of a document; the amount is the
row's tax base; "real VAT" is our VAT of the row (option `real_vat: "computed"` writes -1 and
lets Делта compute it).
"""

from __future__ import annotations

from decimal import Decimal

from xfinances.accounting import nap
from xfinances.accounting.exporters.base import (
    ExportContext,
    Exporter,
    RecordSource,
    Sink,
    money,
    register,
)
from xfinances.accounting.records import DocumentType, ExportRecord, RecordKind

FILENAME = "Import.txt"
DOCUMENT_WORDS = {
    DocumentType.INVOICE: "Ф-ра",
    DocumentType.DEBIT_NOTE: "ДИ",
    DocumentType.CREDIT_NOTE: "КИ",
    DocumentType.PROTOCOL: "Ф-ра",
}


def tax_code(rate: Decimal | None) -> str:
    """16 = 20 %, 20 = 9 %, 21 = 0 % (and no VAT charged)."""
    if rate is not None and rate == 20:
        return "16"
    if rate is not None and rate == 9:
        return "20"
    return "21"


def _text(value: str) -> str:
    return " ".join(str(value or "").replace("|", " ").split())


def number10(number: str) -> str:
    digits = number.strip()
    return digits.zfill(10) if digits.isdigit() and len(digits) <= 10 else digits


def lines(record: ExportRecord, options: dict[str, object]) -> list[str]:
    sale = record.kind == RecordKind.SALE
    operation = str(options.get("sale_operation" if sale else "purchase_operation") or "")
    operation = operation or ("Продажба" if sale else "Покупка")
    party = record.party
    found = []
    for row in record.vat_rows:
        code = tax_code(row.rate)
        vat = "-1" if options.get("real_vat") == "computed" else money(row.vat)
        found.append(
            "|".join(
                [
                    operation,
                    record.date.strftime("%d.%m.%Y"),
                    number10(record.number),
                    DOCUMENT_WORDS[record.document_type],
                    money(row.base),
                    code,
                    _text(party.name),
                    _text(party.mol),
                    _text(party.city),
                    _text(party.address),
                    party.vat_number,
                    party.eik,
                    _text(party.bank),
                    operation,
                    _text(record.description)[:100],
                    vat,
                ]
            )
        )
    return found


class MicroinvestExporter(Exporter):
    name = "microinvest"
    label = "Microinvest Делта"
    kinds = frozenset({RecordKind.SALE, RecordKind.PURCHASE})

    def write(self, context: ExportContext, records: RecordSource, sink: Sink) -> None:
        kinds = [k for k in (context.options.get("kinds") or self.kinds) if k in self.kinds]
        with sink.open(FILENAME) as out:
            for record in records(kinds):
                for line in lines(record, context.options):
                    out.write(nap.encode(line))

    def filenames(self, context: ExportContext) -> list[str]:
        return [FILENAME]


register(MicroinvestExporter())
