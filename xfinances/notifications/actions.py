"""Every write of the delivery area: queuing e-mails and webhook calls (always as outbox rows in
the caller's transaction), settings, templates, webhook endpoints, notifications.

The worker's own state changes (claim, sent, retry, failed) live in `outbox.py`."""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import secrets
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from email.utils import make_msgid
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xfinances.core import audit
from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.models import Company, Membership, User
from xfinances.core.permissions import ensure_can
from xfinances.core.roles import Role
from xfinances.notifications import outbox, queries
from xfinances.notifications.default_templates import default_template
from xfinances.notifications.email_content import unknown_placeholders
from xfinances.notifications.events import MessageFailed
from xfinances.notifications.models import (
    DeliveryLogEntry,
    DeliverySettings,
    EmailTemplate,
    LogEvent,
    MessageKind,
    MessageStatus,
    Notification,
    NotificationKind,
    NotificationPreference,
    OutboxMessage,
    PartyAutoSend,
    PartyDeliverySetting,
    TemplateKind,
    TemplateLanguage,
    WebhookEndpoint,
    WebhookEvent,
    new_token,
)
from xfinances.parties.models import Party

PAYLOAD_VERSION = 1


def give_up_hours() -> int:
    return int(getattr(settings, "NOTIFICATIONS_GIVE_UP_HOURS", 48))


def allow_private_webhooks() -> bool:
    return bool(getattr(settings, "NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE", False))


def kick_worker_on_commit() -> bool:
    return bool(getattr(settings, "NOTIFICATIONS_KICK_WORKER", True))


def message_id_domain() -> str:
    host = urlsplit(settings.BASE_URL).hostname or "localhost"
    return str(getattr(settings, "NOTIFICATIONS_MESSAGE_ID_DOMAIN", "") or host)


def _enqueue_delivery() -> None:
    outbox.deliver_outbox()


def _kick_worker() -> None:
    """After commit, ask the worker to look at the outbox now; once per transaction however
    many rows it queued (the periodic run catches up anyway, so a lost kick only delays)."""
    if not kick_worker_on_commit():
        return
    connection = transaction.get_connection()
    if any(item[1] is _enqueue_delivery for item in connection.run_on_commit):
        return
    transaction.on_commit(_enqueue_delivery)


def _log(
    message: OutboxMessage,
    event: str,
    detail: str = "",
    response_code: int | None = None,
    document_id: int | None = None,
) -> DeliveryLogEntry:
    return DeliveryLogEntry.objects.create(
        company_id=message.company_id,
        message=message,
        document_id=document_id if document_id is not None else message.document_id,
        event=event,
        attempt=message.attempts,
        response_code=response_code,
        detail=detail,
    )


def queue_message(
    company: Company,
    *,
    kind: str,
    key: str,
    payload: dict[str, Any],
    actor: Actor | None = None,
    document_id: int | None = None,
    endpoint: WebhookEndpoint | None = None,
    event: str = "",
    recipients: Sequence[str] = (),
    subject: str = "",
    resend_of: OutboxMessage | None = None,
) -> tuple[OutboxMessage, bool]:
    """The outbox row for `key`, created now unless it exists (then `created` is False).
    `document_id`: the sales document the message is about (its delivery log), if any."""
    existing = OutboxMessage.objects.filter(company=company, idempotency_key=key).first()
    if existing is not None:
        return existing, False
    now = timezone.now()
    message = OutboxMessage(
        company=company,
        kind=kind,
        idempotency_key=key,
        event=event,
        document_id=document_id,
        endpoint=endpoint,
        recipients=list(recipients),
        subject=subject[:300],
        payload=payload,
        message_id=make_msgid(domain=message_id_domain()) if kind == MessageKind.EMAIL else "",
        tracking_token=new_token() if payload.get("track") else "",
        next_attempt_at=now,
        give_up_at=now + dt.timedelta(hours=give_up_hours()),
        created_by=actor.user if actor else None,
        resend_of=resend_of,
    )
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:  # the same key queued concurrently
        return OutboxMessage.objects.get(company=company, idempotency_key=key), False
    _log(message, LogEvent.QUEUED, ", ".join(recipients) if recipients else event)
    _kick_worker()
    return message, True


