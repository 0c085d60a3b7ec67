"""Resending and cancelling outbox messages."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils.translation import gettext as _

from xfinances.core import audit
from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict
from xfinances.core.permissions import ensure_can
from xfinances.notifications.actions.queue import _log, queue_message
from xfinances.notifications.models import (
    LogEvent,
    MessageKind,
    MessageStatus,
    OutboxMessage,
)

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
