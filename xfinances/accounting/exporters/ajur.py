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
from typing import BinaryIO

from xfinances.accounting import nap
from xfinances.accounting.exporters.base import (
    ExportContext,
    Exporter,
    RecordSource,
    Sink,
    money,
    register,
)
from xfinances.accounting.money_records import NOTE_DIFFERENCE_SOURCE
from xfinances.accounting.records import (
    ZERO,
    AccountMapping,
    DocumentType,
    ExportRecord,
    JournalEntry,
    JournalLine,
    PartyRecord,
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
    DocumentType.WRITE_OFF: "Сч. справка",
}

OPERATION_WORDS = {
    RecordKind.SALE: "Продажба",
    RecordKind.PURCHASE: "Покупка",
    RecordKind.PAYMENT: "Плащане",
    RecordKind.CASH: "Каса",
    RecordKind.BANK: "Банка",
    RecordKind.WRITE_OFF: "Отписване",
}
#: Accounting notes that are no write-off, by their source.
SOURCE_OPERATION_WORDS = {NOTE_DIFFERENCE_SOURCE: "Курсова разлика"}

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
    text = value if isinstance(value, str) else str(value or "")
    if "#" in text or "@@" in text or "\r" in text or "\n" in text or "\t" in text:
        text = text.translate(_SEPARATORS)
        return text.replace("@@", " ") if "@@" in text else text
    return text  # the usual field: nothing to replace (no translated copy made)


def _date(day: dt.date) -> str:
    return f"{day.day:02d}.{day.month:02d}.{day.year:04d}"


#: Dates and parties repeat across a month's records: their text is made once (both caches
#: cleared when this many, so memory stays flat).
TEXT_CACHE = 5000


class _Texts:
    """The text of repeated fields (dates, a party's VAT-line fields) made once per export.
    A party is keyed by identity (building.py shares one `PartyRecord` per client); the record
    is kept beside its text so an id is never reused while cached."""

    def __init__(self) -> None:
        self.dates: dict[dt.date, str] = {}
        self.parties: dict[int, tuple[PartyRecord, str]] = {}

    def date(self, day: dt.date) -> str:
        text = self.dates.get(day)
        if text is None:
            if len(self.dates) > TEXT_CACHE:
                self.dates.clear()
            text = self.dates[day] = _date(day)
        return text

    def party(self, party: PartyRecord) -> str:
        found = self.parties.get(id(party))
        if found is not None and found[0] is party:
            return found[1]
        if len(self.parties) > TEXT_CACHE:
            self.parties.clear()
        text = _party_fields(party)
        self.parties[id(party)] = (party, text)
        return text


Pair = tuple[str, str, str, str, Decimal]


def pairs(entry: JournalEntry) -> Iterator[Pair]:
    """(debit account, analytics, credit account, analytics, amount): the entry as simple
    two-account operations. Amounts of one sign are matched greedily; a red-storno entry
    (all negative) gives negative amounts."""
    return iter(_pairs(entry))


def _pairs(entry: JournalEntry) -> list[Pair]:
    debits: list[JournalLine] = []
    credits: list[JournalLine] = []
    for line in entry.lines:  # one pass (a line with both sides is on both lists)
        if line.debit:
            debits.append(line)
        if line.credit:
            credits.append(line)
    found: list[Pair] = []
    if not debits or not credits:
        return found
    d = c = 0
    debit, credit = debits[0], credits[0]
    debit_left, credit_left = debit.debit, credit.credit
    while True:
        amount = debit_left if abs(debit_left) <= abs(credit_left) else credit_left
        found.append((debit.account, debit.analytics, credit.account, credit.analytics, amount))
        debit_left -= amount
        credit_left -= amount
        if not debit_left:
            d += 1
            if d == len(debits):
                return found
            debit = debits[d]
            debit_left = debit.debit
        if not credit_left:
            c += 1
            if c == len(credits):
                return found
            credit = credits[c]
            credit_left = credit.credit


def _operation_lines(
    record: ExportRecord, archive: int, texts: _Texts, parties: tuple[str, ...]
) -> list[str]:
    lines: list[str] = []
    if not record.journal:
        return lines
    foreign = record.document_currency and record.document_currency != record.currency
    fx = currency = ""
    # What every line of the record repeats, made once: operation, number, date, archive.
    operation = SOURCE_OPERATION_WORDS.get(record.source) or OPERATION_WORDS[record.kind]
    start = f"{operation}#{_text(record.number)}#{texts.date(record.date)}#{archive}#"
    word = DOCUMENT_WORDS[record.document_type]
    for entry in record.journal:
        head = f"{start}{_text(entry.description)}#{word}@@"
        base, party = record.total, _party_line(record, entry, parties) if foreign else None
        if party is not None:
            base = party.debit or party.credit
        for debit, d_an, credit, c_an, amount in _pairs(entry):
            if foreign and base:
                if party is None or party.account in (debit, credit):
                    fx = money(amount * record.document_total / base)
                    currency = CURRENCY_NAMES.get(
                        record.document_currency, record.document_currency
                    )
                else:  # the exchange difference against the expense or income: no currency
                    fx = currency = ""
            lines.append(
                f"{head}{debit}#{_text(d_an)}@@{credit}#{_text(c_an)}"
                f"@@{money(amount)}##{fx}#{currency}"
            )
    return lines


