"""The NAP VAT ledger files PRODAGBI.TXT, POKUPKI.TXT and DEKLAR.TXT (pure, no database).

Layouts from /work/shared/domain/accounting-exports.md: fixed widths, windows-1251, CRLF; text
left-aligned and space-padded, numbers (row numbers, counts, amounts) right-aligned, amounts
with a decimal point and two decimals, dates `dd/mm/yyyy`, the period `YYYYMM`. Each layout is
a table of (field, width, kind); `LAYOUT_START` gives each field's 1-based start so the tests
check every position against the domain table.

Choices the domain text leaves open (documented in docs/decisions/0011-accounting-exports.md):
- 02-10 (total tax base) sums the base columns that carry VAT: 02-11, 02-12, 02-13, 02-26;
  02-20 (total VAT) sums 02-21, 02-22, 02-23, 02-24.
- The branch (02-02 / 03-02) is blank (head office).
- A character windows-1251 cannot hold is written as "?"; text longer than its field is cut.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import BinaryIO

from xfinances.accounting.records import ZERO, ExportRecord

ENCODING = "cp1251"
EOL = b"\r\n"

TEXT, NUMBER, AMOUNT, DATE = "text", "number", "amount", "date"

Layout = tuple[tuple[str, int, str], ...]

SALES_LAYOUT: Layout = (
    ("02-00", 15, TEXT),
    ("02-01", 6, TEXT),
    ("02-02", 4, TEXT),
    ("02-03", 15, NUMBER),
    ("02-04", 2, TEXT),
    ("02-05", 20, TEXT),
    ("02-06", 10, DATE),
    ("02-07", 15, TEXT),
    ("02-08", 50, TEXT),
    ("02-09", 30, TEXT),
    ("02-10", 15, AMOUNT),
    ("02-20", 15, AMOUNT),
    ("02-11", 15, AMOUNT),
    ("02-21", 15, AMOUNT),
    ("02-12", 15, AMOUNT),
    ("02-26", 15, AMOUNT),
    ("02-22", 15, AMOUNT),
    ("02-23", 15, AMOUNT),
    ("02-13", 15, AMOUNT),
    ("02-24", 15, AMOUNT),
    ("02-14", 15, AMOUNT),
    ("02-15", 15, AMOUNT),
    ("02-16", 15, AMOUNT),
    ("02-17", 15, AMOUNT),
    ("02-18", 15, AMOUNT),
    ("02-19", 15, AMOUNT),
    ("02-25", 15, AMOUNT),
    ("02-27", 2, TEXT),
)

PURCHASE_LAYOUT: Layout = (
    ("03-00", 15, TEXT),
    ("03-01", 6, TEXT),
    ("03-02", 4, TEXT),
    ("03-03", 15, NUMBER),
    ("03-04", 2, TEXT),
    ("03-05", 20, TEXT),
    ("03-06", 10, DATE),
    ("03-07", 15, TEXT),
    ("03-08", 50, TEXT),
    ("03-09", 30, TEXT),
    ("03-30", 15, AMOUNT),
    ("03-31", 15, AMOUNT),
    ("03-41", 15, AMOUNT),
    ("03-32", 15, AMOUNT),
    ("03-42", 15, AMOUNT),
    ("03-43", 15, AMOUNT),
    ("03-44", 15, AMOUNT),
    ("03-45", 2, TEXT),
)

DECLARATION_LAYOUT: Layout = (
    ("00-01", 15, TEXT),
    ("00-02", 50, TEXT),
    ("00-03", 6, TEXT),
    ("00-04", 50, TEXT),
    ("00-05", 15, NUMBER),
    ("00-06", 15, NUMBER),
    *(
        (code, 15, AMOUNT)
        for code in [
            "01-01",
            "01-20",
            "01-11",
            "01-21",
            "01-12",
            "01-22",
            "01-23",
            "01-13",
            "01-24",
            "01-14",
            "01-15",
            "01-16",
            "01-17",
            "01-18",
            "01-19",
            "01-30",
            "01-31",
            "01-41",
            "01-32",
            "01-42",
            "01-43",
        ]
    ),
    ("01-33", 4, AMOUNT),
    *(
        (code, 15, AMOUNT)
        for code in ("01-40", "01-50", "01-60", "01-70", "01-71", "01-80", "01-81", "01-82")
    ),
)

SALES_LINE, PURCHASE_LINE, DECLARATION_LINE = 424, 274, 590

SALES_TAXABLE_BASES = ("02-11", "02-12", "02-13", "02-26")
SALES_VATS = ("02-21", "02-22", "02-23", "02-24")
SALES_AMOUNTS = tuple(code for code, _w, kind in SALES_LAYOUT if kind == AMOUNT)
PURCHASE_AMOUNTS = tuple(code for code, _w, kind in PURCHASE_LAYOUT if kind == AMOUNT)


def starts(layout: Layout) -> dict[str, int]:
    """Each field's 1-based start position."""
    found, position = {}, 1
    for code, width, _kind in layout:
        found[code] = position
        position += width
    return found


