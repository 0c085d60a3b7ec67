"""CSV / TXT / XLSX exports through the column profiles, and format detection (no database)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from decimal import Decimal

import pytest
from openpyxl import Workbook

from xfinances.banking import csv_profiles, detect
from xfinances.banking.records import (
    BankEntry,
    Direction,
    StatementBegin,
    StatementError,
    StatementEvent,
)

CSV = (
    "Дата;Вальор;Сума;Валута;Контрагент;IBAN на контрагент;Основание\r\n"
    "03.11.2026;03.11.2026;1 234,56;BGN;ЕЛТЕХ ЕООД;BG18RZBB91550123456789;ф-ра 0000000123\r\n"
    "03.11.2026;03.11.2026;-80,00;BGN;Мобилтел ЕАД;;Телефон RF18539007547034\r\n"
)


def entries(events: Iterable[StatementEvent]) -> list[BankEntry]:
    return [e for e in events if isinstance(e, BankEntry)]


def test_semicolon_cp1251_export() -> None:
    found = entries(
        detect.read_statement(
            io.BytesIO(CSV.encode("cp1251")), account_iban="BG80BNBG96611020345678"
        )
    )
    assert [(e.direction, e.amount) for e in found] == [
        (Direction.CREDIT, Decimal("1234.56")),
        (Direction.DEBIT, Decimal("80.00")),
    ]
    assert found[0].counterparty.name == "ЕЛТЕХ ЕООД"
    assert found[0].booking_date == dt.date(2026, 11, 3)
    assert found[1].reference == "RF18539007547034"
    assert found[0].source_line == "line 2"


def test_utf8_pipe_export_with_debit_and_credit_columns() -> None:
    text = (
        "Дата|Дебит|Кредит|Контрагент|Основание\n"
        "03.11.2026||150,00|Иван Петров|ф-ра 5\n"
        "04.11.2026|20,00||Банка|такса\n"
    )
    events = list(detect.read_statement(io.BytesIO(text.encode("utf-8"))))
    assert isinstance(events[0], StatementBegin)
    assert events[0].header.format == "csv:ubb-txt"
    assert [(e.direction, e.amount) for e in entries(events)] == [
        (Direction.CREDIT, Decimal("150.00")),
        (Direction.DEBIT, Decimal("20.00")),
    ]


def test_wrong_delimiter_is_refused_clearly() -> None:
    text = CSV.replace(";", "\t").encode("cp1251")
    with pytest.raises(StatementError, match="delimiter"):
        list(detect.read_statement(io.BytesIO(text)))


def test_wrong_encoding_for_a_chosen_profile() -> None:
    text = CSV.encode("utf-16")
    profile = csv_profiles.builtin("comma-csv")
    with pytest.raises(StatementError):
        list(csv_profiles.read(io.BytesIO(text), profile=profile))


def test_bad_amount_names_the_line() -> None:
    text = CSV.replace("-80,00", "осемдесет").encode("cp1251")
    with pytest.raises(StatementError) as caught:
        list(detect.read_statement(io.BytesIO(text)))
    assert caught.value.where == "line 3"


def test_xlsx_export() -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Извлечение по сметка BG80BNBG96611020345678"])
    sheet.append(["Дата", "Сума", "Контрагент", "Основание"])
    sheet.append([dt.date(2026, 11, 3), 99.9, "АЛФА ООД", "ф-ра 77"])
    sheet.append([dt.date(2026, 11, 4), -5, "Банка", "такса"])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    found = entries(detect.read_statement(out))
    assert [(e.direction, e.amount) for e in found] == [
        (Direction.CREDIT, Decimal("99.9")),
        (Direction.DEBIT, Decimal("5")),
    ]


def test_profile_round_trip_and_validation() -> None:
    profile = csv_profiles.builtin("bg-csv")
    assert csv_profiles.Profile.from_dict(profile.to_dict()).columns == {
        k: tuple(v) for k, v in profile.columns.items()
    }
    with pytest.raises(StatementError, match="date and an amount"):
        csv_profiles.Profile.from_dict({"columns": {"date": ["Дата"]}})


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b'<?xml version="1.0"?><Document/>', "camt"),
        (b"\xef\xbb\xbf  <Document/>", "camt"),
        (b":20:STMT\r\n:25:BG80", "mt940"),
        (b"{1:F01BNBG}{4:\r\n:20:X", "mt940"),
        (b"PK\x03\x04rest", "xlsx"),
        (b"\xd0\xcf\x11\xe0", "xls"),
        (b"Date;Amount\n", "csv"),
        (b"", ""),
        (b"\x00\x01\x02binary", ""),
    ],
)
def test_sniff(head: bytes, kind: str) -> None:
    assert detect.sniff(head) == kind


def test_not_a_statement() -> None:
    with pytest.raises(StatementError, match="not a bank statement"):
        list(detect.read_statement(io.BytesIO(b"\x00\x01\x02\x03")))
    with pytest.raises(StatementError, match="xlsx"):
        list(detect.read_statement(io.BytesIO(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)))
