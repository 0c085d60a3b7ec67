"""Webhooks: the events other systems receive, and their endpoints."""

from __future__ import annotations

import datetime as dt
import ipaddress
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from xfinances.core import audit, inputs, readers
from xfinances.core.audit import Actor
from xfinances.core.bulk_insert import insert_rows
from xfinances.core.exceptions import InvalidInput
from xfinances.core.inputs import ActionInput, Changes, reads
from xfinances.core.lookups import AnyOf
from xfinances.core.models import Company
from xfinances.core.permissions import ensure_can
from xfinances.core.text_limits import limit_of
from xfinances.notifications import queries
from xfinances.notifications.actions.queue import (
    PAYLOAD_VERSION,
    allow_private_webhooks,
    give_up_hours,
    kick_worker,
    queue_message,
)
from xfinances.notifications.models import (
    DeliveryLogEntry,
    LogEvent,
    MessageKind,
    MessageStatus,
    OutboxMessage,
    WebhookEndpoint,
    WebhookEvent,
)

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
        key = _event_key(endpoint, event, document_id, suffix)
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


@dataclass(frozen=True)
class PendingEvent:
    """One event for `emit_events`: what `emit_event` takes, as a value."""

    event: str
    data: dict[str, Any]
    key_suffix: str
    document_id: int | None = None


def _event_key(endpoint: WebhookEndpoint, event: str, document_id: int | None, suffix: str) -> str:
    return f"webhook:{endpoint.pk}:{event}:{document_id or '-'}:{suffix}"


def emit_events(
    company: Company, pending: Sequence[PendingEvent], *, endpoints: Sequence[WebhookEndpoint]
) -> int:
    """`emit_event` for the many events of a bulk action (a matching run's payments): the same
    outbox rows, keys and log lines, with the keys already queued read in one query and the
    new messages and their log lines written in one insert each, instead of three statements
    and a savepoint a message. Returns how many messages were queued.

    The keys name rows of the caller's transaction (a new payment's or allocation's id), so no
    one else queues them meanwhile; if someone did, the caller's transaction is refused as a
    whole rather than anything queued twice."""
    for item in pending:
        if item.event not in WebhookEvent.values:
            raise ValueError(f"unknown webhook event {item.event!r}")
    wanted = [
        (_event_key(endpoint, item.event, item.document_id, item.key_suffix), endpoint, item)
        for item in pending
        for endpoint in endpoints
        if item.event in (endpoint.events or [])
    ]
    if not wanted:
        return 0
    seen = set(
        OutboxMessage.objects.filter(company=company)
        .filter(AnyOf(F("idempotency_key"), [key for key, _endpoint, _item in wanted]))
        .values_list("idempotency_key", flat=True)
    )
    now = timezone.now()
    give_up_at = now + dt.timedelta(hours=give_up_hours())
    rows = []
    for key, endpoint, item in wanted:
        if key in seen:
            continue
        seen.add(key)
        rows.append(
            {
                "company_id": company.pk,
                "kind": MessageKind.WEBHOOK,
                "idempotency_key": key,
                "event": item.event,
                "document_id": item.document_id,
                "endpoint_id": endpoint.pk,
                "subject": (
                    f"{item.event} #{item.document_id}" if item.document_id else item.event
                ),
                "payload": _webhook_body(company, item.event, item.data, str(uuid.uuid4())),
                "next_attempt_at": now,
                "give_up_at": give_up_at,
                "message_id": "",
                "tracking_token": "",
                "claim_token": "",
                "last_error": "",
            }
        )
    ids = insert_rows(OutboxMessage, rows)
    insert_rows(
        DeliveryLogEntry,
        [
            {
                "company_id": company.pk,
                "message_id": pk,
                "document_id": row["document_id"],
                "event": LogEvent.QUEUED,
                "detail": row["event"],
            }
            for row, pk in zip(rows, ids, strict=True)
        ],
    )
    if rows:
        kick_worker()
    return len(rows)


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


def _url(value: object) -> str:
    url = readers.text(value, max_length=limit_of(WebhookEndpoint, "url"))
    try:
        return clean_webhook_url(url)
    except InvalidInput as error:
        raise readers.ReadError(error.errors["url"][0]) from None


def _events(value: object) -> list[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise readers.ReadError(_lazy("Choose at least one event."))
    chosen = list(dict.fromkeys(str(event) for event in value))
    unknown = [e for e in chosen if e not in WebhookEvent.values]
    if unknown:
        raise readers.ReadError(
            _lazy("Unknown events: %(events)s.") % {"events": ", ".join(unknown)}
        )
    if not chosen:
        raise readers.ReadError(_lazy("Choose at least one event."))
    return chosen


@dataclass(frozen=True, kw_only=True)
class WebhookEndpointInput(ActionInput):
    """Where the company's webhooks go (an http(s) URL, not a private address unless the
    installation allows it) and which events it receives."""

    url: str = reads(_url, default="")
    events: list[str] = reads(_events, default=[])
    description: str = reads(
        inputs.text(max_length=limit_of(WebhookEndpoint, "description")), default=""
    )
    is_active: bool = reads(inputs.flag, default=True)


@transaction.atomic
def create_webhook_endpoint(
    actor: Actor, company: Company, data: WebhookEndpointInput
) -> WebhookEndpoint:
    ensure_can(actor, company, "webhooks.manage")
    endpoint = WebhookEndpoint.objects.create(
        company=company,
        url=data.url,
        events=data.events,
        description=data.description,
        is_active=data.is_active,
        secret="whsec_" + secrets.token_urlsafe(32),
    )
    audit.record_create(actor, company, "create_webhook_endpoint", endpoint)
    return endpoint


@transaction.atomic
def update_webhook_endpoint(
    actor: Actor,
    endpoint: WebhookEndpoint,
    changes: Changes[WebhookEndpointInput],
    *,
    rotate_secret: bool = False,
) -> WebhookEndpoint:
    company = endpoint.company
    ensure_can(actor, company, "webhooks.manage")
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk, company=company)
    before = audit.snapshot(endpoint, exclude=["secret"])
    for name, value in changes.items():
        setattr(endpoint, name, value)
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