def width_of(layout: Layout) -> int:
    return sum(width for _c, width, _k in layout)


class FieldOverflow(ValueError):
    """An amount or number wider than its field."""


_BLANKS = str.maketrans({"\r": " ", "\n": " ", "\t": " "})
_CENT = Decimal("0.01")


def _clean_text(value: object) -> str:
    """One line of text: control whitespace becomes a space. (Characters windows-1251 lacks
    become "?" when the whole line is encoded, one byte each, so widths hold.)"""
    text = value if isinstance(value, str) else str(value or "")
    if "\n" in text or "\r" in text or "\t" in text:
        return text.translate(_BLANKS)
    return text


def format_amount(value: Decimal) -> str:
    return str(Decimal(value).quantize(_CENT, rounding=ROUND_HALF_UP))


def _amount(value: object) -> Decimal:
    if not isinstance(value, Decimal):
        return ZERO
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def _number_arg(value: object) -> str:
    return str(value if value is not None else 0)


def _date_arg(value: object) -> str:
    if isinstance(value, dt.date):
        return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
    return ""


def _amount_arg(value: object) -> str:
    if value is None or value is ZERO:
        return "0.00"
    if isinstance(value, str):
        return value
    return str(_amount(value))


_CONVERT = {TEXT: _clean_text, NUMBER: _number_arg, AMOUNT: _amount_arg, DATE: _date_arg}
#: The ledgers' lines start with ten fields of the document (xx-00 … xx-09), then amounts.
HEAD_FIELDS = 10


class _Compiled:
    """A layout as one `str.format` template: text fields truncated and padded by the format
    (`{:<50.50}`), amounts `{:>15}` of a two-decimal Decimal, numbers `{:>15}`. A line longer
    than the layout means an amount or number overflowed: found and named on that slow path.

    Each field's converter is looked up once here, not per line (the ledgers write hundreds of
    thousands of lines: the per-field branching was most of their cost)."""

    def __init__(self, layout: Layout):
        self.layout = layout
        self.width = width_of(layout)
        parts = []
        for index, (_code, width, kind) in enumerate(layout):
            if kind in (AMOUNT, NUMBER):
                parts.append(f"{{{index}:>{width}}}")
            else:
                parts.append(f"{{{index}:<{width}.{width}}}")
        self.template = "".join(parts)
        self.fields = tuple((code, _CONVERT[kind]) for code, _width, kind in layout)
        self.head = tuple(convert for _code, convert in self.fields[:HEAD_FIELDS])
        self.tail = self.fields[HEAD_FIELDS:]
        # The amount columns after the head, in layout order, and the fields after them.
        amounts = [code for code, _width, kind in layout[HEAD_FIELDS:] if kind == AMOUNT]
        self.amount_codes = tuple(amounts)
        if self.tail[: len(amounts)] != tuple((c, _amount_arg) for c in amounts):
            self.amount_codes = ()  # not head + amounts + rest: only the general path
        self.rest = self.tail[len(self.amount_codes) :]

    def __call__(self, values: dict[str, object]) -> str:
        get = values.get
        return self._line([convert(get(code)) for code, convert in self.fields])

    def ledger(self, head: tuple[object, ...], amounts: dict[str, Decimal]) -> str:
        """A ledger line from its ten document fields in layout order and its amounts by
        column code (no merged dict per line)."""
        args = [convert(value) for convert, value in zip(self.head, head, strict=True)]
        get = amounts.get
        if self.amount_codes and tuple(amounts) == self.amount_codes:
            # sales_values / purchase_values give every column in layout order; most are zero,
            # and their text is known without a call.
            args += ["0.00" if v is ZERO else _amount_arg(v) for v in amounts.values()]
            args += [convert(get(code)) for code, convert in self.rest]
        else:
            args += [convert(get(code)) for code, convert in self.tail]
        return self._line(args)

    def _line(self, args: list[str]) -> str:
        line = self.template.format(*args)
        if len(line) != self.width:
            self._overflow(args)
        return line

    def _overflow(self, args: list[str]) -> None:
        for (code, width, _kind), value in zip(self.layout, args, strict=True):
            if len(str(value)) > width:
                raise FieldOverflow(f"{code}: {value} is wider than {width}")