# --- e-mail for other areas --------------------------------------------------------------------

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class EmailAttachment:
    """A file sent with a queued e-mail (kept in the outbox row, so keep it small)."""

    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


def queue_email(
    company: Company,
    *,
    to: Sequence[str],
    subject: str,
    body_text: str,
    body_html: str = "",
    reply_to: str | None = None,
    attachments: Sequence[EmailAttachment] = (),
    document_id: int | None = None,
    kind: str = "message",
    idempotency_key: str,
    actor: Actor | None = None,
    language: str = "",
) -> tuple[OutboxMessage, bool]:
    """Queue one e-mail as an outbox row in the caller's transaction; the worker sends it after
    commit. `kind` says what the e-mail is for ("reminder", "supplier_alerts" ...; "document" is
    reserved for invoicing's document delivery, whose delivery stamps the document's
    `sent_at`). The same `idempotency_key` queues one message: a second call returns the first
    row and False."""
    recipients = [address.strip() for address in to if address and address.strip()]
    if not recipients:
        raise InvalidInput({"to": [_("Give at least one recipient.")]})
    if not idempotency_key:
        raise ValueError("queue_email needs an idempotency_key")
    if kind == "document":
        raise ValueError("document e-mails are queued by send_document")
    if sum(len(item.content) for item in attachments) > MAX_ATTACHMENT_BYTES:
        raise InvalidInput({"attachments": [_("The attachments are larger than 10 MB.")]})
    payload: dict[str, Any] = {
        "purpose": kind,
        "to": recipients,
        "reply_to": reply_to or "",
        "subject": subject,
        "text": body_text,
        "html": body_html,
        "attach_pdf": False,
    }
    if language:
        payload["language"] = language
    if attachments:
        payload["attachments"] = [
            {
                "filename": item.filename,
                "content_type": item.content_type,
                "content": base64.b64encode(item.content).decode("ascii"),
            }
            for item in attachments
        ]
    return queue_message(
        company,
        kind=MessageKind.EMAIL,
        key=idempotency_key,
        payload=payload,
        actor=actor,
        document_id=document_id,
        recipients=recipients,
        subject=subject,
    )


# --- e-mail of documents -----------------------------------------------------------------------


def delivery_settings(company: Company) -> DeliverySettings:
    found = DeliverySettings.objects.filter(company=company).first()
    return found or DeliverySettings(company=company)


def template_for(company: Company, kind: str, language: str) -> tuple[str, str, str]:
    own = EmailTemplate.objects.filter(
        company=company, document_kind=kind, language=language
    ).first()
    if own is not None:
        return own.subject, own.body_text, own.body_html
    built_in = default_template(kind, language)
    return built_in.subject, built_in.body_text, built_in.body_html


def clean_recipients(addresses: Iterable[str]) -> list[str]:
    clean = []
    for address in addresses:
        address = (address or "").strip()
        if not address:
            continue
        try:
            validate_email(address)
        except ValidationError:
            raise InvalidInput(
                {
                    "recipients": [
                        _("%(address)s is not a valid e-mail address.") % {"address": address}
                    ]
                }
            ) from None
        clean.append(address)
    return clean


# --- webhooks ----------------------------------------------------------------------------------


def _webhook_body(
    company: Company, event: str, data: dict[str, Any], event_id: str
) -> dict[str, Any]:
    return {
        "id": event_id,
        "version": PAYLOAD_VERSION,
        "event": event,
        "created_at": timezone.now().isoformat(),
        "company": {"eik": company.eik, "name": company.name},
        "data": data,
    }


