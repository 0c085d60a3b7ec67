"""Fuzzing the statement readers (camt.052/053/054, MT940, CSV/TXT, XLSX, the format detector)
and the PSD2 transactions parser with hostile input: random bytes, and real statements (the
shared camt samples, files written by `sample_files`, the CSV and XLSX exports of the tests)
with bytes flipped, cut, repeated or spliced in, and any text of them replaced.

Each reader must read the file or refuse it with `StatementError` (the import shows it as
InvalidInput on the file, naming the line) — never another exception, never a hang — and what
it reads must be storable: finite amounts within the app's bounds and real dates. The PSD2
client answers `PSD2Error` (`SchemaError`) for a page that is not what the definition says.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from unittest import mock

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl import Workbook

from xfinances.banking import camt, csv_profiles, detect, mt940
from xfinances.banking.psd2.client import BankConfig, PSD2Client, PSD2Error
from xfinances.banking.records import (
    BankEntry,
    StatementBegin,
    StatementEnd,
    StatementError,
    StatementEvent,
)
from xfinances.banking.sample_files import Row, camt053
from xfinances.banking.sample_files import mt940 as write_mt940
from xfinances.core.readers import MAX_AMOUNT
from xfinances.core.tests.fuzzing import FUZZ

SHARED = Path("/work/shared/fixtures/camt")
IBAN = "BG80BNBG96611020345678"
DAY = dt.date(2026, 11, 3)
ROWS = [
    Row(DAY, Decimal("1234.56"), "ЕЛТЕХ ЕООД", "BG18RZBB91550123456789", "ф-ра 0000000123"),
    Row(DAY, Decimal("-80.00"), "Мобилтел ЕАД", "", "Телефон", reference="RF18539007547034"),
    Row(DAY + dt.timedelta(days=1), Decimal("42.10"), "Иван Петров", "", "наем", bank_id="B7"),
]
CSV = (
    "Дата;Вальор;Сума;Валута;Контрагент;IBAN на контрагент;Основание\r\n"
    "03.11.2026;03.11.2026;1 234,56;BGN;ЕЛТЕХ ЕООД;BG18RZBB91550123456789;ф-ра 0000000123\r\n"
    "03.11.2026;03.11.2026;-80,00;BGN;Мобилтел ЕАД;;Телефон RF18539007547034\r\n"
)
PIPE = (
    "Дата|Дебит|Кредит|Контрагент|Основание\n"
    "03.11.2026||150,00|Иван Петров|ф-ра 5\n"
    "04.11.2026|20,00||Банка|такса\n"
)
COMMA = "Date,Amount,Currency,Counterparty,Details\n2026-11-03,-12.50,EUR,Shop,card\n"


def _camt(version: str = "08") -> bytes:
    out = io.BytesIO()
    camt053(
        out, iban=IBAN, rows=ROWS, opening=Decimal("100.00"), date_from=DAY, date_to=DAY,
        version=version,
    )  # fmt: skip
    return out.getvalue()


def _mt940() -> bytes:
    out = io.BytesIO()
    write_mt940(out, iban=IBAN, rows=ROWS, opening=Decimal("100.00"), date_from=DAY, date_to=DAY)
    return out.getvalue()


def _xlsx(rows: Iterable[Iterable[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


XLSX_ROWS: list[list[object]] = [
    ["Дата", "Сума", "Валута", "Контрагент", "Основание"],
    [DAY, 1234.56, "EUR", "ЕЛТЕХ ЕООД", "ф-ра 123"],
    ["04.11.2026", "-80,00", "EUR", "Мобилтел", "телефон"],
]


def _seeds() -> dict[str, list[bytes]]:
    shared = sorted(SHARED.glob("*.xml")) if SHARED.is_dir() else []
    return {
        "camt": [_camt("08"), _camt("02"), *(p.read_bytes() for p in shared)],
        "mt940": [_mt940()],
        "csv": [CSV.encode("cp1251"), PIPE.encode(), COMMA.encode()],
        "xlsx": [_xlsx(XLSX_ROWS)],
    }


SEEDS = _seeds()
ALL_SEEDS = [seed for seeds in SEEDS.values() for seed in seeds]

HOSTILE_TEXT = [
    "NaN", "sNaN", "-Infinity", "1e999999", "1E+9999999999", "9" * 40, "-0", "١٩٠",
    "0x10", "2026-02-30", "9999-99-99", "0000-00-00", "31.02.2026", "", " ", "\u202e0001",
    ";;;", "|||", '"', ":61:", ":20:", "<", "&amp;", "\x00", "\ufeff", "\r", "\n:62F:",
]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """A seed with a few edits: bytes flipped, a slice cut, repeated or replaced by hostile
    text or random bytes."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _edit in range(draw(st.integers(1, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        width = draw(st.integers(1, min(64, len(data) - at)))
        kind = draw(st.sampled_from(["flip", "cut", "repeat", "text", "bytes", "truncate"]))
        if kind == "flip":
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "cut":
            del data[at : at + width]
        elif kind == "repeat":
            data[at:at] = data[at : at + width] * draw(st.integers(1, 50))
        elif kind == "text":
            text = draw(st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=20)))
            data[at : at + width] = text.encode("utf-8", "surrogatepass")
        elif kind == "bytes":
            data[at : at + width] = draw(st.binary(max_size=32))
        else:
            del data[at:]
    return bytes(data)


