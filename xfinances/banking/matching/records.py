"""The records of the matching engine and its tunable constants (pure)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from xfinances.banking.matching.reasons import Reason, write
from xfinances.banking.records import BankEntry

SALES = "sales"
PURCHASE = "purchase"
# A payment's unallocated rest that money the other way returns: an outgoing payment's (our
# overpayment to a supplier, returned by an incoming entry) and an incoming payment's (a
# client's credit, paid back by an outgoing entry).
PAYMENT_OUT = "payment_out"
PAYMENT_IN = "payment_in"
REFUND_KINDS = (PAYMENT_OUT, PAYMENT_IN)
CREDIT = "credit"
DEBIT = "debit"
ZERO = Decimal("0")

AUTOMATIC = 85  # a unique proposal scoring this much is applied without a person
AUTOMATIC_GAP = 15  # ... when no other proposal comes this close
REVIEW = 40  # proposals below this are not returned (the payment stays unmatched)
MAX_PARTY_ITEMS = 40  # open items of one party considered for amount and subset-sum matching
MAX_SUBSET_SIZE = 5
SUBSET_TIME_BOX = 0.01  # seconds per payment for the subset-sum search
FUZZY_NAME = 0.86  # similarity a fuzzy name needs
FUZZY_MARGIN = 0.05  # ... and how far ahead of the next party

# Evidence → points. Reasons in proposals name them.
POINTS = {
    "reference": 70,  # our RF reference or end-to-end id
    "number_full": 65,  # the document number written in full ("0000000123")
    "number_keyword": 60,  # a number after "ф-ра", "фактура №", "inv", "№" …
    "number_bare": 35,  # a bare number equal to the document number without leading zeros
    "amount_exact": 20,
    "amount_tolerance": 15,  # short by at most the tolerance
    "amount_partial": 5,  # less than the open amount (another payment may follow)
    "amount_over": 5,  # more than the open amount (the rest is the party's credit)
    "party_strong": 20,  # party known by IBAN, ЕИК/VAT number or alias
    "party_fuzzy": 10,  # party known by a similar name
    "party_conflict_strong": -50,  # the item belongs to another party than the IBAN/ЕИК says
    "party_conflict_fuzzy": -20,
    "only_amount_in_party": 45,  # the only open item of the party with exactly this amount
    "combination_in_party": 35,  # the only combination of the party's items with this sum
    "only_amount_anywhere": 40,  # no party known; the only open item anywhere with this amount
    "refund_exact": 60,  # the payer's only payment rest the other way of exactly this amount
    "refund_partial": 30,  # part of such a rest
    "date_plausible": 5,  # paid between issue and 120 days after the due date
    "date_before_issue": -15,
}


@dataclass(frozen=True, slots=True)
class OpenItem:
    """An open document: a sales document to be paid to us or a purchase invoice we owe; or a
    payment's unallocated rest that money the other way returns (`REFUND_KINDS`: number "",
    issue_date the payment's date)."""

    kind: str  # "sales" | "purchase" | "payment_out" | "payment_in"
    id: int
    number: str
    party_id: int | None
    party_name: str
    party_identifiers: tuple[str, ...]  # ЕИК, VAT number, IBANs of the party
    reference: str  # RF creditor reference (or the end-to-end id of our payment file)
    open_amount: Decimal
    currency: str
    issue_date: dt.date | None
    due_date: dt.date | None


@dataclass(frozen=True, slots=True)
class Incoming:
    """A bank payment to match (from records.BankEntry)."""

    amount: Decimal  # positive
    currency: str
    direction: str  # "credit" | "debit"
    booking_date: dt.date
    reference: str = ""
    end_to_end_id: str = ""
    text: str = ""
    counterparty_name: str = ""
    counterparty_iban: str = ""
    bank_code: str = ""  # the bank's transaction code (MT940 type, camt BkTxCd), for rules


@dataclass(frozen=True, slots=True)
class Proposal:
    allocations: tuple[tuple[str, int, Decimal], ...]  # (kind, item id, amount)
    party_id: int | None
    score: int  # 0–100
    reasons: tuple[Reason, ...]  # why, as codes (`matching/reasons.py`)
    automatic: bool
    overpayment: Decimal  # paid beyond the open amounts: the party's credit
    shortfall: Decimal  # left open within the tolerance: a proposed write-off

    @property
    def reason(self) -> str:
        """The reasons in English (logs, tests); pages write them in their language."""
        return write(self.reasons)


def incoming_from_entry(entry: BankEntry) -> Incoming:
    """The payment to match from a normalised bank entry (banking/records.py)."""
    return Incoming(
        amount=entry.amount,
        currency=entry.currency,
        direction=str(entry.direction),
        booking_date=entry.booking_date,
        reference=entry.reference,
        end_to_end_id=entry.end_to_end_id,
        text=entry.text,
        counterparty_name=entry.counterparty.name,
        counterparty_iban=entry.counterparty.iban,
        bank_code=entry.bank_code,
    )
