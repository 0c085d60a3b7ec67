"""Reading a CSV or XLSX file of parties. Pure: bytes and a file name in, typed rows and errors out.

Column headers may be English or Bulgarian (`name`/`име`, `eik`/`ЕИК`, `vat_number`/`ДДС номер` …),
in any order and case. Each row is checked with the same rules as the party form
(a `PartyInput` is read from it); writing to the database is the `import_parties` action.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from xfinances.core.exceptions import InvalidInput
from xfinances.parties.inputs import PARTY_FIELDS, PartyInput

MAX_ROWS = 5000

# Canonical column -> the headers that name it (normalised: lower case, single spaces).
COLUMN_HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("name", "име", "наименование", "фирма", "име на фирмата", "company name"),
    "name_latin": ("name latin", "latin name", "име на латиница", "наименование на латиница"),
    "kind": ("kind", "type", "вид", "тип"),
    "eik": ("eik", "еик", "булстат", "еик/булстат", "uic", "bulstat", "company id"),
    "vat_number": (
        "vat number",
        "vat",
        "vat no",
        "vat id",
        "ддс номер",
        "ддс",
        "ин по ддс",
        "идентификационен номер по ддс",
        "ддс no",
        "ддс №",
    ),
    "egn": ("egn", "егн"),
    "lnch": ("lnch", "лнч"),
    "country": ("country", "държава", "country code"),
    "city": ("city", "град", "населено място"),
    "postcode": ("postcode", "post code", "zip", "пощенски код", "пк"),
    "address": ("address", "адрес"),
    "mol": ("mol", "мол"),
    "email": ("email", "e mail", "имейл", "и мейл", "ел поща", "електронна поща"),
    "phone": ("phone", "телефон", "тел"),
    "iban": ("iban", "банкова сметка", "сметка"),
    "is_client": ("is client", "client", "клиент"),
    "is_supplier": ("is supplier", "supplier", "доставчик"),
    "payment_terms_days": (
        "payment terms days",
        "payment terms",
        "terms",
        "срок за плащане",
        "срок за плащане дни",
        "срок на плащане",
    ),
    "language": ("language", "език"),
    "notes": ("notes", "бележки", "забележки"),
    "tags": ("tags", "етикети", "тагове"),
    "contact_name": ("contact name", "contact", "лице за контакт", "име на лицето за контакт"),
    "contact_email": (
        "contact email",
        "contact e mail",
        "имейл на лицето за контакт",
        "имейл за контакт",
    ),
    "contact_phone": ("contact phone", "телефон на лицето за контакт", "телефон за контакт"),
}
TEMPLATE_COLUMNS = (
    "name",
    "kind",
    "eik",
    "vat_number",
    "egn",
    "country",
    "city",
    "postcode",
    "address",
    "mol",
    "email",
    "phone",
    "iban",
    "is_client",
    "is_supplier",
    "payment_terms_days",
    "language",
    "tags",
    "notes",
    "contact_name",
    "contact_email",
    "contact_phone",
)
_HEADER_LOOKUP = {
    header: column for column, headers in COLUMN_HEADERS.items() for header in headers
}
_HEADER_CLEAN = re.compile(r"[\s_\-.:/№#*()]+")
_TRUE = {"1", "yes", "y", "true", "x", "да", "д", "+", "✓"}
_FALSE = {"0", "no", "n", "false", "не", "н", "-", ""}
_KINDS = {
    "company": "company",
    "legal entity": "company",
    "фирма": "company",
    "юридическо лице": "company",
    "юл": "company",
    "дружество": "company",
    "person": "person",
    "individual": "person",
    "физическо лице": "person",
    "фл": "person",
    "лице": "person",
}


@dataclass
class ImportedRow:
    """One data row: `line` as the user sees it in the file (header is line 1)."""

    line: int
    values: dict[str, Any]
    errors: dict[str, list[str]] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)
    #: The row read as a party, when it has no errors: what `import_parties` creates.
    party: PartyInput | None = None

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def add(self, column: str, message: str) -> None:
        self.errors.setdefault(column, []).append(message)


@dataclass
class ParsedParties:
    rows: list[ImportedRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # about the whole file
    columns: list[str] = field(default_factory=list)  # canonical columns found
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def valid_rows(self) -> list[ImportedRow]:
        return [row for row in self.rows if row.is_valid]

    @property
    def invalid_rows(self) -> list[ImportedRow]:
        return [row for row in self.rows if not row.is_valid]


def column_for_header(header: str) -> str | None:
    key = _HEADER_CLEAN.sub(" ", str(header or "").strip().lower()).strip()
    return _HEADER_LOOKUP.get(key) or (
        key.replace(" ", "_") if key.replace(" ", "_") in COLUMN_HEADERS else None
    )


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


def _read_csv(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1251")  # Excel on Bulgarian Windows saves CSV in cp1251
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    return [list(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _read_xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        return [[_cell_text(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _flag(value: str, row: ImportedRow, column: str) -> bool | None:
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False if text else None
    row.add(column, _("Write yes or no (да или не)."))
    return None


def read_parties(content: bytes, filename: str) -> ParsedParties:
    """Parse and check every row. Never raises for bad input: problems come back as errors."""
    result = ParsedParties()
    is_xlsx = filename.lower().endswith((".xlsx", ".xlsm")) or content[:2] == b"PK"
    try:
        table = _read_xlsx(content) if is_xlsx else _read_csv(content)
    except Exception:  # openpyxl raises many kinds for a damaged file
        result.errors.append(
            _("The file could not be read: save it as CSV (UTF-8) or XLSX and upload it again.")
        )
        return result
    table = [row for row in table if any(cell.strip() for cell in row)]
    if not table:
        result.errors.append(_("The file has no rows."))
        return result
    header, body = table[0], table[1:]
    columns: list[str | None] = []
    for cell in header:
        column = column_for_header(cell)
        if column is None or column in columns:
            if cell.strip():
                result.ignored_columns.append(cell.strip())
            columns.append(None)
        else:
            columns.append(column)
    result.columns = [c for c in columns if c]
    if "name" not in result.columns:
        result.errors.append(
            _("The first row must name the columns; a “name” (or “име”) column is required.")
        )
        return result
    if len(body) > MAX_ROWS:
        result.errors.append(
            _("The file has %(n)d rows; import at most %(max)d at a time.")
            % {"n": len(body), "max": MAX_ROWS}
        )
        return result
    seen_eiks: dict[str, int] = {}
    for offset, cells in enumerate(body):
        raw = {
            column: (cells[index].strip() if index < len(cells) else "")
            for index, column in enumerate(columns)
            if column
        }
        row = _read_row(offset + 2, raw)
        eik = row.values.get("eik") or ""
        if eik and "eik" not in row.errors:
            if eik in seen_eiks:
                row.add(
                    "eik", _("Same ЕИК as line %(line)d of this file.") % {"line": seen_eiks[eik]}
                )
            else:
                seen_eiks[eik] = row.line
        result.rows.append(row)
    return result


def _read_row(line: int, raw: dict[str, str]) -> ImportedRow:
    row = ImportedRow(line=line, values={}, raw=raw)
    data: dict[str, Any] = {k: v for k, v in raw.items() if k in _PARTY_COLUMNS and v != ""}
    if raw.get("kind"):
        kind = _KINDS.get(raw["kind"].strip().lower())
        if kind is None:
            row.add("kind", _("Write company or person (фирма или физическо лице)."))
        else:
            data["kind"] = kind
    elif raw.get("egn") or raw.get("lnch"):
        data["kind"] = "person"
    for column in ("is_client", "is_supplier"):
        if column in raw:
            flag = _flag(raw[column], row, column)
            if flag is not None:
                data[column] = flag
            else:
                data.pop(column, None)
    if "is_client" not in data and "is_supplier" not in data:
        data["is_client"] = True
    if data.get("is_supplier") and "is_client" not in data:
        data["is_client"] = False
    if raw.get("iban"):
        data["iban"] = raw["iban"]
    contact = {
        "name": raw.get("contact_name", ""),
        "email": raw.get("contact_email", ""),
        "phone": raw.get("contact_phone", ""),
    }
    if any(contact.values()):
        receives = bool(contact["email"].strip())
        data["contacts"] = [
            {**contact, "receives_invoices": receives, "receives_reminders": receives}
        ]
    try:
        row.party = PartyInput.read(data)
    except InvalidInput as error:
        for key, messages in error.errors.items():
            column = _CONTACT_COLUMNS.get(key, key)
            if column == "kind" and "kind" in row.errors:
                continue
            for message in messages:
                row.add(column, str(message))
        row.values = {k: v for k, v in data.items() if k != "contacts"}
        return row
    party = row.party
    row.values = {name: getattr(party, name) for name in PARTY_FIELDS}
    row.values["iban"] = party.iban
    if party.contacts:
        row.values["contacts"] = [dataclasses.asdict(c.named()) for c in party.contacts]
    if row.errors:  # the kind or a yes/no column could not be read
        row.party = None
    return row


#: Where an error of the row's contact shows: at the column it came from.
_CONTACT_COLUMNS = {f"contacts.0.{name}": f"contact_{name}" for name in ("name", "email", "phone")}

_PARTY_COLUMNS = frozenset(
    {
        "name",
        "name_latin",
        "eik",
        "vat_number",
        "egn",
        "lnch",
        "country",
        "city",
        "postcode",
        "address",
        "mol",
        "email",
        "phone",
        "payment_terms_days",
        "language",
        "notes",
        "tags",
    }
)


def template_csv() -> bytes:
    """An example file with every column the importer understands (UTF-8 with BOM for Excel)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(TEMPLATE_COLUMNS)
    writer.writerow(
        [
            "„Примерна Фирма“ ООД",
            "company",
            "131468980",
            "BG131468980",
            "",
            "BG",
            "София",
            "1000",
            "ул. „Витоша“ 1",
            "Иван Иванов",
            "office@example.bg",
            "+359 2 123 4567",
            "BG80BNBG96611020345678",
            "yes",
            "no",
            "14",
            "bg",
            "ключов клиент",
            "",
            "Мария Петрова",
            "accounting@example.bg",
            "+359 888 123 456",
        ]
    )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
