"""Fuzzing `core/readers.py`: any value a form, API body or command line can carry is either
read or refused with `ReadError` (a ValueError with a translated message), never a crash."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from xfinances.core import identifiers, readers
from xfinances.core.tests.fuzzing import FUZZ

NUMBER_CHARS = "0123456789,.-+ eE'\u00a0\u202f%_"
anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**60), max_value=10**60),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.text(),
    st.text(alphabet=NUMBER_CHARS, max_size=40),
    st.from_regex(r"\A-?\d{1,40}([.,]\d{0,40})?\Z"),
    st.binary(max_size=20),
    st.dates(),
    st.datetimes(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
# Values people and scripts have sent that broke number readers elsewhere.
HOSTILE = [
    "1e20",
    "NaN",
    "sNaN",
    "-Infinity",
    "9" * 5000,
    "0." + "0" * 5000 + "1",
    "1" + "0" * 1_000_001,
    10**1_000_001,
    10**4000,
    Decimal("1e999999999"),
    Decimal("sNaN"),
    "\ud800",
    "\x00",
    "٣٤",  # Arabic-Indic digits: Python's Decimal reads them
    "１２",  # full-width digits
    "1,2,3",
    "--1",
]


def read_or_refuse(reader: Any, value: object, **options: Any) -> Any:
    try:
        return reader(value, **options)
    except readers.ReadError as error:
        assert str(error.message), "a refusal says why"
        return None


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
@pytest.mark.parametrize("reader", [readers.amount, readers.quantity, readers.percent])
def test_number_readers_refuse_hostile_values(reader, value):
    result = read_or_refuse(reader, value)
    assert result is None or (isinstance(result, Decimal) and result.is_finite())


@FUZZ
@given(value=anything, places=st.integers(0, 4), negative=st.booleans())
@example(value="1 250,50", places=2, negative=False)
def test_amount_reads_or_refuses(value, places, negative):
    result = read_or_refuse(readers.amount, value, places=places, allow_negative=negative)
    if result is not None:
        assert isinstance(result, Decimal) and result.is_finite()
        assert abs(result) <= readers.MAX_AMOUNT
        assert negative or result >= 0


@FUZZ
@given(value=anything)
def test_quantity_and_percent_read_or_refuse(value):
    quantity = read_or_refuse(readers.quantity, value)
    assert quantity is None or 0 < quantity <= readers.MAX_QUANTITY
    percent = read_or_refuse(readers.percent, value)
    assert percent is None or 0 <= percent <= 100


@FUZZ
@given(
    value=st.one_of(
        anything,
        st.from_regex(r"\A\d{1,2}\.\d{1,2}\.\d{1,6}( г\.?)?\Z"),
        st.from_regex(r"\A\d{1,6}-\d{1,3}-\d{1,3}\Z"),
        st.dates().map(lambda d: d.isoformat()),
        st.dates().map(lambda d: d.strftime("%d.%m.%Y")),
    ),
    bounded=st.booleans(),
)
@example(value="0001-01-01", bounded=True)
@example(value="31.12.9999", bounded=True)
@example(value="29.02.2023", bounded=True)
def test_date_reads_or_refuses(value, bounded):
    result = read_or_refuse(readers.date, value, bounded=bounded)
    if result is not None:
        assert isinstance(result, dt.date)
        if bounded:
            low, high = readers.date_bounds()
            assert low <= result <= high


@FUZZ
@given(value=anything, max_length=st.integers(0, 50), multiline=st.booleans())
@example(value="a\x00b", max_length=10, multiline=False)
@example(value="a\ud800b", max_length=10, multiline=True)
def test_text_reads_or_refuses(value, max_length, multiline):
    result = read_or_refuse(readers.text, value, max_length=max_length, multiline=multiline)
    if result is not None:
        assert len(result) <= max_length and "\x00" not in result
        result.encode("utf-8")


CLEANERS = [
    identifiers.clean_eik,
    identifiers.clean_egn,
    identifiers.clean_lnch,
    identifiers.clean_vat_number,
    identifiers.clean_iban,
]


@FUZZ
@given(
    value=st.one_of(
        anything,
        st.from_regex(r"\A(BG)?\d{9,13}\Z"),
        st.from_regex(r"\A[A-Z]{2}\d{2}[A-Z0-9 ]{0,40}\Z"),
    ),
    cleaner=st.sampled_from(CLEANERS),
)
def test_identifier_reads_or_refuses(value, cleaner):
    result = read_or_refuse(readers.identifier, value, cleaner=cleaner, what="ЕИК")
    assert result is None or isinstance(result, str)
