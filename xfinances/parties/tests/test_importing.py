"""The pure importer: CSV (UTF-8, cp1251, ; or ,) and XLSX, English or Bulgarian headers."""

from __future__ import annotations

import io

from openpyxl import Workbook

from xfinances.parties.importing import read_parties, template_csv
from xfinances.parties.tests.factories import valid_eik, valid_iban

BG_CSV = (
    "Име;ЕИК;ДДС номер;Град;Имейл;IBAN;Клиент;Доставчик;Вид;ЕГН\n"
    f"„Алфа“ ООД;{valid_eik(1)};BG{valid_eik(1)};София;office@alfa.bg;{valid_iban(1)};да;не;;\n"
    f"Бета ЕООД;123;;Пловдив;лошо;BG00;да;;;\n"
    f";{valid_eik(2)};;;;;;;;\n"
    f"Иван Петров;;;Варна;;;;да;физическо лице;8503151235\n"
    f"Дубликат ООД;{valid_eik(1)};;;;;;;;\n"
)


def test_bulgarian_headers_semicolons_and_row_errors():
    parsed = read_parties(BG_CSV.encode("utf-8"), "parties.csv")
    assert parsed.errors == []
    assert [row.line for row in parsed.rows] == [2, 3, 4, 5, 6]
    alfa, beta, nameless, ivan, duplicate = parsed.rows
    assert alfa.errors == {}
    assert alfa.values["eik"] == valid_eik(1) and alfa.values["iban"] == valid_iban(1)
    assert alfa.values["is_client"] is True and alfa.values["is_supplier"] is False
    assert set(beta.errors) == {"eik", "email", "iban"}
    assert set(nameless.errors) == {"name"}
    assert ivan.errors == {}
    assert (
        ivan.values["kind"] == "person"
        and ivan.values["is_supplier"] is True
        and ivan.values["is_client"] is False
    )
    assert "line 2" in duplicate.errors["eik"][0]
    assert len(parsed.valid_rows) == 2


def test_cp1251_csv_from_excel_and_commas():
    text = f"name,eik,city\nГама АД,{valid_eik(3)},Русе\n"
    parsed = read_parties(text.encode("cp1251"), "old-excel.csv")
    assert parsed.rows[0].values["name"] == "Гама АД"
    assert parsed.rows[0].values["city"] == "Русе"


def test_xlsx_with_numbers_as_cells():
    book = Workbook()
    sheet = book.active
    sheet.append(["Name", "EIK", "VAT number", "Country", "Payment terms", "Tags"])
    sheet.append(
        ["Делта ООД", int(valid_eik(4)), f"BG{valid_eik(4)}", "BG", 30, "VIP, строителство"]
    )
    sheet.append(["Müller GmbH", None, "DE136695976", "DE", None, None])
    sheet.append(["Лоша", 131468981, None, "BG", "утре", None])
    buffer = io.BytesIO()
    book.save(buffer)
    parsed = read_parties(buffer.getvalue(), "parties.xlsx")
    assert parsed.errors == []
    delta, mueller, bad = parsed.rows
    assert (
        delta.errors == {}
        and delta.values["eik"] == valid_eik(4)
        and delta.values["payment_terms_days"] == 30
    )
    assert delta.values["tags"] == ["VIP", "строителство"]
    assert mueller.errors == {} and mueller.values["eik"] == ""
    assert set(bad.errors) == {"eik", "payment_terms_days"}


def test_unreadable_and_headerless_files_are_file_errors():
    assert read_parties(b"PK\x03\x04garbage", "x.xlsx").errors
    assert read_parties(b"", "x.csv").errors
    no_name = read_parties(b"eik,city\n131468980,Sofia\n", "x.csv")
    assert no_name.errors and not no_name.rows


def test_unknown_columns_are_reported_and_ignored():
    parsed = read_parties(f"name,eik,Любим цвят\nА ООД,{valid_eik(5)},син\n".encode(), "x.csv")
    assert parsed.ignored_columns == ["Любим цвят"]
    assert parsed.rows[0].errors == {}


def test_template_csv_is_a_valid_import():
    parsed = read_parties(template_csv(), "template.csv")
    assert parsed.errors == [] and len(parsed.valid_rows) == 1
    assert parsed.rows[0].values["contacts"][0]["email"] == "accounting@example.bg"
