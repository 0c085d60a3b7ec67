"""`actions.queue_email`: the public way other areas put an e-mail in the outbox."""

from __future__ import annotations

import pytest
from django.db import transaction

from xfinances.core.exceptions import InvalidInput
from xfinances.notifications import actions, outbox
from xfinances.notifications.actions import EmailAttachment
from xfinances.notifications.models import DeliveryLogEntry, MessageStatus, OutboxMessage

pytestmark = pytest.mark.django_db


def test_queued_email_is_sent_by_the_worker_with_html_reply_to_and_attachment(company, smtp_server):
    message, created = actions.queue_email(
        company,
        to=[" boss@alfa.example.bg "],
        subject="Your digest",
        body_text="Plain text\n",
        body_html="<p>Rich text</p>",
        reply_to="office@alfa.example.bg",
        attachments=[EmailAttachment("list.csv", b"a;b\n1;2\n", "text/csv")],
        kind="digest",
        idempotency_key="digest:2026-11-28:1",
    )

    assert created and message.status == MessageStatus.QUEUED
    assert message.recipients == ["boss@alfa.example.bg"]
    assert message.payload["purpose"] == "digest"
    assert DeliveryLogEntry.objects.filter(message=message, event="queued").count() == 1
    assert outbox.run().sent == 1
    [received] = smtp_server.received
    mail = received.message
    assert received.recipients == ["boss@alfa.example.bg"]
    assert mail["Subject"] == "Your digest" and mail["Reply-To"] == "office@alfa.example.bg"
    assert mail["Message-ID"] == message.message_id
    assert "Plain text" in mail.get_body(("plain",)).get_content()
    assert "Rich text" in mail.get_body(("html",)).get_content()
    [part] = list(mail.iter_attachments())
    assert part.get_filename() == "list.csv" and part.get_content().splitlines() == ["a;b", "1;2"]


def test_same_idempotency_key_queues_one_message(company):
    first, created = actions.queue_email(
        company, to=["a@example.bg"], subject="S", body_text="T", idempotency_key="k1"
    )
    again, created_again = actions.queue_email(
        company, to=["b@example.bg"], subject="Other", body_text="T", idempotency_key="k1"
    )

    assert created and not created_again and again.pk == first.pk
    assert OutboxMessage.objects.filter(company=company).count() == 1


def test_no_recipient_is_refused_and_nothing_is_queued(company):
    with pytest.raises(InvalidInput) as error:
        actions.queue_email(company, to=["  "], subject="S", body_text="T", idempotency_key="k2")

    assert "to" in error.value.errors
    assert not OutboxMessage.objects.filter(company=company).exists()


def test_rolled_back_caller_leaves_no_message(company):
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.queue_email(
            company, to=["a@example.bg"], subject="S", body_text="T", idempotency_key="k3"
        )
        raise RuntimeError("the caller failed")

    assert not OutboxMessage.objects.filter(company=company).exists()
