"""Webhooks: signed JSON to a real receiver on loopback, retried after 500s, logged."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from xfinances.core.exceptions import InvalidInput
from xfinances.invoicing import actions as invoicing
from xfinances.invoicing.actions import delivery
from xfinances.invoicing.tests.delivery_factories import SYSTEM, endpoint, issued_to
from xfinances.notifications import actions, outbox
from xfinances.notifications.actions import WebhookEndpointInput
from xfinances.notifications.models import (
    DeliveryLogEntry,
    LogEvent,
    MessageStatus,
    OutboxMessage,
)

pytestmark = pytest.mark.django_db


def later(minutes: float) -> Any:
    return time_machine.travel(timezone.now() + dt.timedelta(minutes=minutes), tick=False)


def test_issue_delivers_a_signed_versioned_payload(company, webhook_receiver):
    hook = endpoint(company, webhook_receiver.url, ["document.issued", "document.voided"])
    webhook_receiver.secret = hook.secret
    document = issued_to(company)
    assert outbox.run().sent == 1
    [hit] = webhook_receiver.hits
    assert hit.valid and hit.status == 200
    payload = json.loads(hit.body)
    assert payload["version"] == 1
    assert payload["event"] == "document.issued"
    assert payload["data"]["number"] == document.number
    assert payload["data"]["total"] == str(document.total)
    assert payload["company"]["eik"] == company.eik
    assert hit.headers["X-Xfinances-Event"] == "document.issued"
    assert hit.headers["X-Xfinances-Delivery"] == payload["id"]

    invoicing.void_document(SYSTEM, document, reason="грешка")
    outbox.run()
    assert [p["event"] for p in webhook_receiver.payloads()] == [
        "document.issued",
        "document.voided",
    ]


def test_events_not_chosen_are_not_sent(company, webhook_receiver):
    endpoint(company, webhook_receiver.url, ["payment.received"])
    issued_to(company)
    assert not OutboxMessage.objects.filter(company=company, kind="webhook").exists()


def test_retries_after_500s_with_the_same_event_id_and_logs_response_codes(
    company, webhook_receiver
):
    hook = endpoint(company, webhook_receiver.url)
    webhook_receiver.secret = hook.secret
    webhook_receiver.fail_first = 2
    issued_to(company)
    message = OutboxMessage.objects.get(company=company, kind="webhook")

    assert outbox.run().retried == 1
    with later(1.5):
        assert outbox.run().retried == 1
    with later(4):
        assert outbox.run().sent == 1
    assert [hit.status for hit in webhook_receiver.hits] == [500, 500, 200]
    assert len({p["id"] for p in webhook_receiver.payloads()}) == 1  # receivers de-duplicate
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 3
    codes = list(
        DeliveryLogEntry.objects.filter(message=message)
        .exclude(event=LogEvent.QUEUED)
        .order_by("id")
        .values_list("event", "response_code")
    )
    assert codes == [("retry", 500), ("retry", 500), ("sent", 200)]


def test_receiver_refuses_a_wrong_secret_and_an_old_timestamp(company, webhook_receiver):
    from xfinances.notifications.outbox import signature_header, verify_signature

    body = b'{"a":1}'
    # A frozen clock: the receiver's check is against "now", not the machine's wall clock.
    signed_at = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(signed_at, tick=False):
        header = signature_header("s3cret", body)
        assert verify_signature("s3cret", header, body)
        assert not verify_signature("other", header, body)
        assert not verify_signature("s3cret", header, body + b" ")
    with time_machine.travel(signed_at + dt.timedelta(minutes=4), tick=False):
        assert verify_signature("s3cret", header, body)  # within the 5 minutes allowed
    with time_machine.travel(signed_at + dt.timedelta(hours=1), tick=False):
        assert not verify_signature("s3cret", header, body)  # replayed an hour later

    hook = endpoint(company, webhook_receiver.url)
    webhook_receiver.secret = "not-the-endpoints-secret"
    issued_to(company)
    outbox.run()
    assert webhook_receiver.hits[0].status == 401
    message = OutboxMessage.objects.get(endpoint=hook)
    assert message.status == MessageStatus.QUEUED and message.last_response_code == 401


def test_test_send_pings_the_endpoint(company, webhook_receiver):
    hook = endpoint(company, webhook_receiver.url, ["payment.allocated"])
    webhook_receiver.secret = hook.secret
    actions.send_test_webhook(SYSTEM, hook)
    outbox.run()
    assert webhook_receiver.payloads()[0]["event"] == "ping"


def test_document_delivered_follows_the_sent_email(company, webhook_receiver, smtp_server):
    hook = endpoint(company, webhook_receiver.url, ["document.delivered"])
    webhook_receiver.secret = hook.secret
    document = issued_to(company)
    delivery.send_document(SYSTEM, document)
    outbox.run()
    [payload] = webhook_receiver.payloads()
    assert payload["event"] == "document.delivered"
    assert payload["data"]["id"] == document.pk
    assert "office@client.example.bg" in payload["data"]["recipients"]


@pytest.mark.parametrize(
    "url",
    [
        "ftp://crm.example.com/hook",
        "crm.example.com/hook",
        "https://user:pw@crm.example.com/hook",
        "http://localhost:8000/hook",
        "http://10.1.2.3/hook",
        "http://127.0.0.1/hook",
        "",
    ],
)
def test_invalid_or_private_urls_are_refused(company, url):
    with pytest.raises(InvalidInput) as refused:
        actions.create_webhook_endpoint(
            SYSTEM, company, WebhookEndpointInput.read({"url": url, "events": ["document.issued"]})
        )
    assert "url" in refused.value.errors


def test_unknown_event_is_refused(company):
    with pytest.raises(InvalidInput) as refused:
        actions.create_webhook_endpoint(
            SYSTEM,
            company,
            WebhookEndpointInput.read(
                {"url": "https://crm.example.com/h", "events": ["document.eaten"]}
            ),
        )
    assert "document.eaten" in refused.value.errors["events"][0]


def test_gives_up_and_notifies_owner(company, owner, settings):
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = True
    settings.NOTIFICATIONS_GIVE_UP_HOURS = 0
    from xfinances.notifications.tests.loopback import free_port

    hook = endpoint(company, f"http://127.0.0.1:{free_port()}/nobody")
    actions.send_test_webhook(SYSTEM, hook)
    outbox.run()
    message = OutboxMessage.objects.get(endpoint=hook)
    assert message.status == MessageStatus.FAILED
    assert "Connection refused" in message.last_error
    from xfinances.notifications.models import Notification

    assert Notification.objects.filter(user=owner, kind="webhook_failed").exists()