def _checked(events: Iterable[StatementEvent]) -> list[StatementEvent]:
    """All the events, each of them storable; the file refused with StatementError is []."""
    read: list[StatementEvent] = []
    try:
        for event in events:
            read.append(event)
    except StatementError as error:
        assert str(error).strip()
        return []
    for event in read:
        if isinstance(event, BankEntry):
            assert isinstance(event.amount, Decimal) and event.amount.is_finite(), event
            assert 0 <= event.amount <= MAX_AMOUNT, event
            assert isinstance(event.booking_date, dt.date), event
            assert event.value_date is None or isinstance(event.value_date, dt.date), event
        else:
            assert isinstance(event, StatementBegin | StatementEnd), event
            for balance in (event.header.opening, event.header.closing):
                if balance is not None:
                    assert balance.amount.is_finite() and abs(balance.amount) <= MAX_AMOUNT
    return read


def _read(reader: Callable[[IO[bytes]], Iterator[StatementEvent]], data: bytes) -> None:
    try:
        events = reader(io.BytesIO(data))
    except StatementError as error:  # refused before the first event
        assert str(error).strip()
        return
    _checked(events)


def test_the_seeds_are_read() -> None:
    """The fuzzing starts from files the readers take (or it would only test refusals); of
    the shared camt samples, some are empty or of an unknown namespace on purpose."""
    shared = len(SEEDS["camt"]) - 2
    read = [bool(_checked(detect.read_statement(io.BytesIO(data)))) for data in ALL_SEEDS]
    assert read.count(False) <= shared // 2, read
    for kind in ("mt940", "csv", "xlsx"):
        for data in SEEDS[kind]:
            assert _checked(detect.read_statement(io.BytesIO(data))), data[:80]
    for data in SEEDS["camt"][:2]:
        assert _checked(detect.read_statement(io.BytesIO(data))), data[:80]


@FUZZ
@given(data=st.binary(max_size=3000))
@example(b"")
@example(b"\xef\xbb\xbf")
@example(b"PK\x03\x04")
@example(b"\xd0\xcf\x11\xe0")
@example(b":20:\n:25:\n:61:")
@example(b"<Document/>")
def test_detector_on_random_bytes(data: bytes) -> None:
    assert detect.sniff(data[:4096]) in ("camt", "mt940", "xlsx", "csv", "xls", "")
    _read(detect.read_statement, data)


@FUZZ
@given(data=mutated(ALL_SEEDS))
def test_detector_on_mutated_statements(data: bytes) -> None:
    _read(detect.read_statement, data)


@FUZZ
@given(data=mutated(SEEDS["camt"]))
def test_camt_reader_on_mutated_files(data: bytes) -> None:
    _read(camt.read, data)


