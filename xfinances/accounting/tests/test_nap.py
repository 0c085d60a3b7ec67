"""NAP ledger files: every field's position against the domain layout table, line lengths,
encoding, CRLF, signs, DEKLAR totals equal to the ledger sums."""

from __future__ import annotations

import io
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from xfinances.accounting import nap
from xfinances.accounting.exporters import MemorySink, get
from xfinances.accounting.records import ExportRecord, RecordKind
from xfinances.accounting.tests import samples

# (field, width, start) exactly as in /work/shared/domain/accounting-exports.md
SALES_TABLE = [
    ("02-00", 15, 1), ("02-01", 6, 16), ("02-02", 4, 22), ("02-03", 15, 26), ("02-04", 2, 41),
    ("02-05", 20, 43), ("02-06", 10, 63), ("02-07", 15, 73), ("02-08", 50, 88),
    ("02-09", 30, 138), ("02-10", 15, 168), ("02-20", 15, 183), ("02-11", 15, 198),
    ("02-21", 15, 213), ("02-12", 15, 228), ("02-26", 15, 243), ("02-22", 15, 258),
    ("02-23", 15, 273), ("02-13", 15, 288), ("02-24", 15, 303), ("02-14", 15, 318),
    ("02-15", 15, 333), ("02-16", 15, 348), ("02-17", 15, 363), ("02-18", 15, 378),
    ("02-19", 15, 393), ("02-25", 15, 408), ("02-27", 2, 423),
]  # fmt: skip
PURCHASE_TABLE = [
    ("03-00", 15, 1), ("03-01", 6, 16), ("03-02", 4, 22), ("03-03", 15, 26), ("03-04", 2, 41),
    ("03-05", 20, 43), ("03-06", 10, 63), ("03-07", 15, 73), ("03-08", 50, 88),
    ("03-09", 30, 138), ("03-30", 15, 168), ("03-31", 15, 183), ("03-41", 15, 198),
    ("03-32", 15, 213), ("03-42", 15, 228), ("03-43", 15, 243), ("03-44", 15, 258),
    ("03-45", 2, 273),
]  # fmt: skip
DECLARATION_ORDER = [
    "00-01",
    "00-02",
    "00-03",
    "00-04",
    "00-05",
    "00-06",
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
    "01-33",
    "01-40",
    "01-50",
    "01-60",
    "01-70",
    "01-71",
    "01-80",
    "01-81",
    "01-82",
]
DECLARATION_WIDTHS = {"00-01": 15, "00-02": 50, "00-03": 6, "00-04": 50, "01-33": 4}


def files() -> dict[str, bytes]:
    sink = MemorySink()
    exporter = get("nap")
    assert exporter is not None
    exporter.write(samples.CONTEXT, samples.source, sink)
    return sink.files


def fields(line: str, table: list[tuple[str, int, int]]) -> dict[str, str]:
    return {code: line[start - 1 : start - 1 + width] for code, width, start in table}


def test_layouts_match_the_domain_tables() -> None:
    assert [(c, w, nap.starts(nap.SALES_LAYOUT)[c]) for c, w, _k in nap.SALES_LAYOUT] == SALES_TABLE
    assert [
        (c, w, nap.starts(nap.PURCHASE_LAYOUT)[c]) for c, w, _k in nap.PURCHASE_LAYOUT
    ] == PURCHASE_TABLE
    assert [c for c, _w, _k in nap.DECLARATION_LAYOUT] == DECLARATION_ORDER
    for code, width, _kind in nap.DECLARATION_LAYOUT:
        assert width == DECLARATION_WIDTHS.get(code, 15)
    assert nap.width_of(nap.DECLARATION_LAYOUT) == 590


def lines_of(data: bytes) -> list[str]:
    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    return data.decode("cp1251").split("\r\n")[:-1]


