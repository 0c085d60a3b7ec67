"""Which reader a statement file needs, decided from its content (never from its name).

`read_statement(source)` sniffs the first bytes and returns the events of the right reader:
XML → camt; `PK` (a zip) → XLSX through the column profiles; `:20:` or a SWIFT envelope in the
first lines → MT940; text with a header row a profile recognises → CSV/TXT. Anything else is
refused with a message saying what the file looked like. Pure: no database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import IO

from django.utils.translation import gettext_noop as N_

from xfinances.banking import camt, csv_profiles, mt940
from xfinances.banking.records import StatementError, StatementEvent

MT940_START = re.compile(rb"^(\{1:|\{4:|:20:)", re.MULTILINE)


def sniff(head: bytes) -> str:
    """ "camt", "mt940", "xlsx", "csv" or "" from the first bytes of a file."""
    body = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if not body:
        return ""
    if body.startswith(b"<"):
        return "camt"
    if body.startswith(b"PK\x03\x04"):
        return "xlsx"
    if body.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    first_lines = b"\n".join(body.splitlines()[:5])
    if MT940_START.search(first_lines):
        return "mt940"
    if b"\x00" in body[:4096]:
        return ""
    return "csv"


def read_statement(
    source: IO[bytes],
    *,
    profile: csv_profiles.Profile | None = None,
    profiles: Sequence[csv_profiles.Profile] = csv_profiles.BUILTIN,
    account_iban: str = "",
) -> Iterator[StatementEvent]:
    """The statement events of `source` (a seekable binary file), whatever its format."""
    head = source.read(4096)
    source.seek(0)
    kind = sniff(head)
    if kind == "camt":
        return camt.read(source)
    if kind == "mt940":
        return mt940.read(source)
    if kind == "xlsx":
        return csv_profiles.read(
            source, profile=profile, xlsx=True, account_iban=account_iban, profiles=profiles
        )
    if kind == "csv":
        return csv_profiles.read(
            source, profile=profile, account_iban=account_iban, profiles=profiles
        )
    if kind == "xls":
        raise StatementError(
            N_("old Excel .xls files cannot be read: save the file as .xlsx or CSV"), "line 1"
        )
    raise StatementError(
        N_("not a bank statement: expected camt XML, MT940, CSV/TXT or XLSX"), "line 1"
    )
