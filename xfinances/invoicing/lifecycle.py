"""The lifecycle of a sales document: the transition table, lock rules and deadlines. Pure.

    draft  --issue-->  issued  --void-->  voided
    draft  --delete--> (gone)             issued --edit--> issued (until locked)

An issued document locks (no edit, no void; only a credit or debit note corrects it) when:
1. it was exported to the accounting system (`exported_at` is set);
2. its date falls in a period the company closed (`issue_date <= company.lock_date`);
3. more than `company.edit_window_days` days passed since its issue date (0 = locks at issue).

Nothing here touches the database; `is_locked(document, today)` reads attributes only.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext as _

from xfinances.core import formatting


class Transition(StrEnum):
    ISSUE = "issue"
    DELETE = "delete"
    VOID = "void"
    EDIT = "edit"


DELETED = "deleted"

# (from status, transition) -> to status. Nothing else is allowed.
TRANSITIONS: dict[tuple[str, Transition], str] = {
    ("draft", Transition.ISSUE): "issued",
    ("draft", Transition.DELETE): DELETED,
    ("issued", Transition.VOID): "voided",
    ("issued", Transition.EDIT): "issued",
}

# Transitions that the lock rules can refuse.
LOCKABLE = frozenset({Transition.VOID, Transition.EDIT})


def can_transition(status: str, transition: Transition | str) -> bool:
    return (status, Transition(transition)) in TRANSITIONS


def next_status(status: str, transition: Transition | str) -> str:
    """The status after `transition`; ValueError when the table does not allow it."""
    try:
        return TRANSITIONS[(status, Transition(transition))]
    except KeyError:
        raise ValueError(f"a {status} document cannot {Transition(transition).value}") from None


def transition_refusal(status: str, transition: Transition | str) -> str:
    """The message shown when the table refuses a transition."""
    messages = {
        Transition.ISSUE: _("Only a draft can be issued; this document is %(status)s."),
        Transition.DELETE: _(
            "Only a draft can be deleted; an issued document is voided instead (it is %(status)s)."
        ),
        Transition.VOID: _("Only an issued document can be voided; this one is %(status)s."),
        Transition.EDIT: _("Only an issued document can be corrected this way; it is %(status)s."),
    }
    return messages[Transition(transition)] % {"status": status}


class LockCause(StrEnum):
    EXPORTED = "exported"
    PERIOD_CLOSED = "period_closed"
    EDIT_WINDOW = "edit_window"


@dataclass(frozen=True)
class LockState:
    locked: bool
    cause: LockCause | None = None
    message: str = ""


UNLOCKED = LockState(False)


def lock_state(
    *,
    status: str,
    issue_date: dt.date,
    exported: bool,
    lock_date: dt.date | None,
    edit_window_days: int,
    today: dt.date,
) -> LockState:
    """Whether an issued document may still be edited or voided, and why not."""
    if status != "issued":
        return UNLOCKED
    if exported:
        return LockState(
            True,
            LockCause.EXPORTED,
            _("The document was exported to the accounting system: correct it with a note."),
        )
    if lock_date is not None and issue_date <= lock_date:
        return LockState(
            True,
            LockCause.PERIOD_CLOSED,
            _("The period up to %(date)s is closed: correct the document with a note.")
            % {"date": formatting.date(lock_date)},
        )
    if (today - issue_date).days > edit_window_days or edit_window_days == 0:
        return LockState(
            True,
            LockCause.EDIT_WINDOW,
            _("Issued documents can be changed for %(days)d days only: correct it with a note.")
            % {"days": edit_window_days},
        )
    return UNLOCKED


def lock_of(document: Any, today: dt.date) -> LockState:
    company = document.company
    return lock_state(
        status=document.status,
        issue_date=document.issue_date,
        exported=document.exported_at is not None,
        lock_date=company.lock_date,
        edit_window_days=company.edit_window_days,
        today=today,
    )


def is_locked(document: Any, today: dt.date) -> bool:
    """True when the issued `document` can no longer be edited or voided (see module doc)."""
    return lock_of(document, today).locked


def end_of_next_month_15th(day: dt.date) -> dt.date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return dt.date(year, month, min(15, calendar.monthrange(year, month)[1]))


def issuing_deadline(tax_event_date: dt.date, intra_eu_goods: bool) -> dt.date:
    """The last day to issue (ЗДДС art. 113(4)): 5 days after the tax event; for an intra-EU
    supply of goods, the 15th of the following month."""
    if intra_eu_goods:
        return end_of_next_month_15th(tax_event_date)
    return tax_event_date + dt.timedelta(days=5)


def needs_annulment_protocol(
    *, sent: bool, issue_date: dt.date, today: dt.date, after_days: int
) -> bool:
    """Voiding needs a bilateral annulment protocol once the document may be in the client's
    books: it was sent, or it is older than `after_days` days."""
    return sent or (today - issue_date).days > after_days