def test_sales_ledger_field_by_field() -> None:
    lines = lines_of(files()["PRODAGBI.TXT"])
    assert all(len(line.encode("cp1251")) == 424 for line in lines)
    assert len(lines) == 7  # six documents of March + the reversal of a February one
    first = fields(lines[0], SALES_TABLE)
    assert first["02-00"] == "BG175074752    "
    assert first["02-01"] == "202603"
    assert first["02-02"] == "    "
    assert first["02-03"] == "1".rjust(15)
    assert first["02-04"] == "01"
    assert first["02-05"] == "0000000101".ljust(20)
    assert first["02-06"] == "02/03/2026"
    assert first["02-07"] == "BG131468980".ljust(15)
    assert first["02-08"] == "Акме ООД".ljust(50)
    assert first["02-09"] == "=Услуга по договор".ljust(30)
    assert first["02-10"] == "100.00".rjust(15)
    assert first["02-20"] == "20.00".rjust(15)
    assert first["02-11"] == "100.00".rjust(15)
    assert first["02-21"] == "20.00".rjust(15)
    assert first["02-13"] == "0.00".rjust(15)
    assert first["02-27"] == "  "
    person = fields(lines[1], SALES_TABLE)
    assert person["02-07"] == "999999999999999"
    assert person["02-08"] == "Мария Иванова — много дълго име на физическо лице"[:50].ljust(50)
    assert person["02-13"].strip() == "80.00" and person["02-24"].strip() == "7.20"
    assert person["02-10"].strip() == "330.50" and person["02-20"].strip() == "57.30"
    export = fields(lines[2], SALES_TABLE)
    assert export["02-15"].strip() == "1200.00" and export["02-10"].strip() == "0.00"
    assert export["02-07"].strip() == "DE811907980"
    credit = fields(lines[3], SALES_TABLE)
    assert credit["02-04"] == "03" and credit["02-11"].strip() == "-40.00"
    voided = fields(lines[4], SALES_TABLE)
    assert voided["02-11"].strip() == "0.00" and voided["02-21"].strip() == "0.00"
    reversal = fields(lines[5], SALES_TABLE)
    assert reversal["02-05"].strip() == "0000000090" and reversal["02-11"].strip() == "-30.00"
    assert [fields(x, SALES_TABLE)["02-03"].strip() for x in lines] == [str(i) for i in range(1, 8)]


def test_purchase_ledger_field_by_field() -> None:
    lines = lines_of(files()["POKUPKI.TXT"])
    assert [len(line.encode("cp1251")) for line in lines] == [274, 274]
    first, second = (fields(x, PURCHASE_TABLE) for x in lines)
    assert first["03-04"] == "01" and first["03-05"].strip() == "4400012345"
    assert first["03-31"].strip() == "300.00" and first["03-41"].strip() == "60.00"
    assert second["03-04"] == "03"
    assert second["03-32"].strip() == "-50.00" and second["03-42"].strip() == "-10.00"
    assert second["03-30"].strip() == "-24.00"


def test_declaration_totals_equal_the_ledger_sums() -> None:
    data = files()
    sales = [fields(x, SALES_TABLE) for x in lines_of(data["PRODAGBI.TXT"])]
    purchases = [fields(x, PURCHASE_TABLE) for x in lines_of(data["POKUPKI.TXT"])]
    [line] = lines_of(data["DEKLAR.TXT"])
    assert len(line.encode("cp1251")) == 590
    position, found = 0, {}
    for code in DECLARATION_ORDER:
        width = DECLARATION_WIDTHS.get(code, 15)
        found[code] = line[position : position + width]
        position += width
    assert found["00-01"].strip() == "BG175074752" and found["00-03"] == "202603"
    assert found["00-02"].strip() == "Примерна Фирма ЕООД"
    assert int(found["00-05"]) == len(sales) and int(found["00-06"]) == len(purchases)

    def total(rows: list[dict[str, str]], code: str) -> Decimal:
        return sum((Decimal(r[code]) for r in rows), Decimal(0))

    for sales_code in ("02-10", "02-20", "02-11", "02-21", "02-13", "02-24", "02-15", "02-17"):
        target = {"02-10": "01-01", "02-20": "01-20"}.get(sales_code, "01-" + sales_code[3:])
        assert Decimal(found[target]) == total(sales, sales_code), sales_code
    for purchase_code in ("03-30", "03-31", "03-41", "03-32", "03-42", "03-43"):
        assert Decimal(found["01-" + purchase_code[3:]]) == total(purchases, purchase_code)
    assert Decimal(found["01-40"]) == Decimal(found["01-41"]) + Decimal(found["01-43"])
    assert Decimal(found["01-50"]) == max(Decimal(found["01-20"]) - Decimal(found["01-40"]), 0)
    assert found["01-33"] == "0.00"


