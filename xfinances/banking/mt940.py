"""MT940 reader: bytes in, statement events out (shared/domain/banking.md).

Bulgarian banks send MT940 in windows-1251 (some in UTF-8: the first 64 KB decide) and
structure `:86:` with `+NN` sub-fields (`+00` text, `+20`…`+27` purpose, `+30` BIC, `+31`
IBAN, `+32`/`+33` name). This module streams the file line by line and cuts it into
statements, so a 100,000-entry file never sits whole in memory. The `mt-940` package parses
each statement's header and trailer (balances, numbers: a few tags per statement); the
`:61:`/`:86:` pairs, which are nearly all of a file, are read here with one regular expression
that follows the package's pattern: the package's per-transaction machinery cost two thirds
of an import. Every `:61:` and balance line is checked, so an error names its line.

Pure: no database, no Django models. (Module name: the package is imported absolutely as
`mt940`, this one as `xfinances.banking.mt940`.)
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import IO, Any

import mt940 as mt940_package
from django.utils.translation import gettext_noop as N_

from xfinances.banking.records import (
    Balance,
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

OPTIONS = mt940_package.Options.all()
TAG = re.compile(r"^:(\d{2}[A-Z]?):")
BALANCE_LINE = re.compile(r"^:(60[FM]|62[FM]|64|65):[CD]\d{6}[A-Z]{3}\d{1,15},\d{0,2}\s*$")
# `:61:` as the mt-940 package reads it: value date YYMMDD, optional entry date MMDD, mark
# (C, D, RC, RD), optional funds code, amount with a decimal comma, type code, customer
# reference up to 16 characters, `//` bank reference, supplementary details on the next line.
LINE_61 = re.compile(
    r":61:(?P<year>\d{2})(?P<month>\d{2})(?P<day>\d{2})"
    r"(?P<entry_month>\d{2}|\s{2})?(?P<entry_day>\d{2}|\s{2})?"
    r"(?P<status>R?[DC])(?P<funds_code>[A-Z])?[\n ]?(?P<amount>\d{1,15},\d{0,2})"
    r"(?P<id>[A-Z][A-Z0-9 ]{3})?(?P<customer_reference>(?:(?!//)[^\n]){0,16})"
    r"(?://(?P<bank_reference>[^\n]{0,23}))?(?:\n?(?P<extra_details>[\s\S]*))?$"
)
YEAR_BOUNDARY_DAYS = 330  # an entry date this far from the value date is in the next year
SUBFIELD = re.compile(r"\+(\d{2})")
ENVELOPE = re.compile(r"^(\{\d:.*|-\}?|\}|\s*)$")
NO_REFERENCE = {"", "NONREF", "NOREF", "NONE"}


def sniff_encoding(head: bytes) -> str:
    """UTF-8 when the first bytes decode as it (allowing a character cut at the end), else
    windows-1251, what Bulgarian banks send."""
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:
            return "cp1251"
    return "utf-8"


def split_details(details: str) -> dict[str, str]:
    """The `+NN` sub-fields of a Bulgarian `:86:` (continuation lines joined without a
    break: the banks wrap at 65 characters mid-word). Text without sub-fields is `00`."""
    flat = details.replace("\r", "").replace("\n", "")
    if not flat.startswith("+") or not SUBFIELD.match(flat):
        return {"00": " ".join(details.split())}
    parts = SUBFIELD.split(flat)
    fields: dict[str, str] = {}
    for code, value in zip(parts[1::2], parts[2::2], strict=False):
        value = value.strip()
        if value:
            fields[code] = f"{fields[code]} {value}" if code in fields else value
    return fields


BALANCE_TAGS = frozenset(("60F", "60M", "62F", "62M", "64", "65"))
TRAILER_TAGS = frozenset(("62F", "62M", "64", "65"))


@dataclass
class _Statement:
    start_line: int
    header_lines: list[str] = field(default_factory=list)
    trailer_lines: list[str] = field(default_factory=list)
    in_transactions: bool = False
    in_trailer: bool = False
    begun: StatementHeader | None = None
    count: int = 0
    line_61: tuple[int, str] | None = None  # the `:61:` waiting for its `:86:`
    details: list[str] = field(default_factory=list)


def _balance(value: Any, where: str) -> Balance | None:
    if value is None:
        return None
    amount = value.amount
    return Balance(
        checked_amount(Decimal(str(amount.amount)), str(amount.amount), where, N_("balance")),
        str(amount.currency),
        dt.date(value.date.year, value.date.month, value.date.day),
    )


def _parse(text: str, where: str) -> Any:
    try:
        return mt940_package.parse(text, options=OPTIONS)
    except (RuntimeError, ValueError, KeyError, IndexError) as error:
        raise StatementError(
            N_("the bank statement cannot be read: %(error)s"), where, error=str(error.args[0])
        ) from None


def _header(stmt: _Statement) -> StatementHeader:
    where = f"line {stmt.start_line}"
    data = _parse("\n".join(stmt.header_lines) + "\n", where).data
    account = str(data.get("account_identification") or "").replace(" ", "").upper()
    if not account:
        raise StatementError(N_("the statement names no account (:25:)"), where)
    # `:25:` is BIC/IBAN at some banks, IBAN/currency at others: keep the IBAN.
    for part in re.split(r"[/ ]", account):
        if len(part) >= 15 and part[:2].isalpha() and part[2:4].isdigit():
            account = part
            break
    opening = _balance(data.get("final_opening_balance"), where) or _balance(
        data.get("intermediate_opening_balance"), where
    )
    return StatementHeader(
        account_iban=account,
        currency=opening.currency if opening else "",
        statement_id=str(data.get("transaction_reference") or ""),
        sequence="/".join(
            str(x) for x in (data.get("statement_number"), data.get("sequence_number")) if x
        ),
        opening=opening,
        format="mt940",
        source_line=where,
    )


def _dates(found: re.Match[str], where: str) -> tuple[dt.date, dt.date]:
    """(booking date, value date) of a `:61:`; the entry date MMDD takes the value date's year,
    moved by one when the two lie a year boundary apart (as the mt-940 package does)."""
    try:
        value = dt.date(2000 + int(found["year"]), int(found["month"]), int(found["day"]))
        month, day = found["entry_month"] or "", found["entry_day"] or ""
        if not (month.isdigit() and day.isdigit()):
            return value, value
        entry = dt.date(value.year, int(month), int(day))
    except ValueError:
        raise StatementError(N_("the transaction has an impossible date"), where) from None
    if (value - entry).days >= YEAR_BOUNDARY_DAYS:
        entry = entry.replace(year=entry.year + 1)
    elif (entry - value).days >= YEAR_BOUNDARY_DAYS:
        entry = entry.replace(year=entry.year - 1)
    return entry, value


def _entry(line: int, tag_text: str, details: str, header: StatementHeader) -> BankEntry:
    where = f"line {line}"
    found = LINE_61.match(tag_text)
    if found is None:
        first = tag_text.split("\n", 1)[0]
        raise StatementError(
            N_("the transaction line :61: is broken (%(line)s)"), where, line=repr(first[:60])
        )
    mark = found["status"]
    booking, value = _dates(found, where)
    fields = split_details(details)
    purpose = " ".join(fields[k] for k in sorted(fields) if "20" <= k <= "29")
    text = " ".join(x for x in (purpose, fields.get("00", "")) if x)
    bank_ref = (found["bank_reference"] or "").strip()
    customer_ref = (found["customer_reference"] or "").strip()
    code = found["id"] or ""
    compact = text.replace(" ", "").upper()
    match = RF_IN_TEXT.search(compact) if "RF" in compact else None
    reference = match.group(0) if match else ""
    name = " ".join(" ".join(fields[k] for k in ("32", "33") if k in fields).split())
    return BankEntry(
        amount=checked_amount(Decimal(found["amount"].replace(",", ".")), found["amount"], where),
        currency=header.currency.upper(),
        # C / RD are money in (RD takes back a debit), D / RC money out.
        direction=Direction.CREDIT if mark in ("C", "RD") else Direction.DEBIT,
        booking_date=booking,
        value_date=value,
        bank_id="" if bank_ref.upper() in NO_REFERENCE else bank_ref,
        end_to_end_id="" if customer_ref.upper() in NO_REFERENCE else customer_ref,
        reference=reference,
        text=text,
        counterparty=Counterparty(
            name=name,
            iban=fields.get("31", "").replace(" ", "").upper(),
            bic=fields.get("30", "").strip(),
        ),
        bank_code=code,
        reversal=mark in ("RC", "RD"),
        source_line=where,
        raw={
            "mark": mark,
            "type": code,
            "customer_reference": customer_ref,
            "bank_reference": bank_ref,
            "details": details[:2000],
            "format": "mt940",
        },
    )


RF_IN_TEXT = re.compile(r"\bRF\d{2}[0-9A-Z]{1,21}\b")


class _Reader:
    """Cuts the lines into tags and the tags into statements and their transactions."""

    def __init__(self) -> None:
        self.stmt: _Statement | None = None
        self.seen_any = False
        self.pending: list[str] = []  # the lines of the tag being read (a tag may span lines)
        self.pending_line = 0

    def line(self, number: int, line: str) -> Iterator[StatementEvent]:
        tag = TAG.match(line)
        if tag:
            yield from self.finish_tag()
            if tag.group(1) == "20":
                if self.stmt is not None:
                    yield from self.end(self.stmt)
                self.stmt = _Statement(number)
                self.seen_any = True
            elif self.stmt is None:
                raise StatementError(
                    N_("the statement must start with :20:, not :%(tag)s:"),
                    f"line {number}",
                    tag=tag.group(1),
                )
            self.pending = [line]
            self.pending_line = number
        elif ENVELOPE.match(line):
            if self.stmt is not None:
                yield from self.finish_tag()
        elif self.pending:
            self.pending.append(line)
        elif self.stmt is None:
            raise StatementError(N_("not an MT940 statement (no :20: tag)"), f"line {number}")

    def finish_tag(self) -> Iterator[StatementEvent]:
        pending, stmt = self.pending, self.stmt
        if not pending or stmt is None:
            return
        self.pending = []
        first = pending[0]
        code = first[1 : first.index(":", 1)]
        if code in BALANCE_TAGS and not BALANCE_LINE.match(first):
            raise StatementError(
                N_("the balance line :%(code)s: is broken (%(line)s)"),
                f"line {self.pending_line}",
                code=code,
                line=repr(first[:60]),
            )
        if code == "61":
            if stmt.begun is None:
                stmt.begun = _header(stmt)
                yield StatementBegin(stmt.begun)
            yield from self.take_transaction(stmt)
            stmt.in_transactions = True
            stmt.line_61 = (self.pending_line, "\n".join(pending))
        elif code == "86" and stmt.in_transactions and not stmt.in_trailer:
            stmt.details.append("\n".join(pending)[4:])
        elif code in TRAILER_TAGS or stmt.in_trailer:
            yield from self.take_transaction(stmt)
            stmt.in_trailer = True
            stmt.trailer_lines.append("\n".join(pending))
        elif not stmt.in_transactions:
            stmt.header_lines.append("\n".join(pending))
        # Other tags between transactions (bank-specific ones) carry nothing we keep.

    def take_transaction(self, stmt: _Statement) -> Iterator[BankEntry]:
        if stmt.line_61 is None:
            return
        assert stmt.begun is not None
        line, text = stmt.line_61
        stmt.count += 1
        yield _entry(line, text, "\n".join(stmt.details), stmt.begun)
        stmt.line_61 = None
        stmt.details = []

    def end(self, stmt: _Statement) -> Iterator[StatementEvent]:
        if stmt.begun is None:
            stmt.begun = _header(stmt)
            yield StatementBegin(stmt.begun)
        yield from self.take_transaction(stmt)
        closing = None
        if stmt.trailer_lines:
            where = f"line {stmt.start_line}"
            data = _parse(":20:X\n" + "\n".join(stmt.trailer_lines) + "\n", where).data
            closing = _balance(data.get("final_closing_balance"), where) or _balance(
                data.get("intermediate_closing_balance"), where
            )
        header = stmt.begun
        yield StatementEnd(
            replace(
                header,
                currency=header.currency or (closing.currency if closing else ""),
                closing=closing,
                date_from=header.opening.date if header.opening else None,
                date_to=closing.date if closing else None,
                entry_count=stmt.count,
            )
        )

    def close(self) -> Iterator[StatementEvent]:
        if self.stmt is not None:
            yield from self.finish_tag()
            yield from self.end(self.stmt)
        if not self.seen_any:
            raise StatementError(N_("not an MT940 statement (no :20: tag)"), "line 1")


def _lines(source: IO[bytes], head: bytes, encoding: str) -> Iterator[tuple[int, str]]:
    """(line number, text) of the file, read in blocks of 1 MB."""
    carry = b""
    number = 0
    for block in itertools.chain((head,), iter(lambda: source.read(1 << 20), b"")):
        parts = (carry + block).split(b"\n")
        carry = parts.pop()
        for part in parts:
            number += 1
            yield number, part.decode(encoding, errors="replace").rstrip("\r")
    if carry:
        yield number + 1, carry.decode(encoding, errors="replace").rstrip("\r")


def read(source: IO[bytes]) -> Iterator[StatementEvent]:
    """Statement events of an MT940 file, in file order. Raises StatementError naming the line."""
    head = source.read(65536)
    reader = _Reader()
    for number, line in _lines(source, head.lstrip(b"\xef\xbb\xbf"), sniff_encoding(head)):
        yield from reader.line(number, line)
    yield from reader.close()
