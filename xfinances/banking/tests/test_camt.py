"""The camt reader on the shared fixtures and on Bulgarian-style generated files (no database)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest

from xfinances.banking import camt
from xfinances.banking.records import (
    BankEntry,
    BookingStatus,
    Direction,
    StatementBegin,
    StatementEnd,
    StatementError,
)
from xfinances.banking.sample_files import Row, camt053

FIXTURES = Path(__file__).resolve().parents[4] / "shared" / "fixtures" / "camt"
if not FIXTURES.is_dir():  # a worktree beside the main checkout
    FIXTURES = Path("/work/shared/fixtures/camt")


def events(data: bytes) -> list[object]:
    return list(camt.read(io.BytesIO(data)))


def entries(data: bytes) -> list[BankEntry]:
    return [e for e in events(data) if isinstance(e, BankEntry)]


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# Entries each fixture holds after batch details are split (counted by hand from the files).
EXPECTED = {
    "052_valid_example.xml": 2,
    "052_valid_example_with_dates.xml": 1,
    "052_valid_namespace.xml": 0,
    "053_valid_example.xml": 5,
    "053_valid_example_v4.xml": 32,
    "053_valid_example_v8.xml": 3,
    "053_valid_example_with_batch.xml": 3,
    "053_valid_example_with_datetime.xml": 1,
    "053_valid_example_with_debit.xml": 5,
    "053_valid_example_with_instdamt.xml": 1,
    "053_valid_example_with_other_id.xml": 0,
    "053_valid_namespace.xml": 0,
    "054_valid_example.xml": 5,
}


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="shared fixtures not present")
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_fixture_parses(name: str) -> None:
    found = entries(fixture(name))
    assert len(found) == EXPECTED[name]
    assert all(e.amount > 0 for e in found)


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="shared fixtures not present")
def test_fixture_list_is_complete() -> None:
    names = {p.name for p in FIXTURES.glob("*.xml")}
    assert names - set(EXPECTED) == {"general_invalid_namespace.xml"}


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="shared fixtures not present")
def test_empty_documents_hold_no_statement() -> None:
    # The "invalid namespace" fixture is an empty camt.053.001.03 document: a version we read,
    # but with no statement in it. The reader yields nothing; the import refuses it with
    # "the file holds no statement" (test_import_statement.py).
    assert events(fixture("general_invalid_namespace.xml")) == []
    assert events(fixture("053_valid_namespace.xml")) == []


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="shared fixtures not present")
def test_v8_fields() -> None:
    evs = events(fixture("053_valid_example_v8.xml"))
    begin = evs[0]
    assert isinstance(begin, StatementBegin)
    assert begin.header.account_iban == "CH1111111111111111111"
    assert begin.header.format == "camt.053.001.08"
    first = evs[1]
    assert isinstance(first, BankEntry)
    assert first.amount == Decimal("474.4")
    assert first.direction == Direction.CREDIT
    assert first.counterparty.name == "Jon Doe"
    assert first.end_to_end_id == "80000004540000100095"
    assert first.text == "INVOICE R77561"
    assert first.bank_id == "9999171ZC0173078"
    assert first.status == BookingStatus.BOOKED


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="shared fixtures not present")
def test_batch_details_are_split_and_reversal_kept() -> None:
    found = entries(fixture("054_valid_example.xml"))
    first_batch = [e for e in found if e.bank_id.startswith("20160410375244000000000000000081/")]
    assert [e.amount for e in first_batch] == [Decimal("15.00"), Decimal("9.00")]
    assert {e.bank_id for e in first_batch} == {
        "20160410375244000000000000000081/1",
        "20160410375244000000000000000081/2",
    }
    assert any(e.reversal for e in found)


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="shared fixtures not present")
def test_debit_balance_is_negative() -> None:
    begin = events(fixture("053_valid_example_with_debit.xml"))[0]
    assert isinstance(begin, StatementBegin)
    assert begin.header.opening is not None and begin.header.opening.amount == Decimal("-33.06")


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="shared fixtures not present")
def test_other_id_account() -> None:
    begin = events(fixture("053_valid_example_with_other_id.xml"))[0]
    assert isinstance(begin, StatementBegin)
    assert begin.header.account_iban == "ABCDE1234"


def bulgarian(version: str = "08", *, rows: list[Row] | None = None) -> bytes:
    out = io.BytesIO()
    camt053(
        out,
        iban="BG80BNBG96611020345678",
        rows=rows
        or [
            Row(
                dt.date(2026, 11, 2),
                Decimal("1200.00"),
                "ЕЛТЕХ ЕООД",
                "BG18RZBB91550123456789",
                "ф-ра № 0000000123/01.11.2026",
                "RF18539007547034",
                "E2E-1",
                "B-1",
            ),
            Row(dt.date(2026, 11, 2), Decimal("-35.40"), "ЧЕЗ Електро АД", "", "ел. енергия"),
        ],
        opening=Decimal("100.00"),
        date_from=dt.date(2026, 11, 2),
        date_to=dt.date(2026, 11, 2),
        version=version,
    )
    return out.getvalue()


@pytest.mark.parametrize("version", ["02", "04", "06", "08", "10", "13"])
def test_bulgarian_statement_in_every_version(version: str) -> None:
    evs = events(bulgarian(version))
    assert isinstance(evs[0], StatementBegin) and isinstance(evs[-1], StatementEnd)
    end = evs[-1].header
    assert end.opening is not None and end.opening.amount == Decimal("100.00")
    assert end.closing is not None and end.closing.amount == Decimal("1264.60")
    credit, debit = [e for e in evs if isinstance(e, BankEntry)]
    assert credit.counterparty.name == "ЕЛТЕХ ЕООД"
    assert credit.counterparty.iban == "BG18RZBB91550123456789"
    assert credit.reference == "RF18539007547034"
    assert credit.text == "ф-ра № 0000000123/01.11.2026"
    assert debit.direction == Direction.DEBIT and debit.counterparty.name == "ЧЕЗ Електро АД"


def test_several_statements_in_one_file() -> None:
    one = bulgarian()
    body = one.split(b"<Stmt>", 1)[1].rsplit(b"</BkToCstmrStmt>", 1)[0]
    two = one.replace(b"</BkToCstmrStmt>", b"<Stmt>" + body + b"</BkToCstmrStmt>", 1)
    evs = events(two)
    assert sum(isinstance(e, StatementBegin) for e in evs) == 2
    assert sum(isinstance(e, BankEntry) for e in evs) == 4


def test_not_camt_is_refused() -> None:
    with pytest.raises(StatementError, match="not a camt"):
        events(b'<?xml version="1.0"?><Document xmlns="urn:example:other"/>')
    with pytest.raises(StatementError, match="root element"):
        events(b"<html><body>hi</body></html>")


def test_unknown_version_is_refused() -> None:
    with pytest.raises(StatementError, match=r"version \.14"):
        events(b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.14"/>')


def test_truncated_xml_names_the_line() -> None:
    data = bulgarian()
    with pytest.raises(StatementError) as caught:
        events(data[: len(data) // 2])
    assert caught.value.where.startswith("line ")
    assert "broken" in caught.value.message


def test_entity_expansion_is_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">&c;</Document>'
    )
    with pytest.raises(StatementError, match="DOCTYPE"):
        events(bomb)


def test_external_entity_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY x SYSTEM "file://'
        + str(secret).encode()
        + b'">]><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">&x;</Document>'
    )
    with pytest.raises(StatementError) as caught:
        events(xxe)
    assert "TOP SECRET" not in str(caught.value)


def test_entry_without_amount_names_the_element() -> None:
    data = bulgarian().replace(b'<Amt Ccy="EUR">35.40</Amt>', b"", 1)
    with pytest.raises(StatementError) as caught:
        events(data)
    assert "Ntry[2]" in caught.value.where and "no amount" in caught.value.message


def test_batch_details_that_do_not_add_up_are_refused() -> None:
    detail = b'<TxDtls><Amt Ccy="EUR">{}</Amt><RmtInf><Ustrd>x</Ustrd></RmtInf></TxDtls>'
    ntry = (
        b'<Ntry><Amt Ccy="EUR">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
        b"<BookgDt><Dt>2026-11-02</Dt></BookgDt><AcctSvcrRef>R</AcctSvcrRef><NtryDtls>"
        + detail.replace(b"{}", b"4.00")
        + detail.replace(b"{}", b"5.00")
        + b"</NtryDtls></Ntry>"
    )
    data = (
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
        b"<Stmt><Id>S</Id><Acct><Id><IBAN>BG80BNBG96611020345678</IBAN></Id></Acct>"
        + ntry
        + b"</Stmt></BkToCstmrStmt></Document>"
    )
    with pytest.raises(StatementError, match="add up"):
        events(data)
    fixed = data.replace(b"5.00", b"6.00")
    assert [e.bank_id for e in entries(fixed)] == ["R/1", "R/2"]