def test_overflowing_amount_is_refused() -> None:
    with pytest.raises(nap.FieldOverflow, match="02-11"):
        nap.render(nap.SALES_LAYOUT, {"02-11": Decimal("1234567890123.00")})


def test_characters_outside_windows_1251_are_replaced_not_fatal() -> None:
    line = nap.render(nap.SALES_LAYOUT, {"02-08": "Zürich 😀 ООД"})
    assert len(nap.encode(line)) == 426
    assert RecordKind.SALE  # the import is used


def _odd_records(kind: RecordKind) -> list[ExportRecord]:
    """The samples of a kind, and the same with the texts and amounts the fast writer must
    treat as the line-by-line path does: control whitespace, characters windows-1251 lacks,
    over-long text, amounts not in cents, scientific forms, a negative zero, several rows
    on one column."""
    found = [r for r in samples.all_records() if r.kind == kind]
    first = found[0]
    row = first.vat_rows[0]
    odd_rows = (
        replace(row, base=Decimal("12.345"), vat=Decimal("1E+2")),
        replace(row, base=Decimal("-0.00"), vat=Decimal("0.005")),
        replace(row, base=Decimal("7"), vat=Decimal("0")),
        replace(row, column="99-99", vat_column="02-10"),
    )
    return [
        *found,
        replace(first, number="A\r\nB\t1", description="ред 1\nред 2 😀", vat_rows=odd_rows),
        replace(first, party=replace(first.party, name="Zürich 😀 " + "Я" * 80, vat_number="")),
        replace(first, date=None, vat_rows=()),  # type: ignore[arg-type]
        *found,
    ]


@pytest.mark.parametrize(
    ("kind", "write", "line_of", "values_of"),
    [
        (RecordKind.SALE, nap.write_sales, nap.sales_line, nap.sales_values),
        (RecordKind.PURCHASE, nap.write_purchases, nap.purchase_line, nap.purchase_values),
    ],
)
def test_the_lean_ledger_writer_gives_the_bytes_and_totals_of_line_by_line(
    kind: RecordKind, write: Any, line_of: Any, values_of: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(nap, "WRITE_BATCH", 3)
    monkeypatch.setattr(nap, "CACHE_LIMIT", 2)
    records = _odd_records(kind)
    out = io.BytesIO()
    totals = write("BG175074752", records, out)
    expected = nap.LedgerTotals()
    lines = []
    for row, record in enumerate(records, start=1):
        line, _values = line_of("BG175074752", record, row)
        lines.append(nap.encode(line))
        expected.add(values_of(record))
    assert out.getvalue() == b"".join(lines)
    assert totals.rows == expected.rows == len(records)
    assert totals.columns == expected.columns
    assert [str(v) for v in totals.columns.values()] == [
        str(expected.columns[code]) for code in totals.columns
    ]


def test_an_overflowing_amount_in_a_ledger_names_its_column() -> None:
    record = next(r for r in samples.all_records() if r.kind == RecordKind.SALE)
    huge = replace(record.vat_rows[0], column="02-11", base=Decimal("1234567890123.00"))
    # Its total (02-10, before it in the line) is named first, as line by line.
    with pytest.raises(nap.FieldOverflow, match=r"02-10: 1234567890123\.00 is wider than 15"):
        nap.write_sales("BG175074752", [replace(record, vat_rows=(huge,))], io.BytesIO())
    with pytest.raises(nap.FieldOverflow, match=r"02-10: 1234567890123\.00 is wider than 15"):
        nap.sales_line("BG175074752", replace(record, vat_rows=(huge,)), 1)
