"""Delivery of sales documents: their e-mail (PDF attached), the webhooks of their lifecycle,
and what the outbox asks about them when it sends.

The outbox (notifications) sits below invoicing and carries any message; this module is the
part that knows what a document is. Issuing, editing and voiding emit `DocumentIssued`,
`DocumentUpdated` and `DocumentVoided`; `on_document_*` below react inside the same
transaction (webhooks, the automatic e-mail). When the outbox sends a message about a document
it asks `message_attachments` (the PDF here; the e-invoice XML, which an app above provides
through `electronic_invoices`, when the company's delivery settings ask for it) and tells
`MessageSent` (the first delivery stamps `Document.sent_at` and the `document.delivered` webhook
goes out).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.core import audit, formatting
from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.models import Company
from xfinances.core.permissions import ensure_can
from xfinances.invoicing.actions.pdfs import store_pdf
from xfinances.invoicing.events import (
    DocumentIssued,
    DocumentUpdated,
    DocumentVoided,
    electronic_invoice_of,
)
from xfinances.invoicing.model_rows import Read
from xfinances.invoicing.models import DeliveredVia, Document, DocumentStatus
from xfinances.notifications import actions as outbox_actions
from xfinances.notifications.default_templates import KIND_NAMES
from xfinances.notifications.email_content import fill
from xfinances.notifications.events import (
    Attachment,
    MessageSent,
    document_portal_link,
    first_link,
)
from xfinances.notifications.models import (
    DeliveryLogEntry,
    DeliverySettings,
    LogEvent,
    MessageKind,
    NotificationKind,
    OutboxMessage,
    PartyAutoSend,
    TemplateLanguage,
    WebhookEndpoint,
    WebhookEvent,
)
from xfinances.parties.models import Party

DOCUMENT_EVENTS = frozenset(
    {WebhookEvent.DOCUMENT_ISSUED, WebhookEvent.DOCUMENT_UPDATED, WebhookEvent.DOCUMENT_VOIDED}
)


def invoice_recipients(party: Party | None) -> list[str]:
    """The party's e-mail for documents, then contacts who receive invoices (no duplicates)."""
    if party is None:
        return []
    found: list[str] = []
    if party.email:
        found.append(party.email.strip())
    for contact in party.contacts.all():
        if contact.receives_invoices and contact.email:
            found.append(contact.email.strip())
    seen: set[str] = set()
    unique = []
    for address in found:
        if address.lower() not in seen:
            seen.add(address.lower())
            unique.append(address)
    return unique


def template_language(document: Document) -> str:
    if document.language == "en":
        return TemplateLanguage.ENGLISH
    if document.language == "bg-en" and (document.recipient_country or "BG") != "BG":
        return TemplateLanguage.ENGLISH
    return TemplateLanguage.BULGARIAN


def portal_link(document: Document) -> str:
    """The client portal's link to the document ("" when no portal answers)."""
    return first_link(document_portal_link, document=document, email="")


def placeholder_values(document: Document, language: str) -> dict[str, str]:
    return {
        "number": document.number or "",
        "date": formatting.date(document.issue_date, language),
        "amount": formatting.money(document.total, document.currency, language),
        "due_date": formatting.date(document.due_date, language),
        "portal_link": portal_link(document),
        "company": document.supplier_name or document.company.name,
        "recipient": document.recipient_name,
        "kind": KIND_NAMES[language].get(document.kind, document.kind),
    }


def _document_email(
    document: Document, recipients: list[str], settings_row: DeliverySettings
) -> dict[str, Any]:
    language = template_language(document)
    subject, text, html = outbox_actions.template_for(document.company, document.kind, language)
    filled = fill(subject, text, html, placeholder_values(document, language))
    return {
        "purpose": "document",
        "to": recipients,
        "reply_to": settings_row.reply_to or document.company.email,
        "subject": filled.subject,
        "text": filled.text,
        "html": filled.html,
        "attach_pdf": True,
        # The company's choice when the e-mail was queued (the XML comes from the
        # `electronic_invoices` hook when the message is sent).
        "attach_electronic_invoice": bool(settings_row.attach_electronic_invoice),
        "language": language,
        "track": bool(settings_row.track_opens),
    }


