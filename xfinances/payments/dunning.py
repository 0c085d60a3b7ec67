"""Planning the reminders of one day (pure: no database).

Given the open documents, the levels, the pauses, what was already sent and a day, `plan()`
returns the e-mails to send: one per client, listing all the client's open documents that are
past due (or, for a friendly notice, about to be), and the (level, document) pairs the run
records.

Rules:
- A level reaches a document on `due_date + days_after_due`. A run on day D sends every level
  whose day has come (≤ D) and that the document has not had yet.
- Never a level twice (the caller keeps `sent`; the database has a unique (level, document)).
- Escalation, one level at a time (`CATCH_UP_ONE_LEVEL`, the default): a document gets the
  first level that applies and it has not had; the next one only when its own day has come
  AND its interval since the previous level (the difference of their days) has passed since
  that level was sent. So the first run after reminders were switched on, or after a long
  pause, sends the first overdue level — never the final notice at once. A level "before the
  due date" applies only while the document is not yet due.
- Catching up by jumping (`CATCH_UP_LATEST`, a company setting): only the HIGHEST due level is
  sent; the lower ones not yet sent are recorded as `superseded`.
- A lower level added later is never sent once a higher one was (it is superseded).
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
CATCH_UP_ONE_LEVEL = "one_level"
CATCH_UP_LATEST = "latest"


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


def _next_level(
    due: list[Level],
    had: Collection[int],
    by_id: Mapping[int, Level],
    days: int,
    today: dt.date,
    last_sent: dt.date | None,
) -> Level | None:
    """The one level a document gets today when escalating one level at a time, or None.

    The first due level above every level it already had; a level before the due date only
    while the document is not overdue; and not before its interval (its days minus the days of
    the previous level) has passed since the previous reminder was sent."""
    previous = max(
        (by_id[level_id] for level_id in had if level_id in by_id),
        key=lambda level: (level.days_after_due, level.id),
        default=None,
    )
    for level in due:
        if level.id in had:
            continue
        if previous is not None and level.days_after_due <= previous.days_after_due:
            continue
        if level.days_after_due < 0 and days > 0:
            continue  # "3 days before the due date" once it is overdue: no longer applies
        if previous is not None and last_sent is not None:
            interval = level.days_after_due - previous.days_after_due
            if (today - last_sent).days < interval:
                return None
        return level
    return None


def _line_order(line: Line) -> tuple[dt.date, int]:
    return line.document.due_date, line.document.id


def _with_other_overdue(
    by_party: Mapping[int, PlannedEmail],
    overdue_by_party: Mapping[int, list[OpenDocument]],
    by_id: Mapping[int, Level],
    days_of: Mapping[dt.date, int],
    interest_rate: Decimal,
) -> list[PlannedEmail]:
    """Each client's e-mail also lists its other overdue documents (no level of their own),
    in order, with the fee of the e-mail's level."""
    emails = []
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
        emails.append(email)
    return emails


def plan(
    documents: Iterable[OpenDocument],
    levels: Iterable[Level],
    today: dt.date,
    *,
    sent: Mapping[int, Collection[int]],
    paused_documents: Iterable[int] = (),
    paused_parties: Iterable[int] = (),
    interest_rate: Decimal = ZERO,
    catch_up: str = CATCH_UP_ONE_LEVEL,
    last_sent_on: Mapping[int, dt.date] | None = None,
) -> Plan:
    """The reminders of `today`. `sent` maps document id → level ids it already had (sent or
    superseded); `last_sent_on` document id → the day its latest reminder was sent (for the
    intervals of `CATCH_UP_ONE_LEVEL`). Documents with nothing remaining must not be passed
    (they are settled)."""
    one_level = catch_up != CATCH_UP_LATEST
    last_sent_on = last_sent_on or {}
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
    # days overdue → the levels due that day, lowest first
    due_by_days: dict[int, list[Level]] = {}
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
        due = due_by_days.get(days)
        if due is None:
            due = due_by_days[days] = [level for level in ordered if level.days_after_due <= days]
        had = sent.get(doc_id, ())
        if one_level:
            chosen = _next_level(due, had, by_id, days, today, last_sent_on.get(doc_id))
            if chosen is None:
                continue
        else:
            chosen = due[-1]
            if chosen.id in had:
                continue
        for level in due:
            if level.days_after_due >= chosen.days_after_due:
                break
            if level.id not in had:
                records.append(Record(level.id, doc_id, party_id, True))
        highest = chosen
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
    result.emails.extend(
        _with_other_overdue(by_party, overdue_by_party, by_id, days_of, interest_rate)
    )
    result.emails.sort(key=lambda email: email.party_id)
    return result
