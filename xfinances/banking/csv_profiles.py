"""CSV / TXT / XLSX statement exports read through per-bank column profiles.

A profile says how one bank's export looks: delimiter, encoding, date format, decimal comma,
and which column holds what (by header title, several spellings allowed, case and spaces
ignored). The profiles shipped here are a starting point for the common Bulgarian exports; a
company saves its own edited copies (`Profile.from_dict`, stored as JSON by the import
action). A profile is chosen by its header titles when the user names none.

Rows are read one at a time (csv reader over a text stream, openpyxl in read-only mode), so a
large export never sits whole in memory. Pure: no database, no Django models.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.utils.translation import gettext_noop as N_

from xfinances.banking.records import (
    BankEntry,
    Counterparty,
    Direction,
    StatementBegin,
    StatementEnd,
    StatementError,
    StatementEvent,
    StatementHeader,
    checked_amount,
)

# The fields a profile may map to columns.
FIELDS = (
    "date",  # booking date (required)
    "value_date",
    "amount",  # signed amount, or:
    "debit",  # money out (positive numbers)
    "credit",  # money in
    "direction",  # a column saying debit/credit ("Д"/"К", "D"/"C", "Дебит"/"Кредит")
    "currency",
    "name",
    "iban",
    "bic",
    "text",
    "reference",
    "bank_id",
    "account",  # our own IBAN, when the export repeats it on every row
)


@dataclass(frozen=True)
class Profile:
    key: str
    name: str
    columns: Mapping[str, Sequence[str]]  # field → accepted header titles
    delimiter: str = ";"
    encoding: str = "cp1251"
    date_formats: Sequence[str] = ("%d.%m.%Y", "%d/%m/%Y", "%Y-%m-%d")
    decimal_comma: bool = True
    currency: str = ""  # when no column gives it
    debit_words: Sequence[str] = ("D", "Д", "DEBIT", "ДЕБИТ", "DBIT", "-")
    skip_rows: int = 0  # lines before the header row (titles, account name …)
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["columns"] = {k: list(v) for k, v in self.columns.items()}
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Profile:
        columns = data.get("columns") or {}
        unknown = set(columns) - set(FIELDS)
        if unknown:
            raise StatementError(
                N_("unknown profile fields: %(fields)s"), fields=", ".join(sorted(unknown))
            )
        if "date" not in columns or not (
            "amount" in columns or ("debit" in columns and "credit" in columns)
        ):
            raise StatementError(N_("a profile needs a date and an amount (or debit and credit)"))
        return cls(
            key=str(data.get("key") or "custom"),
            name=str(data.get("name") or data.get("key") or "custom"),
            columns={k: tuple(v) for k, v in columns.items()},
            delimiter=str(data.get("delimiter") or ";"),
            encoding=str(data.get("encoding") or "cp1251"),
            date_formats=tuple(data.get("date_formats") or ("%d.%m.%Y", "%Y-%m-%d")),
            decimal_comma=bool(data.get("decimal_comma", True)),
            currency=str(data.get("currency") or ""),
            debit_words=tuple(str(w) for w in data.get("debit_words") or Profile.debit_words),
            skip_rows=int(data.get("skip_rows") or 0),
            extra={"xlsx": True} if (data.get("extra") or {}).get("xlsx") else {},
        )


_BG_COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("Дата", "Дата на операцията", "Дата осчетоводяване", "Счетоводна дата", "Date"),
    "value_date": ("Вальор", "Дата вальор", "Value date"),
    "amount": ("Сума", "Amount"),
    "debit": ("Дебит", "Debit", "Дт"),
    "credit": ("Кредит", "Credit", "Кт"),
    "direction": ("Д/К", "Дебит/Кредит", "D/C", "Тип"),
    "currency": ("Валута", "Currency"),
    "name": ("Контрагент", "Наредител/Получател", "Име на контрагент", "Counterparty"),
    "iban": ("Сметка на контрагент", "IBAN на контрагент", "IBAN", "Counterparty IBAN"),
    "bic": ("BIC", "BIC на контрагент"),
    "text": ("Основание", "Описание", "Основание за плащане", "Details", "Description"),
    "reference": ("Референция", "Реф. на плащането", "Reference"),
    "bank_id": ("Номер на операцията", "Референция на банката", "Transaction id"),
    "account": ("Сметка", "Account"),
}

BUILTIN: tuple[Profile, ...] = (
    Profile(
        key="bg-csv",
        name="CSV, разделител „;“ (DSK, Fibank, Postbank, Raiffeisen)",
        columns=_BG_COLUMNS,
    ),
    Profile(
        key="ubb-txt",
        name="ОББ, TXT с разделител „|“",
        columns=_BG_COLUMNS,
        delimiter="|",
    ),
    Profile(
        key="procredit-xlsx",
        name="ПроКредит, XLSX",
        columns=_BG_COLUMNS,
        encoding="utf-8",
        extra={"xlsx": True},
    ),
    Profile(
        key="comma-csv",
        name="CSV, разделител „,“, десетична точка (UTF-8)",
        columns=_BG_COLUMNS,
        delimiter=",",
        encoding="utf-8",
        decimal_comma=False,
    ),
)


def builtin(key: str) -> Profile:
    for profile in BUILTIN:
        if profile.key == key:
            return profile
    raise StatementError(N_("no column profile %(key)s"), key=repr(key))


def _norm(title: object) -> str:
    return " ".join(str(title or "").replace("\ufeff", "").split()).casefold()


def _column_map(profile: Profile, header: Sequence[object]) -> dict[str, int]:
    titles = [_norm(t) for t in header]
    found: dict[str, int] = {}
    for name, accepted in profile.columns.items():
        for title in accepted:
            key = _norm(title)
            if key in titles:
                found[name] = titles.index(key)
                break
    return found


def _usable(found: Mapping[str, int]) -> bool:
    return "date" in found and ("amount" in found or ("debit" in found and "credit" in found))


def _amount(value: object, profile: Profile, where: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, (int, Decimal)):
        return checked_amount(Decimal(value), value, where)
    if isinstance(value, float):
        return checked_amount(Decimal(repr(value)), value, where)
    text = str(value).strip().replace("\xa0", "").replace(" ", "")
    if not text:
        return None
    if profile.decimal_comma:
        text = text.replace(".", "").replace(",", ".")
    else:
        text = text.replace(",", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise StatementError(N_("%(value)s is not an amount"), where, value=repr(value)) from None
    return checked_amount(amount, value, where)


def _date(value: object, profile: Profile, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    for fmt in profile.date_formats:
        try:
            width = len(dt.date(2000, 12, 31).strftime(fmt))
            return dt.datetime.strptime(text[:width], fmt).date()
        except ValueError:
            continue
    raise StatementError(N_("%(value)s is not a date"), where, value=repr(text))


def _rows_text(source: IO[bytes], profile: Profile) -> Iterator[tuple[int, list[str]]]:
    stream = codecs.getreader(profile.encoding)(source, "strict")
    reader = csv.reader(stream, delimiter=profile.delimiter)
    try:
        yield from enumerate(reader, 1)
    except UnicodeDecodeError:
        raise StatementError(
            N_("the file is not in the %(encoding)s encoding of this profile"),
            f"line {reader.line_num + 1}",
            encoding=profile.encoding,
        ) from None
    except csv.Error as error:
        raise StatementError(
            N_("the CSV is broken: %(error)s"), f"line {reader.line_num}", error=str(error)
        ) from None


def _rows_xlsx(source: IO[bytes]) -> Iterator[tuple[int, list[object]]]:
    from openpyxl import load_workbook  # local: openpyxl takes 0.2 s to import

    try:
        book = load_workbook(source, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise StatementError(
            N_("the spreadsheet cannot be read (%(error)s)"), error=error.__class__.__name__
        ) from None
    try:
        sheet = book.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), 1):
            yield number, list(row)
    finally:
        book.close()


def choose_profile(header: Sequence[object], profiles: Sequence[Profile]) -> Profile | None:
    for profile in profiles:
        if _usable(_column_map(profile, header)):
            return profile
    return None


def _open_rows(
    source: IO[bytes], profile: Profile | None, xlsx: bool, profiles: Sequence[Profile]
) -> tuple[Iterator[tuple[int, list[Any]]], Profile | None]:
    """The numbered rows of the file and the profile to read them with (None for a
    spreadsheet whose header row will choose it)."""
    if xlsx:
        return _rows_xlsx(source), profile
    chosen = profile
    if chosen is None:
        head = source.read(65536)
        source.seek(0)
        chosen = _sniff_text_profile(head, profiles)
    return _rows_text(source, chosen), chosen


def _find_header(
    rows: Iterator[tuple[int, list[Any]]], profile: Profile | None, profiles: Sequence[Profile]
) -> tuple[Profile, dict[str, int]]:
    """Read up to the header row: the profile and where its columns are."""
    for number, row in rows:
        if profile is not None and number <= profile.skip_rows:
            continue
        candidate = profile or choose_profile(row, profiles)
        if candidate is not None:
            found = _column_map(candidate, row)
            if _usable(found):
                return candidate, found
        if number > 10 + (profile.skip_rows if profile else 0):
            break
    raise StatementError(
        N_(
            "no header row with a date and an amount column: check the delimiter, the "
            "encoding and the column profile"
        ),
        "line 1",
    )


@dataclass(frozen=True)
class _Row:
    """One data row with the header's column positions."""

    cells: list[Any]
    found: Mapping[str, int]

    def __call__(self, name: str) -> Any:
        index = self.found.get(name)
        return self.cells[index] if index is not None and index < len(self.cells) else None


