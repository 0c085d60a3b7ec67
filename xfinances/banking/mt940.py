"""MT940 reader: bytes in, statement events out (shared/domain/banking.md).

Bulgarian banks send MT940 in windows-1251 (some in UTF-8: the first 64 KB decide) and
structure `:86:` with `+NN` sub-fields (`+00` text, `+20`…`+27` purpose, `+30` BIC, `+31`
IBAN, `+32`/`+33` name). The `mt-940` package parses the tags; this module streams the file
line by line, cuts it into statements and hands the package one statement header and then
chunks of at most CHUNK transactions, so a 100,000-entry file never sits whole in memory.
Every `:61:` and balance line is checked first, so an error names its line.

Pure: no database, no Django models. (Module name: the package is imported absolutely as
`mt940`, this one as `xfinances.banking.mt940`.)
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any

import mt940 as mt940_package

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
)

CHUNK = 500
OPTIONS = mt940_package.Options.all()
TAG = re.compile(r"^:(\d{2}[A-Z]?):")
BALANCE_LINE = re.compile(r"^:(60[FM]|62[FM]|64|65):[CD]\d{6}[A-Z]{3}\d{1,15},\d{0,2}\s*$")
LINE_61 = re.compile(r"^:61:\d{6}(\d{4})?(RC|RD|C|D)[A-Z]?\d{1,15},\d{0,2}")
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


class _Statement:
    def __init__(self, start_line: int) -> None:
        self.start_line = start_line
        self.header_lines: list[str] = []
        self.trailer_lines: list[str] = []
        self.chunk: list[str] = []
        self.chunk_lines: list[int] = []  # file line of each :61: in the chunk
        self.in_transactions = False
        self.in_trailer = False
        self.begun: StatementHeader | None = None
        self.count = 0
        self.opening: Balance | None = None


def _balance(value: Any) -> Balance | None:
    if value is None:
        return None
    amount = value.amount
    return Balance(
        Decimal(str(amount.amount)),
        str(amount.currency),
        dt.date(value.date.year, value.date.month, value.date.day),
    )


def _parse(text: str, where: str) -> Any:
    try:
        return mt940_package.parse(text, options=OPTIONS)
    except (RuntimeError, ValueError, KeyError, IndexError) as error:
        raise StatementError(f"the bank statement cannot be read: {error.args[0]}", where) from None


class _Reader:
    def __init__(self) -> None:
        self.statement: _Statement | None = None
        self.number = 0

    def header(self, stmt: _Statement) -> StatementHeader:
        where = f"line {stmt.start_line}"
        data = _parse("\n".join(stmt.header_lines) + "\n", where).data
        account = str(data.get("account_identification") or "").replace(" ", "").upper()
        if not account:
            raise StatementError("the statement names no account (:25:)", where)
        # `:25:` is BIC/IBAN at some banks, IBAN/currency at others: keep the IBAN.
        for part in re.split(r"[/ ]", account):
            if len(part) >= 15 and part[:2].isalpha() and part[2:4].isdigit():
                account = part
                break
        stmt.opening = _balance(data.get("final_opening_balance")) or _balance(
            data.get("intermediate_opening_balance")
        )
        currency = stmt.opening.currency if stmt.opening else ""
        return StatementHeader(
            account_iban=account,
            currency=currency,
            statement_id=str(data.get("transaction_reference") or ""),
            sequence="/".join(
                str(x) for x in (data.get("statement_number"), data.get("sequence_number")) if x
            ),
            opening=stmt.opening,
            format="mt940",
            source_line=where,
        )

    def flush(self, stmt: _Statement) -> Iterator[BankEntry]:
        if not stmt.chunk:
            return
        assert stmt.begun is not None
        first = stmt.chunk_lines[0]
        text = ":20:X\n:25:" + stmt.begun.account_iban + "\n" + "\n".join(stmt.chunk) + "\n"
        parsed = _parse(text, f"line {first}")
        transactions = list(parsed)
        if len(transactions) != len(stmt.chunk_lines):
            raise StatementError(
                f"{len(stmt.chunk_lines)} :61: lines but {len(transactions)} transactions read",
                f"line {first}",
            )
        for line, transaction in zip(stmt.chunk_lines, transactions, strict=True):
            stmt.count += 1
            yield self.entry(transaction.data, stmt.begun, line)
        stmt.chunk = []
        stmt.chunk_lines = []

    def entry(self, data: dict[str, Any], header: StatementHeader, line: int) -> BankEntry:
        where = f"line {line}"
        mark = str(data.get("status") or "")
        amount = Decimal(str(data["amount"].amount))
        currency = str(data.get("currency") or header.currency or data["amount"].currency)
        # C / RD are money in (RD takes back a debit), D / RC money out.
        direction = Direction.CREDIT if mark in ("C", "RD") else Direction.DEBIT
        details = str(data.get("transaction_details") or "")
        fields = split_details(details)
        purpose = " ".join(fields[k] for k in sorted(fields) if "20" <= k <= "29")
        text = " ".join(x for x in (purpose, fields.get("00", "")) if x)
        bank_ref = str(data.get("bank_reference") or "").strip()
        customer_ref = str(data.get("customer_reference") or "").strip()
        booking = data.get("entry_date") or data.get("date")
        if booking is None:
            raise StatementError("the transaction has no date", where)
        value = data.get("date")
        reference = ""
        match = re.search(r"\bRF\d{2}[0-9A-Z]{1,21}\b", text.replace(" ", "").upper())
        if match:
            reference = match.group(0)
        raw = {
            "mark": mark,
            "type": str(data.get("id") or ""),
            "customer_reference": customer_ref,
            "bank_reference": bank_ref,
            "details": details[:2000],
            "format": "mt940",
        }
        return BankEntry(
            amount=abs(amount),
            currency=currency.upper(),
            direction=direction,
            booking_date=dt.date(booking.year, booking.month, booking.day),
            value_date=dt.date(value.year, value.month, value.day) if value else None,
            bank_id="" if bank_ref.upper() in NO_REFERENCE else bank_ref[:100],
            end_to_end_id="" if customer_ref.upper() in NO_REFERENCE else customer_ref[:100],
            reference=reference,
            text=text[:500],
            counterparty=Counterparty(
                name=" ".join(" ".join(fields[k] for k in ("32", "33") if k in fields).split())[
                    :200
                ],
                iban=fields.get("31", "").replace(" ", "").upper(),
                bic=fields.get("30", "").strip(),
            ),
            bank_code=str(data.get("id") or ""),
            reversal=mark in ("RC", "RD"),
            source_line=where,
            raw=raw,
        )

    def end(self, stmt: _Statement) -> Iterator[StatementEvent]:
        if stmt.begun is None:
            stmt.begun = self.header(stmt)
            yield StatementBegin(stmt.begun)
        yield from self.flush(stmt)
        closing = None
        if stmt.trailer_lines:
            where = f"line {stmt.start_line}"
            data = _parse(":20:X\n" + "\n".join(stmt.trailer_lines) + "\n", where).data
            closing = _balance(data.get("final_closing_balance")) or _balance(
                data.get("intermediate_closing_balance")
            )
        header = stmt.begun
        yield StatementEnd(
            StatementHeader(
                account_iban=header.account_iban,
                currency=header.currency or (closing.currency if closing else ""),
                statement_id=header.statement_id,
                sequence=header.sequence,
                opening=header.opening,
                closing=closing,
                date_from=header.opening.date if header.opening else None,
                date_to=closing.date if closing else None,
                format="mt940",
                entry_count=stmt.count,
                source_line=header.source_line,
            )
        )


def read(source: IO[bytes]) -> Iterator[StatementEvent]:
    """Statement events of an MT940 file, in file order. Raises StatementError naming the line."""
    head = source.read(65536)
    encoding = sniff_encoding(head)
    reader = _Reader()
    stmt: _Statement | None = None
    seen_any = False
    number = 0
    pending: list[str] = []  # the lines of the tag being read (a tag may span lines)
    pending_line = 0

    def lines() -> Iterator[tuple[int, str]]:
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

    def finish_tag() -> Iterator[StatementEvent]:
        nonlocal stmt
        if not pending:
            return
        tag_text = "\n".join(pending)
        tag = TAG.match(pending[0])
        code = tag.group(1) if tag else ""
        assert stmt is not None
        if code in ("60F", "60M", "62F", "62M", "64", "65") and not BALANCE_LINE.match(pending[0]):
            raise StatementError(
                f"the balance line :{code}: is broken ({pending[0][:60]!r})",
                f"line {pending_line}",
            )
        if code == "61":
            if not LINE_61.match(pending[0]):
                raise StatementError(
                    f"the transaction line :61: is broken ({pending[0][:60]!r})",
                    f"line {pending_line}",
                )
            if stmt.begun is None:
                stmt.begun = reader.header(stmt)
                yield StatementBegin(stmt.begun)
            if len(stmt.chunk_lines) >= CHUNK:
                yield from reader.flush(stmt)
            stmt.in_transactions = True
            stmt.chunk.append(tag_text)
            stmt.chunk_lines.append(pending_line)
        elif code == "86" and stmt.in_transactions and not stmt.in_trailer:
            stmt.chunk.append(tag_text)
        elif code in ("62F", "62M", "64", "65") or stmt.in_trailer:
            stmt.in_trailer = True
            stmt.trailer_lines.append(tag_text)
        elif stmt.in_transactions:
            stmt.chunk.append(tag_text)
        else:
            stmt.header_lines.append(tag_text)
        pending.clear()

    for number, line in lines():
        if number == 1:
            line = line.lstrip("\ufeff")
        tag = TAG.match(line)
        if tag:
            yield from finish_tag()
            if tag.group(1) == "20":
                if stmt is not None:
                    yield from reader.end(stmt)
                stmt = _Statement(number)
                seen_any = True
            elif stmt is None:
                raise StatementError(
                    f"the statement must start with :20:, not :{tag.group(1)}:", f"line {number}"
                )
            pending.append(line)
            pending_line = number
        elif ENVELOPE.match(line):
            if stmt is not None:
                yield from finish_tag()
        elif pending:
            pending.append(line)
        elif stmt is None:
            raise StatementError("not an MT940 statement (no :20: tag)", f"line {number}")
    if stmt is not None:
        yield from finish_tag()
        yield from reader.end(stmt)
    if not seen_any:
        raise StatementError("not an MT940 statement (no :20: tag)", "line 1")