def emit_event(
    company: Company,
    event: str,
    data: dict[str, Any],
    *,
    document_id: int | None = None,
    key_suffix: str = "",
    endpoints: Sequence[WebhookEndpoint] | None = None,
) -> list[OutboxMessage]:
    """Queue `event` for every active endpoint of the company that chose it (in the caller's
    transaction). Other areas call this for document.overdue, payment.received and
    payment.allocated. `endpoints`: the company's active endpoints when the caller already
    knows them (`[]`: none), else they are read."""
    if event not in WebhookEvent.values:
        raise ValueError(f"unknown webhook event {event!r}")
    chosen = [
        endpoint
        for endpoint in (queries.active_endpoints(company) if endpoints is None else endpoints)
        if event in (endpoint.events or [])
    ]
    queued = []
    suffix = key_suffix or uuid.uuid4().hex
    for endpoint in chosen:
        subject = f"{event} #{document_id}" if document_id else event
        key = f"webhook:{endpoint.pk}:{event}:{document_id or '-'}:{suffix}"
        event_id = str(uuid.uuid4())
        message, _created = queue_message(
            company,
            kind=MessageKind.WEBHOOK,
            key=key,
            payload=_webhook_body(company, event, data, event_id),
            document_id=document_id,
            endpoint=endpoint,
            event=event,
            subject=subject,
        )
        queued.append(message)
    return queued


def clean_webhook_url(url: str) -> str:
    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise InvalidInput({"url": [_("Enter a full http:// or https:// URL.")]}) from None
    parts = urlsplit(url)
    if parts.username or parts.password:
        raise InvalidInput({"url": [_("Do not put a user name or password in the URL.")]})
    host = (parts.hostname or "").lower()
    if not allow_private_webhooks():
        private = host == "localhost" or host.endswith(".localhost")
        try:
            address = ipaddress.ip_address(host)
            private = private or not address.is_global
        except ValueError:
            pass
        if private:
            raise InvalidInput({"url": [_("The URL points to this machine or a private network.")]})
    return url


def _clean_events(events: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(events or []))
    unknown = [e for e in chosen if e not in WebhookEvent.values]
    if unknown:
        raise InvalidInput(
            {"events": [_("Unknown events: %(events)s.") % {"events": ", ".join(unknown)}]}
        )
    if not chosen:
        raise InvalidInput({"events": [_("Choose at least one event.")]})
    return chosen


@transaction.atomic
def create_webhook_endpoint(
    actor: Actor,
    company: Company,
    *,
    url: str,
    events: Iterable[str],
    description: str = "",
    is_active: bool = True,
) -> WebhookEndpoint:
    ensure_can(actor, company, "webhooks.manage")
    endpoint = WebhookEndpoint.objects.create(
        company=company,
        url=clean_webhook_url(url),
        events=_clean_events(events),
        description=(description or "").strip()[:200],
        is_active=is_active,
        secret="whsec_" + secrets.token_urlsafe(32),
    )
    audit.record_create(actor, company, "create_webhook_endpoint", endpoint)
    return endpoint


@transaction.atomic
def update_webhook_endpoint(
    actor: Actor, endpoint: WebhookEndpoint, *, rotate_secret: bool = False, **data: Any
) -> WebhookEndpoint:
    company = endpoint.company
    ensure_can(actor, company, "webhooks.manage")
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk, company=company)
    before = audit.snapshot(endpoint, exclude=["secret"])
    if "url" in data:
        endpoint.url = clean_webhook_url(data["url"])
    if "events" in data:
        endpoint.events = _clean_events(data["events"])
    if "description" in data:
        endpoint.description = (data["description"] or "").strip()[:200]
    if "is_active" in data:
        endpoint.is_active = bool(data["is_active"])
    if rotate_secret:
        endpoint.secret = "whsec_" + secrets.token_urlsafe(32)
    endpoint.save()
    audit.record_update(actor, company, "update_webhook_endpoint", endpoint, before)
    if rotate_secret:
        audit.record_event(actor, company, "rotate_webhook_secret", endpoint)
    return endpoint


@transaction.atomic
def delete_webhook_endpoint(actor: Actor, endpoint: WebhookEndpoint) -> None:
    company = endpoint.company
    ensure_can(actor, company, "webhooks.manage")
    OutboxMessage.objects.filter(
        company=company, endpoint=endpoint, status=MessageStatus.QUEUED
    ).update(status=MessageStatus.CANCELLED)
    audit.record_delete(actor, company, "delete_webhook_endpoint", endpoint)
    endpoint.delete()