@FUZZ
@given(
    seed=st.sampled_from(SEEDS["camt"]),
    tag=st.sampled_from(["Amt", "BookgDt", "ValDt", "Dt", "DtTm", "CdtDbtInd", "IBAN", "Ccy"]),
    value=st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=30)),
)
def test_camt_any_value_replaced(seed: bytes, tag: str, value: str) -> None:
    """Every element of one name (amounts, dates, signs, accounts) given a hostile value."""
    import re

    clean = "".join(c for c in value if c.isprintable()).replace("<", "").replace("&", "")
    pattern = re.compile(rb"(<(?:\w+:)?" + tag.encode() + rb"(?: [^>]*)?>)[^<]*(<)")
    data = pattern.sub(lambda m: m.group(1) + clean.encode() + m.group(2), seed)
    _read(camt.read, data)


@FUZZ
@given(data=mutated(SEEDS["mt940"]))
def test_mt940_reader_on_mutated_files(data: bytes) -> None:
    _read(mt940.read, data)


@FUZZ
@given(
    field=st.sampled_from([":60F:", ":61:", ":62F:", ":25:", ":86:", ":28C:"]),
    value=st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=40)),
)
def test_mt940_any_field_replaced(field: str, value: str) -> None:
    lines = _mt940().decode("cp1251").splitlines()
    clean = "".join(c for c in value if c.isprintable())
    lines = [line[: len(field)] + clean if line.startswith(field) else line for line in lines]
    _read(mt940.read, "\r\n".join(lines).encode("cp1251", "replace"))


@FUZZ
@given(data=mutated(SEEDS["csv"]), profile=st.sampled_from([None, *csv_profiles.BUILTIN]))
def test_csv_reader_on_mutated_files(data: bytes, profile: csv_profiles.Profile | None) -> None:
    _read(lambda source: csv_profiles.read(source, profile=profile), data)


@FUZZ
@given(
    amount=st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=30)),
    day=st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=20)),
)
def test_csv_any_amount_and_date(amount: str, day: str) -> None:
    clean = ["".join(c for c in v if c.isprintable() and c not in ';"') for v in (amount, day)]
    text = f"Дата;Сума;Контрагент\r\n{clean[1]};{clean[0]};Фирма\r\n03.11.2026;1,00;Друга\r\n"
    _read(detect.read_statement, text.encode("utf-8"))


@FUZZ
@given(data=mutated(SEEDS["xlsx"]))
def test_xlsx_reader_on_mutated_files(data: bytes) -> None:
    _read(lambda source: csv_profiles.read(source, xlsx=True), data)


CELL = st.one_of(
    st.none(),
    st.sampled_from(HOSTILE_TEXT),
    st.text(max_size=20),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
    st.booleans(),
)


@pytest.mark.parametrize("column", ["Сума", "Дата", "Вальор"])
@FUZZ
@given(values=st.lists(CELL, min_size=1, max_size=4))
def test_xlsx_any_cell_values(column: str, values: list[object]) -> None:
    """Cells typed as the spreadsheet keeps them: numbers, floats (inf, NaN), dates, text."""
    header: list[object] = ["Дата", "Сума", "Вальор", "Контрагент"]
    at = header.index(column)
    rows: list[list[object]] = [header]
    for value in values:
        row: list[object] = [DAY, "10,00", DAY, "Фирма"]
        cell = value
        if isinstance(cell, str):
            cell = "".join(c for c in cell if c.isprintable())
        row[at] = cell
        rows.append(row)
    try:
        data = _xlsx(rows)
    except (ValueError, TypeError):  # openpyxl cannot write the value: no file to read
        return
    _read(detect.read_statement, data)


# --- PSD2 ----------------------------------------------------------------------------------


PAGE = {
    "account": {"iban": IBAN},
    "transactions": {
        "booked": [
            {
                "transactionId": "T1",
                "bookingDate": "2026-11-03",
                "valueDate": "2026-11-03",
                "transactionAmount": {"currency": "EUR", "amount": "1234.56"},
                "debtorName": "ЕЛТЕХ ЕООД",
                "debtorAccount": {"iban": "BG18RZBB91550123456789"},
                "remittanceInformationUnstructured": "ф-ра 0000000123",
                "remittanceInformationStructured": {"reference": "RF18539007547034"},
            },
            {
                "entryReference": "E2",
                "bookingDate": "2026-11-04",
                "transactionAmount": {"currency": "EUR", "amount": "-80.00"},
                "creditorName": "Мобилтел",
                "remittanceInformationUnstructuredArray": ["телефон", "ноември"],
            },
        ],
        "pending": [{"transactionAmount": {"currency": "EUR", "amount": "5.00"}}],
        "_links": {},
    },
}