def _check_sendable(document: Document, recipients: list[str]) -> None:
    if document.status != DocumentStatus.ISSUED:
        raise Conflict(_("Only issued documents can be sent."), field="status")
    if not recipients:
        raise InvalidInput(
            {
                "recipients": [
                    _(
                        "%(party)s has no e-mail for documents: add one to the client or "
                        "to a contact who receives invoices."
                    )
                    % {"party": document.recipient_name or _("The client")}
                ]
            }
        )


def _queue_document_email(
    actor: Actor,
    document: Document,
    recipients: list[str],
    key: str,
    settings_row: DeliverySettings,
    payload: dict[str, Any] | None = None,
) -> OutboxMessage:
    payload = payload or _document_email(document, recipients, settings_row)
    message, created = outbox_actions.queue_message(
        document.company,
        kind=MessageKind.EMAIL,
        key=key,
        payload=payload,
        actor=actor,
        document_id=document.pk,
        recipients=recipients,
        subject=payload["subject"],
    )
    if created:
        audit.record_event(
            actor,
            document.company,
            "send_document",
            document,
            {"recipients": recipients, "message": message.pk},
        )
    return message


@transaction.atomic
def send_document(
    actor: Actor,
    document: Document,
    *,
    recipients: Sequence[str] | None = None,
    idempotency_key: str = "",
) -> OutboxMessage:
    """Queue the document's e-mail (PDF attached) to the party's invoice contacts, or to
    `recipients`. Refused, with nothing queued, when there is nobody to send to."""
    company = document.company
    ensure_can(actor, company, "delivery.send")
    chosen = (
        outbox_actions.clean_recipients(recipients)
        if recipients
        else invoice_recipients(document.party)
    )
    _check_sendable(document, chosen)
    key = f"email:document:{document.pk}:{idempotency_key or uuid.uuid4().hex}"
    return _queue_document_email(
        actor, document, chosen, key, outbox_actions.delivery_settings(company)
    )


#: The line a re-sent corrected document's e-mail starts with, in the e-mail's language.
CORRECTED_NOTICE = {
    "bg": (
        "Коригиран документ",
        "Документът, който получихте по-рано, е коригиран. Моля, използвайте приложения "
        "коригиран документ вместо предишния.",
    ),
    "en": (
        "Corrected document",
        "The document you received earlier has been corrected. Please use the attached "
        "corrected document instead of the earlier one.",
    ),
}


def resend_corrected(actor: Actor, document: Document) -> str:
    """E-mail a document corrected after it reached the client again (PDF attached, marked
    as corrected), in the caller's transaction, to the client's invoice contacts. Returns the
    notice to show the user."""
    recipients = invoice_recipients(document.party)
    if not recipients:
        return _("The corrected document was not e-mailed: the client has no e-mail for documents.")
    settings_row = outbox_actions.delivery_settings(document.company)
    payload = _document_email(document, recipients, settings_row)
    title, notice = CORRECTED_NOTICE.get(payload["language"], CORRECTED_NOTICE["en"])
    payload["subject"] = f"{title}: {payload['subject']}"
    payload["text"] = f"{notice}\n\n{payload['text']}"
    if payload.get("html"):
        payload["html"] = f"<p><strong>{notice}</strong></p>{payload['html']}"
    key = f"email:document:{document.pk}:corrected:{document.version}"
    _queue_document_email(actor, document, recipients, key, settings_row, payload=payload)
    return _("The corrected document is e-mailed again to %(recipients)s.") % {
        "recipients": ", ".join(recipients)
    }