@transaction.atomic
def send_test_webhook(actor: Actor, endpoint: WebhookEndpoint) -> OutboxMessage:
    """Queue a `ping` event to the endpoint (whatever events it chose)."""
    company = endpoint.company
    ensure_can(actor, company, "webhooks.manage")
    event_id = str(uuid.uuid4())
    message, _created = queue_message(
        company,
        kind=MessageKind.WEBHOOK,
        key=f"webhook:{endpoint.pk}:ping:{event_id}",
        payload=_webhook_body(company, "ping", {"endpoint_id": endpoint.pk}, event_id),
        actor=actor,
        endpoint=endpoint,
        event="ping",
        subject="ping",
    )
    return message


# --- outbox: resend and cancel -----------------------------------------------------------------


@transaction.atomic
def resend_message(actor: Actor, message: OutboxMessage) -> OutboxMessage:
    """A new row with the same content (and a new Message-ID) for a failed or sent message."""
    company = message.company
    ensure_can(actor, company, "delivery.send")
    if message.status in (MessageStatus.QUEUED, MessageStatus.SENDING):
        raise Conflict(_("This message is still waiting to be sent."), field="status")
    if message.kind == MessageKind.WEBHOOK and message.endpoint_id is None:
        raise Conflict(_("The webhook endpoint no longer exists."), field="endpoint")
    again, _created = queue_message(
        company,
        kind=message.kind,
        key=f"resend:{message.pk}:{uuid.uuid4().hex}",
        payload=dict(message.payload),
        actor=actor,
        document_id=message.document_id,
        endpoint=message.endpoint,
        event=message.event,
        recipients=message.recipients,
        subject=message.subject,
        resend_of=message,
    )
    if message.document is not None:
        audit.record_event(
            actor, company, "resend_message", message.document, {"message": again.pk}
        )
    return again


@transaction.atomic
def cancel_message(actor: Actor, message: OutboxMessage) -> OutboxMessage:
    company = message.company
    ensure_can(actor, company, "delivery.send")
    changed = OutboxMessage.objects.filter(
        pk=message.pk, company=company, status=MessageStatus.QUEUED
    ).update(status=MessageStatus.CANCELLED)
    if not changed:
        raise Conflict(_("Only a message waiting in the queue can be cancelled."), field="status")
    message.refresh_from_db()
    _log(message, LogEvent.CANCELLED, actor.label)
    return message


# --- settings and templates --------------------------------------------------------------------


@transaction.atomic
def update_delivery_settings(actor: Actor, company: Company, **data: Any) -> DeliverySettings:
    ensure_can(actor, company, "delivery.settings")
    row, _created = DeliverySettings.objects.select_for_update().get_or_create(company=company)
    before = audit.snapshot(row)
    if "reply_to" in data:
        reply_to = (data["reply_to"] or "").strip()
        if reply_to:
            try:
                validate_email(reply_to)
            except ValidationError:
                raise InvalidInput({"reply_to": [_("Enter a valid e-mail address.")]}) from None
        row.reply_to = reply_to
    for name in ("auto_send_on_issue", "track_opens"):
        if name in data:
            setattr(row, name, bool(data[name]))
    row.save()
    audit.record_update(actor, company, "update_delivery_settings", row, before)
    return row


@transaction.atomic
def set_party_auto_send(actor: Actor, party: Party, auto_send: str) -> PartyDeliverySetting:
    company = party.company
    ensure_can(actor, company, "delivery.settings")
    if auto_send not in PartyAutoSend.values:
        raise InvalidInput({"auto_send": [_("Choose one of the offered values.")]})
    row, _created = PartyDeliverySetting.objects.get_or_create(company=company, party=party)
    before = audit.snapshot(row)
    row.auto_send = auto_send
    row.save()
    audit.record_update(actor, company, "set_party_auto_send", row, before)
    return row


