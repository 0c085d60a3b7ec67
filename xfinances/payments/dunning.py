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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class OpenDocument:
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


@dataclass(frozen=True)
class Line:
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


@dataclass(frozen=True)
class Record:
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


def plan(
    documents: Iterable[OpenDocument],
    levels: Iterable[Level],
    today: dt.date,
    *,
    sent: Mapping[int, Iterable[int]],
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
    by_party: dict[int, PlannedEmail] = {}
    overdue_by_party: dict[int, list[OpenDocument]] = {}
    for document in documents:
        if document.remaining <= 0:
            continue
        days = (today - document.due_date).days
        if days > 0:
            overdue_by_party.setdefault(document.party_id, []).append(document)
        if days < first_day or document.id in stop_docs or document.party_id in stop_parties:
            continue
        had = set(sent.get(document.id, ()))
        due = [level for level in ordered if level.days_after_due <= days]
        highest = due[-1]
        if highest.id in had:
            continue
        for level in due[:-1]:
            if level.id not in had:
                result.records.append(Record(level.id, document.id, document.party_id, True))
        result.records.append(Record(highest.id, document.id, document.party_id, False))
        email = by_party.get(document.party_id)
        if email is None:
            email = by_party[document.party_id] = PlannedEmail(document.party_id, highest.id)
        elif highest.days_after_due > by_id[email.level_id].days_after_due:
            email.level_id = highest.id
        rate = interest_rate if highest.charge_interest else ZERO
        email.lines.append(
            Line(document, days, late_interest(document.remaining, rate, days), highest.id)
        )
    for party_id, email in by_party.items():
        listed = {line.document.id for line in email.lines}
        template = by_id[email.level_id]
        for document in overdue_by_party.get(party_id, []):
            if document.id in listed:
                continue
            days = (today - document.due_date).days
            rate = interest_rate if template.charge_interest else ZERO
            email.lines.append(
                Line(document, days, late_interest(document.remaining, rate, days), None)
            )
        email.lines.sort(key=lambda line: (line.document.due_date, line.document.id))
        email.fee = template.fee
        result.emails.append(email)
    result.emails.sort(key=lambda email: email.party_id)
    return result