@transaction.atomic
def send_documents(
    actor: Actor, company: Company, documents: Sequence[Document]
) -> list[OutboxMessage]:
    """Bulk send: every document is checked first; one refusal queues nothing."""
    ensure_can(actor, company, "delivery.send")
    errors = InvalidInput.collect()
    planned: list[tuple[Document, list[str]]] = []
    for document in documents:
        if document.company_id != company.pk:
            raise InvalidInput({"documents": [_("Unknown document.")]})
        recipients = invoice_recipients(document.party)
        if document.status != DocumentStatus.ISSUED:
            errors.add("documents", _("%(doc)s is not issued.") % {"doc": str(document)})
        elif not recipients:
            errors.add(
                "documents",
                _("%(doc)s: %(party)s has no e-mail for documents.")
                % {"doc": str(document), "party": document.recipient_name},
            )
        planned.append((document, recipients))
    errors.raise_if_any()
    settings_row = outbox_actions.delivery_settings(company)
    batch = uuid.uuid4().hex
    return [
        _queue_document_email(
            actor, document, recipients, f"email:document:{document.pk}:{batch}", settings_row
        )
        for document, recipients in planned
    ]


def issue_facts_read(document: Document) -> Read[tuple[bool, bool]]:
    """(the company has an active webhook endpoint, the issued document is e-mailed
    automatically), in one query: issuing asks both every time. Written as SQL (built by the
    ORM, three subqueries cost ~1.5 ms of Python on every issue), and a `Read`, so that the issue
    sends it with its own reads in one round trip."""
    company_id, party_id = document.company_id, document.party_id
    sql = (
        "SELECT (SELECT auto_send FROM notifications_partydeliverysetting"
        " WHERE company_id = %s AND party_id = %s ORDER BY id LIMIT 1),"
        " (SELECT auto_send_on_issue FROM notifications_deliverysettings"
        " WHERE company_id = %s ORDER BY id LIMIT 1),"
        " EXISTS (SELECT 1 FROM notifications_webhookendpoint"
        " WHERE company_id = %s AND is_active)"
    )

    def parse(rows: list[tuple[Any, ...]]) -> tuple[bool, bool]:
        own, default, has_endpoints = rows[0]
        if party_id is None or own == PartyAutoSend.NEVER:
            auto_send = False
        elif own == PartyAutoSend.ALWAYS:
            auto_send = True
        elif default is None:
            auto_send = DeliverySettings(company_id=company_id).auto_send_on_issue
        else:
            auto_send = bool(default)
        return bool(has_endpoints), auto_send

    return Read(sql, [company_id, party_id, company_id, company_id], parse)


def document_event(
    actor: Actor,
    document: Document,
    event: str,
    *,
    issue_facts: tuple[bool, bool] | None = None,
) -> None:
    """Called at the end of issue/edit/void (inside their transaction): queue the webhook calls
    for `event` and, on issue, the automatic e-mail. Never refuses the caller's action.
    `issue_facts`: what `issue_facts_read` returns, when the issue has already read it."""
    if event not in DOCUMENT_EVENTS:
        raise ValueError(f"unknown document event {event!r}")
    has_endpoints, auto_send = True, False
    if event == WebhookEvent.DOCUMENT_ISSUED:
        has_endpoints, auto_send = issue_facts or issue_facts_read(document).fetch()
    outbox_actions.emit_event(
        document.company,
        event,
        document_data(document),
        document_id=document.pk,
        key_suffix=f"v{document.version}",
        endpoints=None if has_endpoints else [],
    )
    if auto_send:
        recipients = invoice_recipients(document.party)
        if not recipients:
            outbox_actions.notify(
                document.company,
                outbox_actions.issuer_and_owners(document),
                NotificationKind.AUTO_SEND_SKIPPED,
                lambda: (
                    _("%(doc)s was not sent: %(party)s has no e-mail for documents.")
                    % {"doc": str(document), "party": document.recipient_name}
                ),
                link=f"/c/{document.company.eik}/delivery/documents/{document.pk}/",
            )
            return
        _queue_document_email(
            actor,
            document,
            recipients,
            f"email:document:{document.pk}:auto-issue",
            outbox_actions.delivery_settings(document.company),
        )