_compiled: dict[int, _Compiled] = {}


def render(layout: Layout, values: dict[str, object]) -> str:
    """One fixed-width line (without the line end). Missing amounts are 0.00."""
    compiled = _compiled_for(layout)
    if layout is DECLARATION_LAYOUT and "01-33" in values:
        values = {**values, "01-33": str(_amount(values["01-33"]))[:4]}
    return compiled(values)


def encode(line: str) -> bytes:
    return line.encode(ENCODING, errors="replace") + EOL


# --- the ledgers -------------------------------------------------------------------------------


@dataclass
class LedgerTotals:
    """Column sums of a ledger and its number of rows (what DEKLAR reads)."""

    rows: int = 0
    columns: dict[str, Decimal] = field(default_factory=dict)

    def add(self, values: dict[str, Decimal]) -> None:
        self.rows += 1
        columns = self.columns
        for code, amount in values.items():
            if amount is not ZERO:
                columns[code] = columns.get(code, ZERO) + amount

    def get(self, code: str) -> Decimal:
        return self.columns.get(code, ZERO)


def sales_values(record: ExportRecord) -> dict[str, Decimal]:
    """The record's amount per PRODAGBI column (one pass over its VAT rows)."""
    values = dict.fromkeys(SALES_AMOUNTS, ZERO)
    for row in record.vat_rows:
        if row.column in values:
            values[row.column] += row.base
        if row.vat_column in values:
            values[row.vat_column] += row.vat
    values["02-10"] = values["02-11"] + values["02-12"] + values["02-13"] + values["02-26"]
    values["02-20"] = values["02-21"] + values["02-22"] + values["02-23"] + values["02-24"]
    return values


def purchase_values(record: ExportRecord) -> dict[str, Decimal]:
    values = dict.fromkeys(PURCHASE_AMOUNTS, ZERO)
    for row in record.vat_rows:
        if row.column in values:
            values[row.column] += row.base
        if row.vat_column in values:
            values[row.vat_column] += row.vat
    return values


def _head(filer: str, record: ExportRecord, row: int) -> tuple[object, ...]:
    """xx-00 … xx-09: filer, period, branch (blank), row, type, number, date, identifier, name,
    description."""
    party = record.party
    return (
        filer,
        record.period,
        "",
        row,
        record.nap_code,
        record.number,
        record.date,
        party.ledger_identifier,
        party.name,
        record.description,
    )


def _compiled_for(layout: Layout) -> _Compiled:
    compiled = _compiled.get(id(layout))
    if compiled is None or compiled.layout is not layout:
        compiled = _compiled[id(layout)] = _Compiled(layout)
    return compiled