@transaction.atomic
def save_email_template(
    actor: Actor,
    company: Company,
    *,
    document_kind: str,
    language: str,
    subject: str,
    body_text: str,
    body_html: str = "",
) -> EmailTemplate:
    ensure_can(actor, company, "delivery.settings")
    errors = InvalidInput.collect()
    if document_kind not in TemplateKind.values:
        errors.add("document_kind", _("Unknown document kind."))
    if language not in TemplateLanguage.values:
        errors.add("language", _("Choose Bulgarian or English."))
    subject = " ".join((subject or "").split())
    body_text = (body_text or "").strip()
    if not subject:
        errors.add("subject", _("Enter a subject."))
    if not body_text:
        errors.add("body_text", _("Enter the text of the e-mail."))
    for name, value in (("subject", subject), ("body_text", body_text), ("body_html", body_html)):
        unknown = unknown_placeholders(value or "")
        if unknown:
            errors.add(
                name,
                _("Unknown placeholders: %(names)s. Known: %(known)s.")
                % {
                    "names": ", ".join(unknown),
                    "known": "{number} {date} {amount} {due_date} {portal_link} {company} "
                    "{recipient} {kind}",
                },
            )
    errors.raise_if_any()
    row = EmailTemplate.objects.filter(
        company=company, document_kind=document_kind, language=language
    ).first()
    if row is None:
        row = EmailTemplate.objects.create(
            company=company,
            document_kind=document_kind,
            language=language,
            subject=subject,
            body_text=body_text,
            body_html=body_html or "",
        )
        audit.record_create(actor, company, "save_email_template", row)
        return row
    before = audit.snapshot(row)
    row.subject, row.body_text, row.body_html = subject, body_text, body_html or ""
    row.save()
    audit.record_update(actor, company, "save_email_template", row, before)
    return row


@transaction.atomic
def reset_email_template(
    actor: Actor, company: Company, *, document_kind: str, language: str
) -> None:
    """Back to the built-in text."""
    ensure_can(actor, company, "delivery.settings")
    row = EmailTemplate.objects.filter(
        company=company, document_kind=document_kind, language=language
    ).first()
    if row is not None:
        audit.record_delete(actor, company, "reset_email_template", row)
        row.delete()


# --- tracking, portal downloads, bounces -------------------------------------------------------


@transaction.atomic
def record_open(token: str) -> bool:
    """The tracking image was loaded: the first time marks the message opened."""
    message = OutboxMessage.objects.filter(tracking_token=token).exclude(tracking_token="").first()
    if message is None:
        return False
    now = timezone.now()
    if OutboxMessage.objects.filter(pk=message.pk, opened_at__isnull=True).update(opened_at=now):
        _log(message, LogEvent.OPENED)
    return True


@transaction.atomic
def record_bounce(message_id: str, recipient: str, reason: str) -> OutboxMessage | None:
    """A delivery-status notification came back for `message_id`: log it on the message and
    tell the issuer and the owners. Unknown Message-IDs are ignored (None)."""
    message = (
        OutboxMessage.objects.select_related("company", "document")
        .filter(message_id=message_id.strip())
        .exclude(message_id="")
        .first()
    )
    if message is None:
        return None
    detail = f"{recipient}: {reason}".strip(": ")[:2000]
    if DeliveryLogEntry.objects.filter(
        message=message, event=LogEvent.BOUNCED, detail=detail
    ).exists():
        return message
    _log(message, LogEvent.BOUNCED, detail)
    document = message.document
    what = str(document) if document else message.subject
    notify(
        message.company,
        issuer_and_owners(document, message.company),
        NotificationKind.DOCUMENT_RETURNED,
        lambda: (
            _("%(what)s came back from %(recipient)s: %(reason)s")
            % {
                "what": str(document) if document else what,
                "recipient": recipient,
                "reason": reason[:200],
            }
        ),
        link=queries.message_link(message),
        message=message,
    )
    return message


# --- in-app notifications ----------------------------------------------------------------------


def issuer_and_owners(document: Any, company: Company | None = None) -> list[User]:
    """The company's owners and, first, whoever issued `document` (a sales document or None)."""
    company = company or (document.company if document else None)
    if company is None:
        return []
    users = list(
        User.objects.filter(
            memberships__company=company, memberships__role=Role.OWNER, is_active=True
        )
    )
    if document is not None and document.issued_by_id:
        issuer = User.objects.filter(
            pk=document.issued_by_id, is_active=True, memberships__company=company
        ).first()
        if issuer is not None and issuer not in users:
            users.insert(0, issuer)
    return users