def document_data(document: Document) -> dict[str, Any]:
    return {
        "id": document.pk,
        "kind": document.kind,
        "status": document.status,
        "number": document.number,
        "issue_date": document.issue_date.isoformat(),
        "due_date": document.due_date.isoformat() if document.due_date else None,
        "currency": document.currency,
        "base": str(document.base),
        "vat": str(document.vat),
        "total": str(document.total),
        "party_id": document.party_id,
        "recipient_name": document.recipient_name,
        "recipient_eik": document.recipient_eik,
        "recipient_vat_number": document.recipient_vat_number,
        "version": document.version,
    }


@transaction.atomic
def record_portal_download(document: Document, detail: str = "") -> DeliveryLogEntry:
    """The portal calls this when the client downloads a document."""
    return DeliveryLogEntry.objects.create(
        company_id=document.company_id,
        document_id=document.pk,
        event=LogEvent.DOWNLOADED,
        detail=detail[:500],
    )


# --- what the outbox and the document lifecycle tell this module -------------------------------


def on_document_issued(event: DocumentIssued) -> None:
    document_event(event.actor, event.document, WebhookEvent.DOCUMENT_ISSUED)


def on_document_updated(event: DocumentUpdated) -> None:
    document_event(event.actor, event.document, WebhookEvent.DOCUMENT_UPDATED)


def on_document_voided(event: DocumentVoided) -> None:
    document_event(event.actor, event.document, WebhookEvent.DOCUMENT_VOIDED)


def pdf_attachment(message: OutboxMessage) -> Attachment | None:
    """The document's PDF for an e-mail that asked for it (rendered now if still missing)."""
    if not message.document_id or not message.payload.get("attach_pdf"):
        return None
    document = Document.objects.get(pk=message.document_id)
    if not document.pdf_file:
        store_pdf(document)
        document.refresh_from_db()
    if not document.pdf_file:
        raise RuntimeError("the document has no PDF yet")
    with document.pdf_file.open("rb") as handle:
        content = handle.read()
    name = f"{document.kind}-{document.number or document.pk}.pdf"
    return Attachment(name, content, "application/pdf")


def electronic_invoice_attachment(message: OutboxMessage) -> Attachment | None:
    """The document's e-invoice (UBL XML from the app that provides it) for a document e-mail,
    when the company asked for it in its delivery settings. No provider: nothing attached."""
    if not message.document_id or not message.payload.get("attach_electronic_invoice"):
        return None
    document = Document.objects.select_related("company").get(pk=message.document_id)
    found = electronic_invoice_of(document)
    if found is None:
        return None
    return Attachment(found.filename, found.content, found.content_type)


def on_message_sent(event: MessageSent) -> None:
    """`Document.sent_at` is "first delivered to the client"; the delivered webhook follows."""
    if event.kind != MessageKind.EMAIL or not event.document_id or event.purpose != "document":
        return
    now = timezone.now()
    Document.objects.filter(pk=event.document_id, sent_at__isnull=True).update(sent_at=now)
    Document.objects.filter(pk=event.document_id, delivered_at__isnull=True).update(
        delivered_at=now, delivered_via=DeliveredVia.EMAIL
    )
    wants_delivered = any(
        WebhookEvent.DOCUMENT_DELIVERED in (events or [])
        for events in WebhookEndpoint.objects.filter(
            company_id=event.company_id, is_active=True
        ).values_list("events", flat=True)
    )
    if not wants_delivered:
        return
    document = Document.objects.select_related("company").get(pk=event.document_id)
    outbox_actions.emit_event(
        document.company,
        WebhookEvent.DOCUMENT_DELIVERED,
        {**document_data(document), "recipients": list(event.recipients)},
        document_id=document.pk,
        key_suffix=f"message-{event.message_id}",
    )