class _Answer(io.BytesIO):
    def __enter__(self) -> _Answer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _psd2_page(payload: bytes) -> None:
    """The client's transactions call with the bank answering `payload` (200)."""
    client = PSD2Client(
        BankConfig(name="Fuzz Bank", base_url="https://bank.invalid", max_retries=0),
        sleep=lambda seconds: None,
        today=lambda: DAY,
    )

    def urlopen(request: Any, **kwargs: Any) -> _Answer:
        return _Answer(payload)

    with mock.patch.object(urllib.request, "urlopen", urlopen):
        try:
            booked, pending = client.transactions("consent", "account", date_from=DAY)
        except PSD2Error as error:
            assert str(error).strip()
            return
    for entry in (*booked, *pending):
        assert entry.amount.is_finite() and 0 <= entry.amount <= MAX_AMOUNT, entry
        assert isinstance(entry.booking_date, dt.date)


def test_the_psd2_seed_is_read() -> None:
    _psd2_page(json.dumps(PAGE).encode())


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
TX_FIELDS = [
    "transactionId", "entryReference", "endToEndId", "bookingDate", "valueDate",
    "transactionAmount", "creditorName", "creditorAccount", "debtorName", "debtorAccount",
    "remittanceInformationUnstructured", "remittanceInformationUnstructuredArray",
    "remittanceInformationStructured", "bankTransactionCode",
]  # fmt: skip


@FUZZ
@given(
    field=st.sampled_from(TX_FIELDS),
    value=st.one_of(JSON, st.sampled_from(HOSTILE_TEXT)),
    amount=st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=20), JSON),
)
def test_psd2_any_transaction_field(field: str, value: Any, amount: Any) -> None:
    page = json.loads(json.dumps(PAGE))
    page["transactions"]["booked"][0][field] = value
    page["transactions"]["booked"][1]["transactionAmount"]["amount"] = amount
    _psd2_page(json.dumps(page).encode("utf-8", "surrogatepass"))


@FUZZ
@given(data=mutated([json.dumps(PAGE, ensure_ascii=False).encode()]))
@example(b"\xff\xfe\x00")
@example(b"[]")
@example(b"null")
def test_psd2_mutated_pages(data: bytes) -> None:
    _psd2_page(data)


# --- what the fuzzing found (each crashed before the fix) -----------------------------------


@pytest.mark.parametrize("amount", ["1e999999", "1E+9999999999", "Infinity", "sNaN", "9" * 20])
def test_out_of_range_amounts_are_refused_naming_the_line(amount: str) -> None:
    """They were read (and failed in the database or in Decimal arithmetic on import) or
    raised InvalidOperation/Overflow out of the reader."""
    csv_text = f"Дата;Сума;Контрагент\r\n03.11.2026;{amount};Фирма\r\n"
    xlsx = _xlsx([["Дата", "Сума"], [DAY, amount]])
    camt_file = _camt().replace(b">1234.56<", f">{amount}<".encode())
    for data in (csv_text.encode("utf-8"), xlsx, camt_file):
        with pytest.raises(StatementError, match="line"):
            list(detect.read_statement(io.BytesIO(data)))


@pytest.mark.parametrize("amount", ["1E+999999", "1E+9999999999", "1000000000000"])
def test_psd2_amounts_out_of_range_are_a_schema_error(amount: str) -> None:
    page = json.loads(json.dumps(PAGE))
    page["transactions"]["booked"][0]["transactionAmount"]["amount"] = amount
    with pytest.raises(PSD2Error, match="amount"):
        _psd2_strict(json.dumps(page).encode())


def test_psd2_page_that_is_not_text_is_a_schema_error() -> None:
    with pytest.raises(PSD2Error, match="not JSON"):
        _psd2_strict(b"\xff\xfe\x00")


def _psd2_strict(payload: bytes) -> None:
    client = PSD2Client(
        BankConfig(name="Fuzz Bank", base_url="https://bank.invalid", max_retries=0),
        sleep=lambda seconds: None,
        today=lambda: DAY,
    )
    with mock.patch.object(urllib.request, "urlopen", lambda request, **kw: _Answer(payload)):
        client.transactions("consent", "account", date_from=DAY)
