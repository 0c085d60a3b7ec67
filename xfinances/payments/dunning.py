"""Planning the reminders of one day (pure: no database).

Given the open documents, the levels, the pauses, what was already sent and a day, `plan()`
returns the e-mails to send: one per client, listing all the client's open documents that are
past due (or, for a friendly notice, about to be), and the (level, document) pairs the run
records.

Rules:
- A level reaches a document on `due_date + days_after_due`. A run on day D sends every level
  whose day has come (≤ D) and that the document has not had yet.
- Never a level twice (the caller keeps `sent`; the database has a unique (level, document)).
- Catching up (a missed run, or several levels due at once): only the HIGHEST due level is
  sent; the lower ones not yet sent are recorded as `superseded` — a client should not get a
  friendly notice and a final notice in the same e-mail.
- Levels above one already sent are still sent when their day comes; a lower level added later
  is never sent once a higher one was (it is superseded).
- A paused document, or a document of a paused client, gets nothing while the pause lasts.
- A client gets at most one e-mail per run; its template is the highest level among the
  documents triggering it. The e-mail lists every open overdue document of the client (those
  triggering it are marked with their level).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

ZERO = Decimal("0.00")


class OpenDocument(NamedTuple):
    """A tuple (cheap to build by the hundred thousand from database rows)."""

    id: int
    party_id: int
    number: str
    currency: str
    issue_date: dt.date
    due_date: dt.date
    remaining: Decimal


@dataclass(frozen=True)
class Level:
    id: int
    days_after_due: int
    charge_interest: bool = False
    fee: Decimal = ZERO
    recipients: str = "client"


class Line(NamedTuple):
    document: OpenDocument
    days_overdue: int
    interest: Decimal
    level_id: int | None  # the level this run records for it; None: listed only


@dataclass
class PlannedEmail:
    party_id: int
    level_id: int  # whose template and recipients
    lines: list[Line] = field(default_factory=list)
    fee: Decimal = ZERO

    @property
    def triggering(self) -> list[Line]:
        return [line for line in self.lines if line.level_id is not None]

    def totals(self) -> dict[str, Decimal]:
        found: dict[str, Decimal] = {}
        for line in self.lines:
            found[line.document.currency] = (
                found.get(line.document.currency, ZERO) + line.document.remaining
            )
        return found


class Record(NamedTuple):
    level_id: int
    document_id: int
    party_id: int
    superseded: bool


@dataclass
class Plan:
    emails: list[PlannedEmail] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)


def late_interest(remaining: Decimal, annual_rate_percent: Decimal, days: int) -> Decimal:
    """Simple interest for `days` at the annual rate (actual/365), half-up to the cent."""
    if days <= 0 or remaining <= 0 or annual_rate_percent <= 0:
        return ZERO
    value = remaining * annual_rate_percent / Decimal(100) * Decimal(days) / Decimal(365)
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _line_order(line: Line) -> tuple[dt.date, int]:
    return line.document.due_date, line.document.id


def plan(
    documents: Iterable[OpenDocument],
    levels: Iterable[Level],
    today: dt.date,
    *,
    sent: Mapping[int, Collection[int]],
    paused_documents: Iterable[int] = (),
    paused_parties: Iterable[int] = (),
    interest_rate: Decimal = ZERO,
) -> Plan:
    """The reminders of `today`. `sent` maps document id → level ids it already had (sent or
    superseded). Documents with nothing remaining must not be passed (they are settled)."""
    ordered = sorted(levels, key=lambda level: (level.days_after_due, level.id))
    if not ordered:
        return Plan()
    by_id = {level.id: level for level in ordered}
    first_day = ordered[0].days_after_due
    stop_docs, stop_parties = set(paused_documents), set(paused_parties)
    result = Plan()
    records = result.records
    by_party: dict[int, PlannedEmail] = {}
    overdue_by_party: dict[int, list[OpenDocument]] = {}
    # Few distinct due dates and days: their days overdue and due levels are worked out once.
    days_of: dict[dt.date, int] = {}
    # days overdue → (ids of the levels due that day but the highest, the highest)
    due_by_days: dict[int, tuple[list[int], Level]] = {}
    for document in documents:
        doc_id, party_id, _number, _currency, _issued, due_date, remaining = document
        if remaining <= 0:
            continue
        days = days_of.get(due_date)
        if days is None:
            days = days_of[due_date] = (today - due_date).days
        if days > 0:
            overdue_by_party.setdefault(party_id, []).append(document)
        if days < first_day or doc_id in stop_docs or party_id in stop_parties:
            continue
        found = due_by_days.get(days)
        if found is None:
            due = [level for level in ordered if level.days_after_due <= days]
            found = due_by_days[days] = ([level.id for level in due[:-1]], due[-1])
        lower, highest = found
        had = sent.get(doc_id, ())
        if highest.id in had:
            continue
        for level_id in lower:
            if level_id not in had:
                records.append(Record(level_id, doc_id, party_id, True))
        records.append(Record(highest.id, doc_id, party_id, False))
        email = by_party.get(party_id)
        if email is None:
            email = by_party[party_id] = PlannedEmail(party_id, highest.id)
        elif highest.days_after_due > by_id[email.level_id].days_after_due:
            email.level_id = highest.id
        interest = (
            late_interest(remaining, interest_rate, days) if highest.charge_interest else ZERO
        )
        email.lines.append(Line(document, days, interest, highest.id))
    for party_id, email in by_party.items():
        listed = {line.document.id for line in email.lines}
        template = by_id[email.level_id]
        for document in overdue_by_party.get(party_id, []):
            if document.id in listed:
                continue
            days = days_of[document.due_date]
            interest = (
                late_interest(document.remaining, interest_rate, days)
                if template.charge_interest
                else ZERO
            )
            email.lines.append(Line(document, days, interest, None))
        email.lines.sort(key=_line_order)
        email.fee = template.fee
        result.emails.append(email)
    result.emails.sort(key=lambda email: email.party_id)
    return result