def sales_line(filer: str, record: ExportRecord, row: int) -> tuple[str, dict[str, Decimal]]:
    values = sales_values(record)
    return _compiled_for(SALES_LAYOUT).ledger(_head(filer, record, row), values), values


def purchase_line(filer: str, record: ExportRecord, row: int) -> tuple[str, dict[str, Decimal]]:
    values = purchase_values(record)
    return _compiled_for(PURCHASE_LAYOUT).ledger(_head(filer, record, row), values), values


#: Ledger lines encoded and written at a time (windows-1251 is a one-byte codec: the same
#: bytes as line by line).
WRITE_BATCH = 2000
#: Dates and texts remembered per file, cleared when this many (memory stays flat).
CACHE_LIMIT = 5000


def _amount_text(value: Decimal) -> str:
    """`_amount_arg` of a Decimal: an amount already in cents printed as it is ("101.01"; a
    scientific form never has its point there), a quantize only otherwise."""
    text = str(value)
    if len(text) < 4 or text[-3] != ".":
        text = str(value.quantize(_CENT, rounding=ROUND_HALF_UP))
    return text


def _text(value: object) -> str:
    """`_clean_text` with a fast test: a printable text holds no CR, LF or tab."""
    text = value if isinstance(value, str) else str(value or "")
    return text if text.isprintable() else text.translate(_BLANKS)


class _LedgerWriter:
    """PRODAGBI or POKUPKI written lean, the same bytes as `sales_line`/`purchase_line` line
    by line: only the columns a record's VAT rows touch (and the totals the layout sums) are
    added and printed, the rest is a prepared "0.00"; the fields after the amounts and the
    filer are made once; dates once per day; lines encoded in batches."""

    def __init__(
        self, layout: Layout, filer: str, sums: tuple[tuple[str, tuple[str, ...]], ...]
    ) -> None:
        compiled = _compiled_for(layout)
        assert compiled.amount_codes, "a ledger is its head, then its amounts"
        self.compiled = compiled
        self.position = {code: i for i, code in enumerate(compiled.amount_codes)}
        self.zeros = ["0.00"] * len(compiled.amount_codes)
        self.rest = [convert(None) for _code, convert in compiled.rest]
        self.filer = _text(filer)
        self.sums = sums
        self.dates: dict[object, str] = {}
        # id(party) -> (party, identifier, name): the records share one PartyRecord per
        # client; the party is kept so that its id is not reused meanwhile.
        self.parties: dict[int, tuple[object, str, str]] = {}

    def values(self, record: ExportRecord) -> dict[str, Decimal]:
        """The record's non-zero columns: the arithmetic of `sales_values`/`purchase_values`
        (same order of additions), without the columns no row touches."""
        position = self.position
        touched: dict[str, Decimal] = {}
        for row in record.vat_rows:
            column = row.column
            if column in position:
                touched[column] = touched.get(column, ZERO) + row.base
            column = row.vat_column
            if column in position:
                touched[column] = touched.get(column, ZERO) + row.vat
        for total, parts in self.sums:
            amount = touched.get(parts[0], ZERO)
            for part in parts[1:]:
                amount = amount + touched.get(part, ZERO)
            touched[total] = amount
        return touched

    def line(self, record: ExportRecord, row: int, touched: dict[str, Decimal]) -> str:
        day = record.date
        date = self.dates.get(day)
        if date is None:
            if len(self.dates) >= CACHE_LIMIT:
                self.dates.clear()
            date = self.dates[day] = _date_arg(day)
        amounts = self.zeros.copy()
        position = self.position
        for code, value in touched.items():
            amounts[position[code]] = _amount_text(value)
        party = record.party
        known = self.parties.get(id(party))
        if known is None or known[0] is not party:
            if len(self.parties) >= CACHE_LIMIT:
                self.parties.clear()
            known = self.parties[id(party)] = (
                party,
                _text(party.ledger_identifier),
                _text(party.name),
            )
        args = [
            self.filer,
            _text(record.period),
            "",
            str(row),
            _text(record.nap_code),
            _text(record.number),
            date,
            known[1],
            known[2],
            _text(record.description),
            *amounts,
            *self.rest,
        ]
        return self.compiled._line(args)

    def write(self, records: Iterable[ExportRecord], out: BinaryIO) -> LedgerTotals:
        totals = LedgerTotals()
        columns = totals.columns
        lines: list[str] = []
        row = 0
        for record in records:
            row += 1
            touched = self.values(record)
            lines.append(self.line(record, row, touched))
            for code, amount in touched.items():
                columns[code] = columns.get(code, ZERO) + amount
            if len(lines) >= WRITE_BATCH:
                _write_lines(lines, out)
                lines = []
        if lines:
            _write_lines(lines, out)
        totals.rows = row
        return totals