def _party_line(
    record: ExportRecord, entry: JournalEntry, parties: tuple[str, ...]
) -> JournalLine | None:
    """A foreign-currency write-off with an exchange difference (three lines): its party's line,
    which carries the written-off amount at its booked value. The foreign amount goes with
    that line, so the party's account in the currency closes; the operation of the difference
    against the expense or income has none. None for every other entry (its foreign amount is
    shared by the record's total, as before)."""
    if record.kind != RecordKind.WRITE_OFF or len(entry.lines) < 3:
        return None
    return next((line for line in entry.lines if line.account in parties), None)


def operation_lines(
    record: ExportRecord, archive: int, mapping: AccountMapping | None = None
) -> Iterator[str]:
    mapping = mapping or AccountMapping()
    return iter(
        _operation_lines(record, archive, _Texts(), (mapping.receivables, mapping.payables))
    )


def _party_fields(party: PartyRecord) -> str:
    return (
        f"{_text(party.number)}#{_text(party.name)}"
        f"#{party.eik or '999999999999999'}#{party.vat_number}"
    )


def _vat_line(record: ExportRecord, texts: _Texts) -> str:
    if record.kind == RecordKind.SALE:
        word, columns, sums = "ДДСПР", _SALES, True
    else:
        word, columns, sums = "ДДСПК", _PURCHASES, False
    return (
        f"{word}#{DOCUMENT_WORDS[record.document_type]}#{_text(record.number)}"
        f"#{texts.date(record.date)}@@{texts.party(record.party)}"
        f"@@{_amounts(record, columns, sums)}"
    )


def _amounts(record: ExportRecord, columns: dict[str, int], sums: bool) -> str:
    """The ledger's amount columns joined by "#", as `nap.sales_values` (`purchase_values`)
    gives them: each touched column is 0.00 plus its rows in order, the totals 02-10 and 02-20
    the sums of their columns, the rest 0.00 (a record touches two to six of seventeen)."""
    touched: dict[str, Decimal] = {}
    get = touched.get
    for row in record.vat_rows:
        if row.column in columns:
            touched[row.column] = get(row.column, ZERO) + row.base
        if row.vat_column in columns:
            touched[row.vat_column] = get(row.vat_column, ZERO) + row.vat
    if sums:
        touched["02-10"] = (
            get("02-11", ZERO) + get("02-12", ZERO) + get("02-13", ZERO) + get("02-26", ZERO)
        )
        touched["02-20"] = (
            get("02-21", ZERO) + get("02-22", ZERO) + get("02-23", ZERO) + get("02-24", ZERO)
        )
    parts = [_ZERO_TEXT] * len(columns)
    for code, value in touched.items():
        parts[columns[code]] = money(value)
    return "#".join(parts)


def vat_line(record: ExportRecord) -> str:
    return _vat_line(record, _Texts())


_ZERO_TEXT = money(ZERO)
#: Each ledger's amount columns (PRODAGBI / POKUPKI order) → their place in the line.
_SALES = {code: place for place, code in enumerate(nap.SALES_AMOUNTS)}
_PURCHASES = {code: place for place, code in enumerate(nap.PURCHASE_AMOUNTS)}
#: Lines encoded and written together (one `str.encode` per batch, not per line).
BATCH = 2000


class AjurExporter(Exporter):
    name = "ajur"
    label = "Ажур"

    def write(self, context: ExportContext, records: RecordSource, sink: Sink) -> None:
        kinds = context.options.get("kinds") or self.kinds
        texts = _Texts()
        parties = (context.mapping.receivables, context.mapping.payables)
        ledgers = (RecordKind.SALE, RecordKind.PURCHASE)
        with sink.open(FILENAME) as out:
            batch: list[str] = []
            add, extend = batch.append, batch.extend
            for archive, record in enumerate(records(kinds), start=1):
                extend(_operation_lines(record, archive, texts, parties))
                if record.kind in ledgers:
                    add(_vat_line(record, texts))
                if len(batch) >= BATCH:
                    _flush(batch, out)
            _flush(batch, out)

    def filenames(self, context: ExportContext) -> list[str]:
        return [FILENAME]


def _flush(batch: list[str], out: BinaryIO) -> None:
    """Write the lines as one windows-1251 block, each ended by CRLF ("?" for a character
    windows-1251 lacks, as `nap.encode` writes a line), and empty the batch."""
    if batch:
        batch.append("")
        out.write("\r\n".join(batch).encode(nap.ENCODING, errors="replace"))
        batch.clear()


register(AjurExporter())
