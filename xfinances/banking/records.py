"""The normalised bank transaction every source produces (shared/domain/banking.md).

Statement files (camt.053/054, MT940, CSV/XLSX profiles) and live bank connections (PSD2) all
turn what the bank sent into these immutable records; writing them to the database is one
separate action, whatever the source. Pure: no database, no Django models.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_noop as N_

from xfinances.core.readers import MAX_AMOUNT


class Direction(enum.StrEnum):
    CREDIT = "credit"  # money in
    DEBIT = "debit"  # money out


class BookingStatus(enum.StrEnum):
    BOOKED = "booked"
    PENDING = "pending"


@dataclass(frozen=True)
class Counterparty:
    name: str = ""
    iban: str = ""
    bic: str = ""


@dataclass(frozen=True)
class BankEntry:
    """One bank transaction. `amount` is positive; `direction` says which way it went.

    `bank_id` is the bank's own unique id (camt `AcctSvcrRef`, PSD2 `transactionId`) plus the
    index of the batch detail when one entry carried several; empty when the bank gave none
    (then the importer keys the entry by a fingerprint and an occurrence counter)."""

    amount: Decimal
    currency: str
    direction: Direction
    booking_date: dt.date
    value_date: dt.date | None = None
    status: BookingStatus = BookingStatus.BOOKED
    bank_id: str = ""
    end_to_end_id: str = ""
    reference: str = ""  # structured creditor reference (RF…) when the payer gave one
    text: str = ""  # unstructured remittance / purpose, joined
    counterparty: Counterparty = field(default_factory=Counterparty)
    bank_code: str = ""  # BkTxCd / MT940 transaction type
    reversal: bool = False  # this entry takes back an earlier one of the opposite direction
    source_line: str = ""  # where in the file it came from ("line 17", "Ntry[3]/TxDtls[2]")
    raw: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Balance:
    amount: Decimal  # signed
    currency: str
    date: dt.date


@dataclass(frozen=True)
class StatementHeader:
    """What a statement says about itself: the account it belongs to and its balances."""

    account_iban: str
    currency: str
    statement_id: str = ""
    sequence: str = ""
    opening: Balance | None = None
    closing: Balance | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    # What the file says about itself beyond the balances (camt `TxsSummry`, paging, format).
    format: str = ""  # "camt.053.001.08", "mt940", "csv:<profile>"
    message_id: str = ""
    page: str = ""
    bank_bic: str = ""
    entry_count: int | None = None  # as the bank counted (camt TxsSummry/TtlNtries)
    source_line: str = ""  # where the statement starts in the file


@dataclass(frozen=True)
class StatementBegin:
    """A reader yields this before a statement's entries (the account is known then; the
    balances may not be: MT940 gives the closing balance after the entries)."""

    header: StatementHeader


@dataclass(frozen=True)
class StatementEnd:
    """After a statement's entries: the complete header, with both balances when given."""

    header: StatementHeader


# What every reader yields, in file order: Begin, its entries, End; then the next statement.
StatementEvent = StatementBegin | BankEntry | StatementEnd


class StatementError(Exception):
    """The file is not a statement we can read. `where` names the line or element.

    `template` is an English message id with `%(name)s` placeholders filled from `params`;
    `message` is it filled in, for logs and tests. What a person reads is the translation
    (banking.messages.statement_problem), made where the error is shown."""

    def __init__(self, template: str, where: str = "", **params: str) -> None:
        self.template = template
        self.params = params
        self.message = template % params if params else template
        self.where = where
        super().__init__(f"{where}: {self.message}" if where else self.message)


def checked_amount(amount: Decimal, text: object, where: str, what: str = N_("amount")) -> Decimal:
    """`amount` as read from a file, refused unless it is a number the app can store (finite,
    within MAX_AMOUNT): an amount like `1e999999` or `NaN` would otherwise fail later, in the
    database or in a comparison, instead of naming the line."""
    if not amount.is_finite():
        raise StatementError(
            N_("the %(what)s %(value)s is not a number"), where, what=what, value=repr(text)
        )
    if amount.copy_abs() > MAX_AMOUNT:  # copy_abs: no context, no overflow
        raise StatementError(
            N_("the %(what)s %(value)s is too large"), where, what=what, value=repr(text)
        )
    return amount