def _signed_amount(cell: _Row, profile: Profile, where: str) -> Decimal:
    signed = _amount(cell("amount"), profile, where)
    if signed is None:
        debit = _amount(cell("debit"), profile, where) or Decimal(0)
        credit = _amount(cell("credit"), profile, where) or Decimal(0)
        return checked_amount(credit - abs(debit), f"{credit} - {abs(debit)}", where)
    mark = str(cell("direction") or "").strip().upper()
    if mark and mark in {w.upper() for w in profile.debit_words}:
        return -abs(signed)
    return signed


def _entry(cell: _Row, profile: Profile, header: StatementHeader, where: str) -> BankEntry | None:
    """The bank entry of one row (None for a row of zero)."""
    day = _date(cell("date"), profile, where)
    signed = _signed_amount(cell, profile, where)
    if signed == 0:
        return None
    value_text = cell("value_date")
    text = " ".join(str(cell("text") or "").split())
    reference = str(cell("reference") or "").strip()
    if not reference:
        match = re.search(r"RF\d{2}[0-9A-Z]{1,21}", text.replace(" ", "").upper())
        reference = match.group(0) if match else ""
    return BankEntry(
        amount=abs(signed),
        currency=(str(cell("currency") or "") or header.currency).upper(),
        direction=Direction.CREDIT if signed > 0 else Direction.DEBIT,
        booking_date=day,
        value_date=_date(value_text, profile, where) if value_text else None,
        bank_id=str(cell("bank_id") or "").strip(),
        reference=reference,
        text=text,
        counterparty=Counterparty(
            name=" ".join(str(cell("name") or "").split()),
            iban=str(cell("iban") or "").replace(" ", "").upper(),
            bic=str(cell("bic") or "").strip(),
        ),
        source_line=where,
        raw={"row": "|".join(str(c if c is not None else "") for c in cell.cells)[:2000]},
    )


