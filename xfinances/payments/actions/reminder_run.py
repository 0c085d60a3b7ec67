"""The reminder run: plan, record and e-mail one reminder per client, and the overdue webhooks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.core import audit
from xfinances.core.audit import Actor
from xfinances.core.models import Company
from xfinances.core.permissions import ensure_can
from xfinances.invoicing.actions.delivery import document_data
from xfinances.invoicing.models import Document
from xfinances.notifications import actions as outbox
from xfinances.notifications import queries as outbox_queries
from xfinances.notifications.events import document_portal_link, first_link
from xfinances.parties.models import Party
from xfinances.payments import dunning, queries
from xfinances.payments.actions.settlement import apply_open_credit_notes
from xfinances.payments.models import (
    DunningLevel,
    OverdueNotice,
    ReminderRecipients,
    ReminderRun,
    ReminderSent,
    RunKind,
)
from xfinances.payments.queries import settings_of
from xfinances.payments.reminder_email import ReminderText, compose

# --- the reminder run ----------------------------------------------------------------------------

STALE_RUN_MINUTES = 30


@dataclass
class RunResult:
    run: ReminderRun
    emails: int
    reminders: int


def _claim_run(actor: Actor, company: Company, run_date: dt.date, kind: str) -> ReminderRun | None:
    """Insert the run row (unique per company and day for scheduled runs). A second worker
    gets None; a crashed run older than STALE_RUN_MINUTES is taken over."""
    try:
        with transaction.atomic():
            return ReminderRun.objects.create(
                company=company, run_date=run_date, kind=kind, started_by=actor.user
            )
    except IntegrityError:
        pass
    now = timezone.now()
    taken = ReminderRun.objects.filter(
        company=company,
        run_date=run_date,
        kind=RunKind.SCHEDULED,
        finished_at__isnull=True,
        started_at__lt=now - dt.timedelta(minutes=STALE_RUN_MINUTES),
    ).update(started_at=now)
    if taken:
        return ReminderRun.objects.get(company=company, run_date=run_date, kind=RunKind.SCHEDULED)
    return None


def _reminder_recipients(party: Party, level: DunningLevel) -> tuple[list[str], list[Any]]:
    """(client e-mails, responsible users) a level's e-mail goes to."""
    client: list[str] = []
    if level.recipients in (ReminderRecipients.CLIENT, ReminderRecipients.BOTH):
        client = [c.email for c in party.contacts.all() if c.receives_reminders and c.email]
        if not client and party.email:
            client = [party.email]
    employees = []
    if (
        level.recipients in (ReminderRecipients.RESPONSIBLE, ReminderRecipients.BOTH)
        and party.responsible is not None
        and party.responsible.is_active
    ):
        employees = [party.responsible]
    return client, employees


def reminder_language(party: Party, company: Company) -> str:
    language = party.language or company.document_language
    return "en" if language == "en" or (language == "bg-en" and party.country != "BG") else "bg"


def compose_reminder(
    company: Company,
    party: Party,
    email: dunning.PlannedEmail,
    level: DunningLevel,
    portal_link: str,
) -> tuple[str, ReminderText]:
    language = reminder_language(party, company)
    subject, body = (
        (level.subject_en, level.body_en) if language == "en" else (level.subject_bg, level.body_bg)
    )
    return language, compose(
        email,
        subject=subject,
        body=body,
        language=language,
        company=company.name,
        client=party.name,
        how_to_pay=_how_to_pay(company),
        portal_link=portal_link,
    )


def _how_to_pay(company: Company) -> str:
    own = settings_of(company).payment_instructions.strip()
    if own:
        return own
    accounts = list(company.bank_accounts.all()[:3])
    return "\n".join(f"IBAN {a.iban} {a.bic} ({a.currency})".strip() for a in accounts)


def _portal_link(document: Document | None) -> str:
    """The portal's link to the document ("" when no portal answers)."""
    if document is None:
        return ""
    return first_link(document_portal_link, document=document, email="")


def _record_levels(
    company: Company, run: ReminderRun, email: dunning.PlannedEmail, records: list[dunning.Record]
) -> list[ReminderSent]:
    """One row per (level, document): the unique key that makes a second run fail, not send."""
    by_doc = {line.document.id: line for line in email.lines}
    return ReminderSent.objects.bulk_create(
        [
            ReminderSent(
                company=company,
                level_id=record.level_id,
                document_id=record.document_id,
                party_id=record.party_id,
                run=run,
                run_date=run.run_date,
                superseded=record.superseded,
                remaining=by_doc[record.document_id].document.remaining,
                days_overdue=by_doc[record.document_id].days_overdue,
                interest=by_doc[record.document_id].interest,
            )
            for record in records
        ]
    )


