"""Fuzzing the UBL reader: whatever a supplier's system (or an attacker posing as one) sends,
`read_ubl` answers with a result — a document, or errors saying why not — and never raises."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from xfinances.core.tests.fuzzing import FUZZ
from xfinances.purchases.ubl import UblResult, read_ubl

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = [(FIXTURES / name).read_bytes() for name in ("invoice_bg.xml", "credit_note_bg.xml")]
# The text of every simple element: the values a fuzzer swaps.
LEAF = re.compile(rb">([^<>]*)</cbc:")
HOSTILE_VALUES = [
    "NaN",
    "sNaN",
    "-Infinity",
    "1E+999999999",
    "1e20",
    "9" * 400,
    "0." + "0" * 400 + "1",
    "-0",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "2026-03-02T10:00:00+02:00",
    "",
    " ",
    "\u202e",
    '=HYPERLINK("http://x")',
    "A" * 5000,
    "JVBERi0=",
    "!!!not base64!!!",
]
values = st.one_of(
    st.sampled_from(HOSTILE_VALUES),
    st.text(max_size=60),
    st.from_regex(r"\A-?\d{1,20}(\.\d{0,20})?\Z"),
    st.dates().map(lambda d: d.isoformat()),
)


def xml_text(value: str) -> bytes:
    # XML 1.0 cannot carry most control characters or lone surrogates: drop them, as a
    # supplier's XML library would refuse to write them.
    kept = "".join(
        c for c in value if c in "\t\n\r" or (c >= " " and not 0xD800 <= ord(c) <= 0xDFFF)
    )
    return escape(kept).encode("utf-8")


def check(result: object) -> None:
    assert isinstance(result, UblResult)
    if result.document is None:
        assert result.errors, "no document and no reason"
        assert all(isinstance(e, str) and e for e in result.errors)
        return
    document = result.document
    amounts = [document.total_base, document.total, document.payable] + [
        value for row in document.rows for value in (row.base, row.vat, row.vat_rate)
    ]
    assert all(isinstance(a, Decimal) and a.is_finite() for a in amounts), amounts


@FUZZ
@given(
    sample=st.sampled_from(SAMPLES),
    swaps=st.lists(st.tuples(st.integers(0, 200), values), min_size=1, max_size=6),
)
@example(sample=SAMPLES[0], swaps=[(i, "sNaN") for i in range(30, 36)])
@example(sample=SAMPLES[0], swaps=[(i, "1E+999999999") for i in range(30, 60)])
@example(sample=SAMPLES[0], swaps=[(i, "NaN") for i in range(0, 80)])
def test_ubl_with_hostile_values_is_read_or_refused(sample, swaps):
    leaves = list(LEAF.finditer(sample))
    replacements = {swap % len(leaves): value for swap, value in swaps}
    data, last = b"", 0
    for index, match in enumerate(leaves):
        if index in replacements:
            data += sample[last : match.start(1)] + xml_text(replacements[index])
            last = match.end(1)
    data += sample[last:]
    check(read_ubl(data))


@FUZZ
@given(
    sample=st.sampled_from(SAMPLES),
    cut=st.integers(0, 6000),
    noise=st.binary(max_size=40),
    where=st.integers(0, 6000),
)
def test_damaged_ubl_is_read_or_refused(sample, cut, noise, where):
    damaged = sample[: where % len(sample)] + noise + sample[where % len(sample) :]
    check(read_ubl(damaged[: max(cut, 1)]))
    check(read_ubl(damaged))


@FUZZ
@given(data=st.binary(max_size=2000))
@example(data=b"")
@example(data=b"\xef\xbb\xbf")
@example(data=b'<?xml version="1.0" encoding="UTF-16"?><Invoice/>')
@example(data=b'<?xml version="1.0" encoding="x-unknown"?><Invoice/>')
def test_any_bytes_are_read_or_refused(data):
    check(read_ubl(data))


@pytest.mark.parametrize(
    "payload",
    [
        b'<!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>',
        b"<?xml version='1.0'?>\n<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>",
        b"<" + b"a>" * 5000 + b"</a>" * 5000,
        b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">'
        + b"<x:y xmlns:x='u'/>" * 1000
        + b"</Invoice>",
    ],
    ids=["external-dtd", "external-entity", "deep-nesting", "wide"],
)
def test_hostile_xml_structures_are_refused(payload):
    result = read_ubl(payload)
    check(result)
    assert result.document is None
