"""Which payment alerts the daily run sends (pure: no database, no clock).

Given the open supplier invoices, the company's alert settings, the alerts already sent and the
day of the run, the planner returns one digest per user. It looks at each invoice's state on
that day, not at the days in between: a run missed for several days sends what is true now
(an invoice that became overdue meanwhile gets the "overdue" alert, not a stale "due today"),
and an alert already sent (invoice, kind) is never planned again.

Kinds, per invoice (each at most once):
- due_soon: 1..days_before days before the due date → the responsible employee;
- due_today: on the due date → the responsible employee;
- overdue: after the due date → the responsible employee;
- escalated: escalation_days or more after the due date → the owners;
- approval: waiting for approval and due within approval_alert_days (or past due) → the
  approver.
With no responsible employee (or no approver) the owners receive the alert.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

DUE_SOON = "due_soon"
DUE_TODAY = "due_today"
OVERDUE = "overdue"
ESCALATED = "escalated"
APPROVAL = "approval"
#: The most urgent first: the one a digest keeps when an invoice has several alerts.
URGENCY = (ESCALATED, OVERDUE, DUE_TODAY, DUE_SOON, APPROVAL)
KIND_ORDER = (ESCALATED, OVERDUE, DUE_TODAY, APPROVAL, DUE_SOON)


@dataclass(frozen=True)
class OpenInvoice:
    id: int
    label: str
    due_date: dt.date | None
    remaining: Decimal
    currency: str
    responsible_id: int | None
    approver_id: int | None
    approval_pending: bool


@dataclass(frozen=True)
class AlertSettings:
    days_before: int = 3
    escalation_days: int = 5
    approval_alert_days: int = 5


@dataclass(frozen=True)
class PlannedAlert:
    invoice: OpenInvoice
    kind: str
    recipients: tuple[int, ...]
    days: int  # due date minus the run day (negative = overdue)


@dataclass
class Digest:
    user_id: int
    items: list[PlannedAlert] = field(default_factory=list)


def _phase(days: int, settings: AlertSettings) -> str | None:
    if days < 0:
        return OVERDUE
    if days == 0:
        return DUE_TODAY
    if days <= settings.days_before:
        return DUE_SOON
    return None


def plan_alerts(
    invoices: Iterable[OpenInvoice],
    settings: AlertSettings,
    already_sent: set[tuple[int, str]],
    owners: Iterable[int],
    today: dt.date,
) -> list[PlannedAlert]:
    """The alerts to send on `today`, most urgent kind first, each (invoice, kind) once."""
    owner_ids = tuple(sorted(set(owners)))
    planned: list[PlannedAlert] = []
    for invoice in invoices:
        if invoice.due_date is None or invoice.remaining <= 0:
            continue
        days = (invoice.due_date - today).days
        wanted: list[tuple[str, tuple[int, ...]]] = []
        phase = _phase(days, settings)
        if phase is not None:
            responsible = (invoice.responsible_id,) if invoice.responsible_id else owner_ids
            wanted.append((phase, responsible))
        if days < 0 and -days >= settings.escalation_days:
            wanted.append((ESCALATED, owner_ids))
        if invoice.approval_pending and days <= settings.approval_alert_days:
            approver = (invoice.approver_id,) if invoice.approver_id else owner_ids
            wanted.append((APPROVAL, approver))
        for kind, recipients in wanted:
            if (invoice.id, kind) in already_sent or not recipients:
                continue
            planned.append(PlannedAlert(invoice, kind, recipients, days))
    planned.sort(key=lambda a: (KIND_ORDER.index(a.kind), a.days, a.invoice.id))
    return planned


def digests(planned: Iterable[PlannedAlert]) -> list[Digest]:
    """One digest per recipient, in the order of the plan, each invoice once: an owner who is
    also the responsible employee gets the escalation, not the overdue alert beside it."""
    by_user: dict[int, Digest] = {}
    for alert in planned:
        for user_id in alert.recipients:
            digest = by_user.setdefault(user_id, Digest(user_id))
            for index, item in enumerate(digest.items):
                if item.invoice.id == alert.invoice.id:
                    if URGENCY.index(alert.kind) < URGENCY.index(item.kind):
                        digest.items[index] = alert
                    break
            else:
                digest.items.append(alert)
    return [by_user[user_id] for user_id in sorted(by_user)]
