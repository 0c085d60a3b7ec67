"""Recurring invoices: templates, their runs and the scheduler's due list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.core import audit
from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.models import Company, Currency, Source
from xfinances.core.permissions import ensure_can
from xfinances.invoicing import inputs, locks, schedule
from xfinances.invoicing.actions import delivery
from xfinances.invoicing.actions.common import CleanLine
from xfinances.invoicing.actions.drafts import _create_draft
from xfinances.invoicing.actions.header import _date, _party, _today
from xfinances.invoicing.actions.issue import _issue_document
from xfinances.invoicing.actions.lines import _clean_lines
from xfinances.invoicing.inputs import RecurringInput
from xfinances.invoicing.models import (
    Document,
    DocumentKind,
    DocumentLanguage,
    DocumentStatus,
    PaymentMethod,
    RecurringInvoice,
    RecurringRun,
    RecurringSchedule,
)

# --- recurring invoices ------------------------------------------------------------------------

# The fields are declared once, in `invoicing/inputs.py`.
RECURRING_FIELDS = inputs.RECURRING_FIELDS


def _clean_recurring(
    company: Company, given: RecurringInput, *, current: RecurringInvoice | None
) -> dict[str, Any]:
    """Validate the fields given (all required ones when `current` is None)."""
    errors = InvalidInput.collect()
    given.report_unread(errors)
    data = given.given()
    clean: dict[str, Any] = {}
    creating = current is None
    if "name" in data or creating:
        clean["name"] = str(data.get("name") or "").strip()[:200]
        if not clean["name"]:
            errors.add("name", _("Name the recurring invoice."))
    if "party_id" in data or creating:
        party = _party(company, data.get("party_id"), errors)
        if party is None and "party_id" not in errors.errors:
            errors.add("party_id", _("Choose the recipient."))
        elif party is not None and party.is_archived:
            errors.add("party_id", _("The client “%(name)s” is archived.") % {"name": party.name})
        clean["party"] = party
    if "lines" in data or creating:
        rows = list(data.get("lines") or [])
        if not rows:
            errors.add("lines", _("Add at least one line."))
        else:
            checked = _clean_lines(company, rows, corrected=None, errors=errors)
            clean["lines"] = [_plain_line(line) for line in checked]
    if "currency" in data:
        clean["currency"] = str(data["currency"] or "EUR").strip().upper()
        if clean["currency"] not in Currency.values or clean["currency"] == "BGN":
            errors.add("currency", _("Invoices from 2026 are in EUR or a foreign currency."))
    if "language" in data:
        clean["language"] = data["language"] or ""
        if clean["language"] and clean["language"] not in DocumentLanguage.values:
            errors.add("language", _("Choose bg, en or bg-en."))
    if "payment_method" in data:
        clean["payment_method"] = data["payment_method"] or PaymentMethod.BANK_TRANSFER
        if clean["payment_method"] not in PaymentMethod.values:
            errors.add("payment_method", _("Unknown payment method."))
    if "notes" in data:
        clean["notes"] = str(data["notes"] or "").strip()
    if "schedule" in data or creating:
        clean["schedule"] = data.get("schedule") or RecurringSchedule.MONTHLY
        if clean["schedule"] not in RecurringSchedule.values:
            errors.add("schedule", _("Choose monthly, quarterly or yearly."))
    if "day_of_month" in data or creating:
        try:
            raw_day = data.get("day_of_month", 1)
            clean["day_of_month"] = int(raw_day if raw_day not in (None, "") else 1)
        except (TypeError, ValueError):
            clean["day_of_month"] = 0
        if not 1 <= clean["day_of_month"] <= 31:
            errors.add(
                "day_of_month",
                _("A day from 1 to 31 (31: the last day of shorter months)."),
            )
    for name in ("start_date", "end_date"):
        if name in data or (creating and name == "start_date"):
            clean[name] = _date(data.get(name), name, errors)
    if creating and clean.get("start_date") is None and "start_date" not in errors.errors:
        errors.add("start_date", _("Enter the first day to invoice."))
    for name in ("auto_issue", "auto_send"):
        if name in data:
            clean[name] = bool(data[name])
    start = clean.get("start_date", current.start_date if current else None)
    end = clean.get("end_date", current.end_date if current else None)
    if start and end and end < start:
        errors.add("end_date", _("The end cannot be before the start."))
    errors.raise_if_any()
    return clean


def _plain_line(line: CleanLine) -> dict[str, Any]:
    """A validated line as JSON for the template (Decimals as strings, treatment by code)."""
    row: dict[str, Any] = {
        "description": line.description,
        "quantity": str(line.quantity),
        "unit": line.unit,
        "unit_price": str(line.unit_price),
        "discount_percent": str(line.discount_percent),
        "vat_treatment": line.vat_treatment.code,
    }
    if line.product is not None:
        row["product_id"] = line.product.pk
    return row


def _first_open_period(template: RecurringInvoice) -> dt.date | None:
    """The next period to invoice: the first one on or after the start that has no run."""
    period = schedule.first_period(template.start_date, template.schedule, template.day_of_month)
    if template.pk:
        last = (
            RecurringRun.objects.filter(company_id=template.company_id, template=template)
            .order_by("-period_start")
            .values_list("period_start", flat=True)
            .first()
        )
        while last is not None and period <= last:
            period = schedule.next_period(period, template.schedule, template.day_of_month)
    return period


@transaction.atomic
def create_recurring(actor: Actor, company: Company, data: RecurringInput) -> RecurringInvoice:
    """A recurring invoice: the lines, the client and the schedule. The first period is the
    first day (of the schedule) on or after the start."""
    ensure_can(actor, company, "documents.change")
    clean = _clean_recurring(company, data, current=None)
    template = RecurringInvoice(company=company, created_by=actor.user, **clean)
    template.next_period_start = _first_open_period(template)
    template.save()
    audit.record_create(actor, company, "create_recurring", template)
    return template


@transaction.atomic
def update_recurring(
    actor: Actor, template: RecurringInvoice, changes: RecurringInput
) -> RecurringInvoice:
    """Change a recurring invoice. A new schedule, day or start moves the next period to the
    first one after the last invoiced period (a period is never invoiced twice)."""
    company = template.company
    ensure_can(actor, company, "documents.change")
    template = locks.lock_recurring(company, template.pk)
    clean = _clean_recurring(company, changes, current=template)
    before = audit.snapshot(template)
    for key, value in clean.items():
        setattr(template, key, value)
    if {"schedule", "day_of_month", "start_date"} & set(clean):
        template.next_period_start = _first_open_period(template)
    template.save()
    audit.record_update(actor, company, "update_recurring", template, before)
    return template


@transaction.atomic
def pause_recurring(
    actor: Actor, template: RecurringInvoice, *, active: bool = False
) -> RecurringInvoice:
    """Pause (or resume with `active=True`). Periods that fall while paused are skipped: on
    resume the next period is the first one from today on."""
    company = template.company
    ensure_can(actor, company, "documents.change")
    template = locks.lock_recurring(company, template.pk)
    if template.active == active:
        return template
    before = audit.snapshot(template)
    template.active = active
    if active:
        today = timezone.localdate()
        period = template.next_period_start or _first_open_period(template)
        while period is not None and period < today:
            period = schedule.next_period(period, template.schedule, template.day_of_month)
        template.next_period_start = period
    template.save()
    audit.record_update(
        actor, company, "resume_recurring" if active else "pause_recurring", template, before
    )
    return template


@transaction.atomic
def delete_recurring(actor: Actor, template: RecurringInvoice) -> None:
    """Delete the template and its run log; the invoices it made stay."""
    company = template.company
    ensure_can(actor, company, "documents.change")
    template = locks.lock_recurring(company, template.pk)
    audit.record_delete(actor, company, "delete_recurring", template)
    template.delete()


@dataclass(frozen=True)
class RecurringStep:
    run: RecurringRun | None
    document: Document | None
    error: str = ""


def _draft_values(
    template: RecurringInvoice, period: dt.date, end: dt.date, day: dt.date
) -> dict[str, Any]:
    """The header of the invoice for one period: the template's, dated today, with the period
    as the tax event and in the notes."""
    period_note = _("Period: %(start)s – %(end)s") % {
        "start": period.strftime("%d.%m.%Y"),
        "end": end.strftime("%d.%m.%Y"),
    }
    values: dict[str, Any] = {
        "party": template.party,
        "currency": template.currency,
        "payment_method": template.payment_method,
        "notes": "\n".join(part for part in (template.notes, period_note) if part),
        "issue_date": day,
        "tax_event_date": period,
    }
    if template.language:
        values["language"] = template.language
    if template.created_by is not None:
        values["issued_by_name"] = template.created_by.full_name or template.created_by.email
    return values


def _invoice_period(
    actor: Actor, template: RecurringInvoice, period: dt.date, end: dt.date, day: dt.date
) -> tuple[Document | None, str]:
    """The invoice of one period, issued when the template says so, and why it could not be
    made or issued ("" when it was). Each step in its own savepoint: a draft that cannot be
    issued stays a draft."""
    error = ""
    document: Document | None = None
    try:
        with transaction.atomic():
            lines = inputs.read_lines(template.lines)
            document = _create_draft(
                actor,
                template.company,
                _draft_values(template, period, end, day),
                kind=DocumentKind.INVOICE,
                lines=lines,
                today=day,
            )
    except (InvalidInput, Conflict) as refusal:
        error = str(refusal)
    if document is not None and template.auto_issue:
        try:
            with transaction.atomic():
                document = _issue_document(actor, document, today=day).document
        except (InvalidInput, Conflict) as refusal:
            error = str(refusal)
            document.refresh_from_db()
    return document, error


@transaction.atomic
def run_recurring_period(
    actor: Actor, template: RecurringInvoice, *, today: dt.date | None = None
) -> RecurringStep:
    """Invoice ONE period of `template` (the next due one), if due on `today`.

    Under a row lock on the template: a second worker waits, then sees the period already moved
    on and does nothing; where no lock exists (SQLite) the unique (template, period) row of
    `RecurringRun` refuses the duplicate. A draft that cannot be issued stays a draft and the
    run keeps the reason; the period counts as invoiced either way (a person finishes it).
    """
    company = template.company
    ensure_can(actor, company, "documents.change")
    day = _today(today)
    template = locks.lock_recurring(company, template.pk)
    period = template.next_period_start
    if (
        not template.active
        or period is None
        or period > day
        or (template.end_date is not None and period > template.end_date)
    ):
        return RecurringStep(None, None)
    end = schedule.period_end(period, template.schedule, template.day_of_month)
    following = schedule.next_period(period, template.schedule, template.day_of_month)
    try:
        with transaction.atomic():
            run = RecurringRun.objects.create(
                company=company, template=template, period_start=period, period_end=end
            )
    except IntegrityError:
        template.next_period_start = following
        template.save(update_fields=["next_period_start", "updated_at"])
        return RecurringStep(None, None)
    document, error = _invoice_period(actor, template, period, end, day)
    sent = False
    if document is not None and template.auto_send and document.status == DocumentStatus.ISSUED:
        sent, send_error = _send_recurring(actor, document)
        error = error or send_error
    run.document = document
    run.error = error[:2000]
    run.sent = sent
    run.save(update_fields=["document", "error", "sent"])
    template.next_period_start = following
    template.last_run_at = timezone.now()
    template.save(update_fields=["next_period_start", "last_run_at", "updated_at"])
    audit.record_event(
        actor,
        company,
        "run_recurring",
        template,
        {
            "period": period.isoformat(),
            "document": document.pk if document else None,
            "error": error,
        },
    )
    return RecurringStep(run, document, error)


def _send_recurring(actor: Actor, document: Document) -> tuple[bool, str]:
    """Queue the document's e-mail. The key matches the automatic e-mail on issue, so the
    client never gets it twice."""
    try:
        with transaction.atomic():
            delivery.send_document(actor, document, idempotency_key="auto-issue")
    except (InvalidInput, Conflict) as refusal:
        return False, str(refusal)
    return True, ""


def due_recurring_ids(today: dt.date) -> list[int]:
    """Templates (of every company) with a period due on `today`, for the daily job."""
    return list(
        RecurringInvoice.objects.filter(active=True, next_period_start__lte=today)
        .exclude(end_date__lt=models.F("next_period_start"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def run_due_recurring(today: dt.date | None = None, *, max_steps: int = 10_000) -> int:
    """The daily job: for each due template invoice one period per step, each step its own
    transaction, until nothing is due (after downtime: period by period, in order). Returns the
    number of periods invoiced. A rerun the same day finds nothing due."""
    day = _today(today)
    actor = Actor.system(Source.TASK)
    made = 0
    for _step in range(max_steps):
        due = due_recurring_ids(day)
        if not due:
            break
        progressed = False
        for template in (
            RecurringInvoice.objects.select_related("company", "party", "created_by")
            .filter(pk__in=due)
            .order_by("pk")
        ):
            step = run_recurring_period(actor, template, today=day)
            if step.run is not None:
                made += 1
            progressed = True
        if not progressed:
            break
    return made


def run_recurring_now(
    actor: Actor, template: RecurringInvoice, *, today: dt.date | None = None
) -> list[RecurringRun]:
    """Invoice every period of `template` due on `today` now, one period per transaction (as
    the daily job would). Nothing is due: nothing happens."""
    ensure_can(actor, template.company, "documents.change")
    made: list[RecurringRun] = []
    for _step in range(1000):
        step = run_recurring_period(actor, template, today=today)
        if step.run is None:
            break
        made.append(step.run)
    return made