def read(
    source: IO[bytes],
    *,
    profile: Profile | None = None,
    xlsx: bool = False,
    account_iban: str = "",
    currency: str = "",
    profiles: Sequence[Profile] = BUILTIN,
) -> Iterator[StatementEvent]:
    """Statement events of a CSV/TXT/XLSX export: one statement, no balances (the exports
    carry none). Without `profile` the first profile whose columns the header row has wins."""
    rows, chosen = _open_rows(source, profile, xlsx, profiles)
    chosen, found = _find_header(rows, chosen, profiles)
    begun: StatementHeader | None = None
    count = 0
    for number, cells in rows:
        if not any(str(c or "").strip() for c in cells):
            continue
        where = f"line {number}"
        cell = _Row(cells, found)
        if begun is None:
            iban = (account_iban or str(cell("account") or "")).replace(" ", "").upper()
            begun = StatementHeader(
                account_iban=iban,
                currency=(currency or chosen.currency or str(cell("currency") or "")).upper(),
                format=f"csv:{chosen.key}",
                source_line=where,
            )
            yield StatementBegin(begun)
        entry = _entry(cell, chosen, begun, where)
        if entry is not None:
            count += 1
            yield entry
    if begun is None:
        raise StatementError(N_("the file has a header row but no transactions"), "line 2")
    yield StatementEnd(replace(begun, entry_count=count))


def _sniff_text_profile(head: bytes, profiles: Sequence[Profile]) -> Profile:
    """The profile whose delimiter, encoding and header titles fit the first lines."""
    utf8 = _is_utf8(head)
    for profile in profiles:
        if profile.extra.get("xlsx"):
            continue
        encoding = "utf-8-sig" if utf8 else profile.encoding
        if not utf8 and profile.encoding.startswith("utf"):
            continue
        text = head.decode(encoding, errors="replace")
        lines = text.splitlines()[: 10 + profile.skip_rows]
        for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=profile.delimiter):
            if _usable(_column_map(profile, row)):
                return replace(profile, encoding=encoding)
    raise StatementError(
        N_(
            "no column profile fits this file: check the delimiter and the encoding, or choose "
            "a profile"
        ),
        "line 1",
    )


def _is_utf8(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start >= len(head) - 4
    return True