def _write_lines(lines: list[str], out: BinaryIO) -> None:
    lines.append("")
    out.write("\r\n".join(lines).encode(ENCODING, errors="replace"))


_SALES_SUMS = (("02-10", SALES_TAXABLE_BASES), ("02-20", SALES_VATS))


def write_sales(filer: str, records: Iterable[ExportRecord], out: BinaryIO) -> LedgerTotals:
    return _LedgerWriter(SALES_LAYOUT, filer, _SALES_SUMS).write(records, out)


def write_purchases(filer: str, records: Iterable[ExportRecord], out: BinaryIO) -> LedgerTotals:
    return _LedgerWriter(PURCHASE_LAYOUT, filer, ()).write(records, out)


@dataclass(frozen=True)
class Filer:
    vat_number: str
    name: str
    submitter: str = ""  # ЕГН and name of the person who files
    credit_coefficient: Decimal = ZERO


def declaration_values(
    sales: LedgerTotals, purchases: LedgerTotals, coefficient: Decimal
) -> dict[str, Decimal]:
    """The VAT return's amounts from the two ledgers' totals."""
    values = {f"01-{code[3:]}": sales.get(code) for code in SALES_AMOUNTS if code != "02-27"}
    values.update({f"01-{code[3:]}": purchases.get(code) for code in PURCHASE_AMOUNTS})
    values.pop("01-44", None)
    values.pop("01-25", None)
    values.pop("01-26", None)
    values.pop("01-10", None)
    values["01-01"] = sales.get("02-10")
    values["01-20"] = sales.get("02-20")
    values["01-33"] = coefficient
    credit = values["01-41"] + (values["01-42"] * coefficient) + values["01-43"]
    credit = credit.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    values["01-40"] = credit
    values["01-50"] = max(values["01-20"] - credit, ZERO)
    values["01-60"] = max(credit - values["01-20"], ZERO)
    return values


def declaration_line(
    filer: Filer, period: str, sales: LedgerTotals, purchases: LedgerTotals
) -> str:
    values: dict[str, object] = {
        "00-01": filer.vat_number,
        "00-02": filer.name,
        "00-03": period,
        "00-04": filer.submitter,
        "00-05": sales.rows,
        "00-06": purchases.rows,
        **declaration_values(sales, purchases, filer.credit_coefficient),
    }
    return render(DECLARATION_LAYOUT, values)


def write_all(
    filer: Filer,
    period: str,
    sales: Iterable[ExportRecord],
    purchases: Iterable[ExportRecord],
    open_file: Callable[[str], AbstractContextManager[BinaryIO]],
) -> tuple[LedgerTotals, LedgerTotals]:
    """Write the three files through `open_file(name) -> BinaryIO` (a context manager)."""
    with open_file("PRODAGBI.TXT") as out:
        sales_totals = write_sales(filer.vat_number, sales, out)
    with open_file("POKUPKI.TXT") as out:
        purchase_totals = write_purchases(filer.vat_number, purchases, out)
    with open_file("DEKLAR.TXT") as out:
        out.write(encode(declaration_line(filer, period, sales_totals, purchase_totals)))
    return sales_totals, purchase_totals
