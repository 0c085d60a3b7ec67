"""Target `ajur`: the Ажур operations text file with its VAT-ledger lines.

One accounting operation per CRLF line, windows-1251, fields separated by `#`, groups by `@@`
(accounting-exports.md). A journal entry becomes one operation line per debit/credit pair:

    <operation>#<number>#<dd.mm.yyyy>#<archive no>#<description>#<doc type>
    @@<debit account>#<debit analytics>@@<credit account>#<credit analytics>
    @@<amount in local currency>#<quantity>#<amount in foreign currency>#<currency name>

A sales or purchase document is followed by its VAT-ledger line:

    ДДСПР|ДДСПК#<doc type>#<number>#<dd.mm.yyyy>@@<partner no>#<name>#<ЕИК or 15 nines>#<VAT no>
    @@<amounts in the order of the PRODAGBI (POKUPKI) columns>

(the line above is broken for reading; in the file it is one line). The layout follows the
public descriptions of the format; correct it here from a real import sample.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
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
from xfinances.accounting.records import (
    ZERO,
    DocumentType,
    ExportRecord,
    JournalEntry,
    RecordKind,
)

FILENAME = "AJUR.TXT"

DOCUMENT_WORDS = {
    DocumentType.INVOICE: "Ф-ра",
    DocumentType.DEBIT_NOTE: "ДИ",
    DocumentType.CREDIT_NOTE: "КИ",
    DocumentType.PROTOCOL: "Протокол",
    DocumentType.CASH_RECEIPT: "ПКО",
    DocumentType.CASH_PAYMENT: "РКО",
    DocumentType.BANK_ENTRY: "БИ",
}

OPERATION_WORDS = {
    RecordKind.SALE: "Продажба",
    RecordKind.PURCHASE: "Покупка",
    RecordKind.PAYMENT: "Плащане",
    RecordKind.CASH: "Каса",
    RecordKind.BANK: "Банка",
}

CURRENCY_NAMES = {
    "BGN": "Лев",
    "EUR": "Евро",
    "USD": "Щатски долар",
    "GBP": "Британска лира",
    "CHF": "Швейцарски франк",
    "RON": "Румънска лея",
}


_SEPARATORS = str.maketrans({"#": " ", "\r": " ", "\n": " ", "\t": " "})


def _text(value: str) -> str:
    """No field or group separator inside a field."""
    text = str(value or "").translate(_SEPARATORS)
    return text.replace("@@", " ") if "@@" in text else text


def _date(day: dt.date) -> str:
    return f"{day.day:02d}.{day.month:02d}.{day.year:04d}"


def pairs(entry: JournalEntry) -> Iterator[tuple[str, str, str, str, Decimal]]:
    """(debit account, analytics, credit account, analytics, amount): the entry as simple
    two-account operations. Amounts of one sign are matched greedily; a red-storno entry
    (all negative) gives negative amounts."""
    debits = [(x.account, x.analytics) for x in entry.lines if x.debit]
    debit_left = [x.debit for x in entry.lines if x.debit]
    credits = [(x.account, x.analytics) for x in entry.lines if x.credit]
    credit_left = [x.credit for x in entry.lines if x.credit]
    d = c = 0
    while d < len(debits) and c < len(credits):
        left, right = debit_left[d], credit_left[c]
        amount = left if abs(left) <= abs(right) else right
        yield debits[d][0], debits[d][1], credits[c][0], credits[c][1], amount
        debit_left[d] -= amount
        credit_left[c] -= amount
        if not debit_left[d]:
            d += 1
        if not credit_left[c]:
            c += 1


def operation_lines(record: ExportRecord, archive: int) -> Iterator[str]:
    foreign = record.document_currency and record.document_currency != record.currency
    for entry in record.journal:
        for debit, d_an, credit, c_an, amount in pairs(entry):
            fx, currency = "", ""
            if foreign and record.total:
                share = amount * record.document_total / record.total
                fx = money(share)
                currency = CURRENCY_NAMES.get(record.document_currency, record.document_currency)
            head = "#".join(
                [
                    OPERATION_WORDS[record.kind],
                    _text(record.number),
                    _date(record.date),
                    str(archive),
                    _text(entry.description),
                    DOCUMENT_WORDS[record.document_type],
                ]
            )
            yield "@@".join(
                [
                    head,
                    f"{debit}#{_text(d_an)}",
                    f"{credit}#{_text(c_an)}",
                    f"{money(amount)}##{fx}#{currency}",
                ]
            )


def vat_line(record: ExportRecord) -> str:
    if record.kind == RecordKind.SALE:
        word, values = "ДДСПР", nap.sales_values(record)
        columns = nap.SALES_AMOUNTS
    else:
        word, values = "ДДСПК", nap.purchase_values(record)
        columns = nap.PURCHASE_AMOUNTS
    party = record.party
    return "@@".join(
        [
            "#".join(
                [
                    word,
                    DOCUMENT_WORDS[record.document_type],
                    _text(record.number),
                    _date(record.date),
                ]
            ),
            "#".join(
                [
                    _text(party.number),
                    _text(party.name),
                    party.eik or "999999999999999",
                    party.vat_number,
                ]
            ),
            "#".join(money(values.get(code, ZERO)) for code in columns),
        ]
    )


class AjurExporter(Exporter):
    name = "ajur"
    label = "Ажур"

    def write(self, context: ExportContext, records: RecordSource, sink: Sink) -> None:
        kinds = context.options.get("kinds") or self.kinds
        with sink.open(FILENAME) as out:
            for archive, record in enumerate(records(kinds), start=1):
                for line in operation_lines(record, archive):
                    out.write(nap.encode(line))
                if record.kind in (RecordKind.SALE, RecordKind.PURCHASE):
                    out.write(nap.encode(vat_line(record)))

    def filenames(self, context: ExportContext) -> list[str]:
        return [FILENAME]


register(AjurExporter())
