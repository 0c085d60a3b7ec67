"""Fuzzing the party import reader (CSV and XLSX): whatever file is uploaded, `read_parties`
answers with rows and messages — file-wide errors or per-row errors — and never raises."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl import Workbook

from xfinances.core.tests.fuzzing import FUZZ
from xfinances.parties.importing import COLUMN_HEADERS, ParsedParties, read_parties

HEADERS = sorted({h for names in COLUMN_HEADERS.values() for h in names} | set(COLUMN_HEADERS))
HOSTILE_CELLS = [
    "",
    "131468980",
    "BG131468980",
    "7501020018",
    "BG80BNBG96611020345678",
    "=cmd|' /C calc'!A0",
    "+1+1",
    "@SUM(A1)",
    "-1",
    "1e20",
    "NaN",
    "9" * 400,
    "да",
    "не",
    "фирма",
    "физическо лице",
    "a@b",
    "x" * 5000,
    "\u202e",
    "\ud800",
    "\x00",
    "line\nbreak",
    '"quoted;with;separators"',
]
text_cells = st.one_of(st.sampled_from(HOSTILE_CELLS), st.text(max_size=40))
xlsx_cells = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)),
    text_cells,
)


def check(result: object) -> None:
    assert isinstance(result, ParsedParties)
    assert all(isinstance(e, str) and e for e in result.errors)
    if result.errors:
        assert not result.rows
    for row in result.rows:
        for column, messages in row.errors.items():
            assert column and all(isinstance(m, str) and m for m in messages)
        if row.is_valid:
            assert row.values.get("name"), row


def csv_bytes(header: list[str], body: list[list[str]], delimiter: str, encoding: str) -> bytes:
    lines = [delimiter.join(header)] + [delimiter.join(cells) for cells in body]
    return "\n".join(lines).encode(encoding, errors="surrogatepass")


@FUZZ
@given(
    header=st.lists(st.sampled_from(HEADERS) | st.text(max_size=12), min_size=1, max_size=10),
    body=st.lists(st.lists(text_cells, max_size=12), max_size=8),
    delimiter=st.sampled_from([";", ",", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1251", "utf-16"]),
)
@example(header=["име", "еик"], body=[["\ud800", "131468980"]], delimiter=";", encoding="utf-8")
@example(header=["name"], body=[["a"]] * 3, delimiter=",", encoding="utf-16")
def test_csv_files_are_read_or_refused(header, body, delimiter, encoding):
    try:
        content = csv_bytes(header, body, delimiter, encoding)
    except UnicodeEncodeError:
        content = csv_bytes(header, body, delimiter, "utf-8")
    check(read_parties(content, "parties.csv"))


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        cleaned = []
        for value in row:
            if isinstance(value, str):
                # openpyxl itself refuses control characters in cells; a hostile file could
                # still carry them, which the damaged-file test covers.
                value = "".join(c for c in value if c >= " " and not 0xD800 <= ord(c) <= 0xDFFF)
            cleaned.append(value)
        sheet.append(cleaned)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@FUZZ
@given(
    header=st.lists(st.sampled_from(HEADERS), min_size=1, max_size=8),
    body=st.lists(st.lists(xlsx_cells, max_size=10), max_size=6),
)
def test_xlsx_files_are_read_or_refused(header, body):
    check(read_parties(xlsx_bytes([header, *body]), "parties.xlsx"))


@FUZZ
@given(cut=st.integers(0, 20000), noise=st.binary(min_size=1, max_size=30), where=st.integers())
def test_damaged_xlsx_files_are_refused_with_a_message(cut, noise, where):
    good = xlsx_bytes([["име", "еик"], ["Алфа ООД", "131468980"]])
    where %= len(good)
    damaged = good[:where] + noise + good[where + len(noise) :]
    check(read_parties(damaged[: max(cut, 2)], "parties.xlsx"))
    check(read_parties(damaged, "parties.xlsx"))


@FUZZ
@given(data=st.binary(max_size=3000), name=st.sampled_from(["a.csv", "a.xlsx", "a.txt", ""]))
@example(data=b"PK\x03\x04", name="a.csv")
@example(data=b"\xff\xfe\x00\x00", name="a.csv")
def test_any_bytes_are_read_or_refused(data, name):
    check(read_parties(data, name))


def test_a_zip_that_is_not_a_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    result = read_parties(out.getvalue(), "parties.xlsx")
    check(result)
    assert result.errors
