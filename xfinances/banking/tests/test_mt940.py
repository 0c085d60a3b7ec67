"""The MT940 reader on Bulgarian-style files (windows-1251, `+NN` sub-fields), no database."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest

from xfinances.banking import mt940
from xfinances.banking.records import (
    BankEntry,
    Direction,
    StatementBegin,
    StatementEnd,
    StatementError,
)
from xfinances.banking.sample_files import Row
from xfinances.banking.sample_files import mt940 as write_mt940

IBAN = "BG80BNBG96611020345678"
DAY = dt.date(2026, 11, 3)


def sample(rows: list[Row], *, encoding: str = "cp1251", statements: int = 1) -> bytes:
    out = io.BytesIO()
    opening = Decimal("500.00")
    for number in range(1, statements + 1):
        opening = write_mt940(
            out,
            iban=IBAN,
            rows=rows,
            opening=opening,
            date_from=DAY,
            statement_number=number,
            encoding=encoding,
        )
    return out.getvalue()


ROWS = [
    Row(
        DAY,
        Decimal("1234.56"),
        "ЕЛТЕХ ЕООД",
        "BG18RZBB91550123456789",
        "Плащане по фактура № 0000000123 от 01.11.2026 и ф-ра 124",
        "",
        "E2E7",
        "BNK0001",
    ),
    Row(DAY, Decimal("-80.00"), "Мобилтел ЕАД", "", "Телефон"),
    Row(DAY, Decimal("-80.00"), "Мобилтел ЕАД", "", "Телефон"),
    Row(DAY, Decimal("12.00"), "", "", "Сторно такса", reversal=True),
]


def read(data: bytes) -> list[object]:
    return list(mt940.read(io.BytesIO(data)))


@pytest.mark.parametrize("encoding", ["cp1251", "utf-8"])
def test_bulgarian_statement(encoding: str) -> None:
    evs = read(sample(ROWS, encoding=encoding))
    assert isinstance(evs[0], StatementBegin) and isinstance(evs[-1], StatementEnd)
    assert evs[0].header.account_iban == IBAN
    end = evs[-1].header
    assert end.opening is not None and end.opening.amount == Decimal("500.00")
    assert end.closing is not None and end.closing.amount == Decimal("1586.56")
    first, second, third, fourth = [e for e in evs if isinstance(e, BankEntry)]
    assert first.counterparty.name == "ЕЛТЕХ ЕООД"
    assert first.counterparty.iban == "BG18RZBB91550123456789"
    # Purpose sub-fields +20… joined even though the text was wrapped over several of them.
    assert "фактура № 0000000123 от 01.11.2026 и ф-ра 124" in first.text
    assert first.bank_id == "BNK0001" and first.end_to_end_id == "E2E7"
    assert (second.direction, second.amount) == (Direction.DEBIT, Decimal("80.00"))
    assert second.bank_id == ""  # NONREF: the importer keys it by fingerprint
    assert second == third.__class__(**{**third.__dict__, "source_line": second.source_line})
    assert fourth.reversal and fourth.direction == Direction.CREDIT  # RD takes back a debit
    assert second.source_line != third.source_line


def test_several_statements() -> None:
    rows = [Row(DAY, Decimal(i + 1), f"Клиент {i}", "", f"ф-ра {i}") for i in range(10)]
    evs = read(sample(rows, statements=2))
    assert sum(isinstance(e, StatementBegin) for e in evs) == 2
    found = [e for e in evs if isinstance(e, BankEntry)]
    assert [e.amount for e in found] == [Decimal(i + 1) for i in range(10)] * 2
    ends = [e.header for e in evs if isinstance(e, StatementEnd)]
    assert ends[0].closing is not None and ends[1].opening is not None
    assert ends[0].closing.amount == ends[1].opening.amount == Decimal("555.00")


def test_broken_balance_line_names_the_line() -> None:
    data = sample(ROWS).replace(b":60F:C261103BGN500,00", b":60F:C2611BGN500")
    with pytest.raises(StatementError) as caught:
        read(data)
    assert caught.value.where == "line 4"
    assert ":60F:" in caught.value.message


def test_broken_transaction_line_names_the_line() -> None:
    data = sample(ROWS).replace(b":61:2611031103D80,00", b":61:26XX031103D80,00", 1)
    with pytest.raises(StatementError) as caught:
        read(data)
    assert caught.value.where.startswith("line ") and ":61:" in caught.value.message


def test_not_mt940() -> None:
    with pytest.raises(StatementError, match="no :20:"):
        read(b"hello\nworld\n")


def test_swift_envelope_is_skipped() -> None:
    data = b"{1:F01BNBGBGSDAXXX0000000000}{2:O940}{4:\r\n" + sample(ROWS[:1]) + b"-}\r\n"
    assert len([e for e in read(data) if isinstance(e, BankEntry)]) == 1


def test_split_details_plain_text() -> None:
    assert mt940.split_details("Just text\nmore") == {"00": "Just text more"}
    assert mt940.split_details("+00Текст+20ф-ра 1+21 и 2+32ИМЕ") == {
        "00": "Текст",
        "20": "ф-ра 1",
        "21": "и 2",
        "32": "ИМЕ",
    }


def test_transactions_read_as_the_mt940_package_reads_them() -> None:
    """The reader's own `:61:` pattern against the package's, on a file with every mark, an
    entry date across the new year and references on both sides of `//`."""
    import mt940 as package

    rows = [
        *ROWS,
        Row(dt.date(2026, 12, 31), Decimal("7.50"), "Банка", "", "Такса", "", "", "B9"),
    ]
    data = sample(rows).replace(b":61:2612311231", b":61:2612310101")
    ours = [e for e in read(data) if isinstance(e, BankEntry)]
    theirs = list(package.parse(data.decode("cp1251"), options=package.Options.all()))
    assert len(ours) == len(theirs) == len(rows)
    for entry, transaction in zip(ours, theirs, strict=True):
        got = transaction.data
        assert entry.amount == abs(Decimal(str(got["amount"].amount)))
        assert entry.value_date == got["date"]
        assert entry.booking_date == got.get("entry_date", got["date"])
        assert entry.bank_code == (got.get("id") or "")
        assert entry.raw["bank_reference"] == (got.get("bank_reference") or "").strip()
        assert entry.raw["customer_reference"] == (got.get("customer_reference") or "").strip()
        assert entry.raw["mark"] == got["status"]
    assert ours[-1].booking_date == dt.date(2027, 1, 1)
