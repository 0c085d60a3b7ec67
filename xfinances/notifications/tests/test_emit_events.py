"""emit_events queues a bulk action's events as emit_event would, one at a time: the same
outbox rows and log lines, each key once however often it is asked for."""

from __future__ import annotations

from typing import Any

import pytest

from xfinances.notifications import actions
from xfinances.notifications.models import (
    DeliveryLogEntry,
    LogEvent,
    MessageKind,
    MessageStatus,
    OutboxMessage,
    WebhookEndpoint,
)

pytestmark = pytest.mark.django_db


def _endpoints(company: Any) -> list[WebhookEndpoint]:
    return [
        WebhookEndpoint.objects.create(
            company=company, url="https://a.example.com/hook", events=["payment.received"]
        ),
        WebhookEndpoint.objects.create(
            company=company,
            url="https://b.example.com/hook",
            events=["payment.received", "payment.allocated"],
        ),
    ]


def _rows(company: Any) -> list[tuple[Any, ...]]:
    return sorted(
        (
            m.idempotency_key,
            m.kind,
            m.status,
            m.event,
            m.endpoint_id,
            m.document_id,
            m.subject,
            m.payload["event"],
            m.payload["data"],
            m.payload["company"],
            m.message_id,
            m.tracking_token,
            m.attempts,
            m.give_up_at > m.next_attempt_at,
            [(e.event, e.detail, e.attempt) for e in m.log.all()],
        )
        for m in OutboxMessage.objects.filter(company=company)
    )


def test_the_same_rows_as_one_call_per_event(company: Any) -> None:
    events = [
        actions.PendingEvent("payment.received", {"id": 7, "amount": "10.00"}, "payment7"),
        actions.PendingEvent("payment.allocated", {"id": 9}, "allocation9", document_id=None),
    ]
    endpoints = _endpoints(company)
    for event in events:
        actions.emit_event(
            company,
            event.event,
            event.data,
            document_id=event.document_id,
            key_suffix=event.key_suffix,
            endpoints=endpoints,
        )
    expected = _rows(company)
    assert len(expected) == 3  # received to both endpoints, allocated to the second

    OutboxMessage.objects.filter(company=company).delete()
    assert actions.emit_events(company, events, endpoints=endpoints) == 3
    assert _rows(company) == expected
    assert DeliveryLogEntry.objects.filter(company=company, event=LogEvent.QUEUED).count() == 3
    message = OutboxMessage.objects.filter(company=company).first()
    assert message is not None
    assert message.kind == MessageKind.WEBHOOK and message.status == MessageStatus.QUEUED


def test_a_key_already_queued_or_asked_twice_is_queued_once(company: Any) -> None:
    endpoints = _endpoints(company)
    received = actions.PendingEvent("payment.received", {"id": 1}, "payment1")
    assert actions.emit_events(company, [received, received], endpoints=endpoints) == 2
    assert actions.emit_events(company, [received], endpoints=endpoints) == 0
    assert OutboxMessage.objects.filter(company=company).count() == 2


def test_no_endpoint_chose_the_event_and_an_unknown_event(company: Any) -> None:
    endpoints = _endpoints(company)[:1]  # payment.received only
    allocated = actions.PendingEvent("payment.allocated", {"id": 1}, "allocation1")
    assert actions.emit_events(company, [allocated], endpoints=endpoints) == 0
    assert not OutboxMessage.objects.filter(company=company).exists()
    with pytest.raises(ValueError, match="unknown webhook event"):
        actions.emit_events(
            company, [actions.PendingEvent("payment.lost", {}, "x")], endpoints=endpoints
        )