def notify(
    company: Company,
    users: Iterable[User],
    kind: str,
    text: str | Callable[[], str],
    *,
    link: str = "",
    message: OutboxMessage | None = None,
) -> list[Notification]:
    """Put an item under the bell of each user; those who asked for this kind by e-mail also
    get an e-mail (through the outbox, in the caller's transaction). A callable `text` is
    called in each user's own language."""
    created = []
    wanted_by_email = set(
        NotificationPreference.objects.filter(
            company=company, kind=kind, by_email=True
        ).values_list("user_id", flat=True)
    )
    for user in users:
        if callable(text):
            with translation.override(user.language or settings.LANGUAGE_CODE):
                shown = str(text())
        else:
            shown = text
        item = Notification.objects.create(
            company=company,
            user=user,
            kind=kind,
            text=shown[:500],
            link=link[:300],
            message=message,
        )
        created.append(item)
        # A failed notification e-mail is never announced by another e-mail (no loop).
        about_a_notification = (
            message is not None and message.payload.get("purpose") == "notification"
        )
        if user.pk in wanted_by_email and user.email and not about_a_notification:
            queue_message(
                company,
                kind=MessageKind.EMAIL,
                key=f"notification:{item.pk}",
                payload={
                    "purpose": "notification",
                    "to": [user.email],
                    "reply_to": "",
                    "subject": f"XFINANCES: {shown[:150]}",
                    "text": f"{shown}\n\n{settings.BASE_URL}{link}\n" if link else f"{shown}\n",
                    "html": "",
                    "attach_pdf": False,
                },
                recipients=[user.email],
                subject=f"XFINANCES: {shown[:150]}",
            )
    return created


@transaction.atomic
def mark_notifications_read(
    actor: Actor, company: Company, ids: Sequence[int] | None = None
) -> int:
    """Mark the actor's own notifications read (all unread ones when `ids` is None)."""
    ensure_can(actor, company, "company.view")
    if actor.user is None:
        return 0
    found = Notification.objects.filter(company=company, user=actor.user, read_at__isnull=True)
    if ids is not None:
        found = found.filter(pk__in=list(ids))
    return found.update(read_at=timezone.now())


@transaction.atomic
def set_notification_preferences(
    actor: Actor, company: Company, by_email: Iterable[str]
) -> list[NotificationPreference]:
    """The kinds the actor also wants by e-mail; the others only under the bell."""
    ensure_can(actor, company, "company.view")
    if actor.user is None:
        raise InvalidInput(_("Preferences belong to a user."))
    chosen = set(by_email)
    unknown = chosen - set(NotificationKind.values)
    if unknown:
        raise InvalidInput({"by_email": [_("Unknown notification kind.")]})
    if not Membership.objects.filter(company=company, user=actor.user).exists():
        raise InvalidInput(_("You are not a member of this company."))
    rows = []
    for kind in NotificationKind.values:
        row, _created = NotificationPreference.objects.update_or_create(
            company=company, user=actor.user, kind=kind, defaults={"by_email": kind in chosen}
        )
        rows.append(row)
    audit.record_event(
        actor, company, "set_notification_preferences", actor.user, {"by_email": sorted(chosen)}
    )
    return rows


def notify_message_failed(event: MessageFailed) -> None:
    """The outbox gave up on a message: tell whoever issued its document and the owners."""
    message = OutboxMessage.objects.select_related("company", "endpoint", "document").get(
        pk=event.message_id
    )
    error = event.error
    document = message.document
    kind = (
        NotificationKind.EMAIL_FAILED
        if message.kind == MessageKind.EMAIL
        else NotificationKind.WEBHOOK_FAILED
    )

    def text() -> str:  # in each user's language
        if message.kind == MessageKind.EMAIL:
            return _("E-mail of %(what)s to %(to)s failed: %(error)s") % {
                "what": str(document) if document else message.subject,
                "to": ", ".join(message.recipients),
                "error": error[:200],
            }
        return _("Webhook %(event)s to %(url)s failed: %(error)s") % {
            "event": message.event,
            "url": message.endpoint.url if message.endpoint else "?",
            "error": error[:200],
        }

    users = issuer_and_owners(document, message.company)
    notify(message.company, users, kind, text, link=queries.message_link(message), message=message)
