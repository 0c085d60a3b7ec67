"""Queuing: every e-mail and webhook call becomes an outbox row in the caller's transaction, and
the worker is kicked after commit."""

from __future__ import annotations

import base64
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import make_msgid
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput
from xfinances.core.models import Company
from xfinances.notifications import outbox
from xfinances.notifications.models import (
    DeliveryLogEntry,
    LogEvent,
    MessageKind,
    OutboxMessage,
    WebhookEndpoint,
    new_token,
)

PAYLOAD_VERSION = 1
log = logging.getLogger(__name__)


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
    # Runs after the commit: the messages are safe in the outbox whatever happens here. A job
    # queue that is down (Redis stopped) must not turn the committed request into a 500; the
    # worker's periodic run sends them once the queue is back.
    try:
        outbox.deliver_outbox()
    except Exception as error:
        log.warning("Could not kick the outbox worker (%s); its periodic run will send.", error)


def kick_worker() -> None:
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
    kick_worker()
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