def _send_planned(
    actor: Actor,
    company: Company,
    run: ReminderRun,
    email: dunning.PlannedEmail,
    records: list[dunning.Record],
    levels: dict[int, DunningLevel],
) -> bool:
    """Record the (level, document) rows and queue the e-mail(s), in ONE transaction. False when
    another run recorded one of these levels first (then nothing of this e-mail is written)."""
    party = Party.objects.select_related("responsible").get(company=company, pk=email.party_id)
    level = levels[email.level_id]
    try:
        with transaction.atomic():
            rows = _record_levels(company, run, email, records)
            first = Document.objects.filter(
                company=company, pk=email.triggering[0].document.id
            ).first()
            client, employees = _reminder_recipients(party, level)
            link = _portal_link(first) if client else ""
            language, text = compose_reminder(company, party, email, level, link)
            message_id = None
            keys = f"reminder:{run.run_date.isoformat()}:{party.pk}:{level.pk}"
            targets: list[tuple[str, list[str]]] = []
            if client:
                targets.append(("client", client))
            for user in employees:
                targets.append((f"user{user.pk}", [user.email]))
            for suffix, recipients in targets:
                message, _created = outbox.queue_email(
                    company,
                    to=recipients,
                    subject=text.subject,
                    body_text=text.text,
                    reply_to=company.email,
                    document_id=first.pk if first is not None else None,
                    kind="reminder",
                    idempotency_key=f"{keys}:{suffix}",
                    actor=actor,
                    language=language,
                )
                message_id = message_id or message.pk
            if employees:
                outbox.notify(
                    company,
                    employees,
                    "payment_reminder",
                    _("Payment reminder (%(level)s) for %(client)s")
                    % {"level": level.name, "client": party.name},
                )
            ReminderSent.objects.filter(pk__in=[r.pk for r in rows if r.pk]).update(
                message_id=message_id
            )
            audit.record_event(
                actor,
                company,
                "send_reminder",
                party,
                {
                    "level": level.name,
                    "documents": [r.document_id for r in records if not r.superseded],
                    "recipients": [r for _s, rs in targets for r in rs],
                },
            )
    except IntegrityError:
        return False
    return True


@transaction.atomic
def emit_overdue_events(company: Company, run: ReminderRun) -> int:
    """`document.overdue` once per document: open claims whose due date is before the run's day
    and that have no `OverdueNotice` yet get one (and the webhook event, in the same
    transaction). Markers are written even when no endpoint wants the event, so an endpoint
    added later is not flooded with old documents. Returns how many documents were new."""
    # `settled_amount` is an annotation of open_claims, which the model's type does not know.
    claims: QuerySet[Any] = queries.open_claims(company)
    fresh = dict(
        claims.filter(due_date__lt=run.run_date)
        .filter(~Exists(OverdueNotice.objects.filter(company=company, document=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", "settled_amount")
    )
    if not fresh:
        return 0
    OverdueNotice.objects.bulk_create(
        [
            OverdueNotice(company=company, document_id=pk, run=run, seen_on=run.run_date)
            for pk in fresh
        ],
        ignore_conflicts=True,  # a concurrent manual run marked some first: it emits those
        batch_size=2000,
    )
    ours = set(
        OverdueNotice.objects.filter(company=company, run=run).values_list("document_id", flat=True)
    )
    wanted = any(
        "document.overdue" in (endpoint.events or [])
        for endpoint in outbox_queries.active_endpoints(company)
    )
    if wanted:
        for document in Document.objects.filter(company=company, pk__in=ours).order_by("pk"):
            data = document_data(document)
            data["remaining"] = str(document.total - fresh[document.pk])
            assert document.due_date is not None
            data["days_overdue"] = (run.run_date - document.due_date).days
            outbox.emit_event(
                company, "document.overdue", data, document_id=document.pk, key_suffix="overdue"
            )
    return len(ours)


def run_reminders(
    actor: Actor, company: Company, run_date: dt.date, *, kind: str = RunKind.SCHEDULED
) -> RunResult | None:
    """The reminders of `run_date`: claim the run (a scheduled one once per company and day),
    offset open credit notes, plan (dunning.plan) and send one e-mail per client, each in its own
    transaction together with its ReminderSent rows. None when another worker has the run."""
    ensure_can(actor, company, "dunning.manage")
    if kind == RunKind.SCHEDULED and not settings_of(company).reminders_enabled:
        return None
    run = _claim_run(actor, company, run_date, kind)
    if run is None:
        return None
    apply_open_credit_notes(Actor.system(actor.source) if actor.user is None else actor, company)
    emit_overdue_events(company, run)
    planned, levels = queries.reminder_plan(company, run_date)
    records_by_party: dict[int, list[dunning.Record]] = {}
    for record in planned.records:
        records_by_party.setdefault(record.party_id, []).append(record)
    emails = reminders = 0
    for email in planned.emails:
        records = records_by_party.get(email.party_id, [])
        if _send_planned(actor, company, run, email, records, levels):
            emails += 1
            reminders += sum(1 for r in records if not r.superseded)
    run.finished_at = timezone.now()
    run.emails, run.reminders = emails, reminders
    run.save(update_fields=["finished_at", "emails", "reminders"])
    return RunResult(run, emails, reminders)
