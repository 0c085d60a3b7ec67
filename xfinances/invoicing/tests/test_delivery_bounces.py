"""Bounce reports: parsing a DSN (pure) and attaching it to the outbox message."""

from __future__ import annotations

import pytest

from xfinances.invoicing.actions import delivery
from xfinances.invoicing.tests.delivery_factories import SYSTEM, issued_to
from xfinances.notifications import actions, outbox
from xfinances.notifications.bounces import parse_bounce
from xfinances.notifications.models import DeliveryLogEntry, LogEvent, Notification

DSN = b"""From: MAILER-DAEMON@mx.example.bg
To: bounces@alfa.example.bg
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

This is the mail system. Your message could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.bg

Final-Recipient: rfc822; office@client.example.bg
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <office@client.example.bg>: Recipient address rejected

--B
Content-Type: text/rfc822-headers

Message-ID: MSGID
Subject: Invoice

--B--
"""


def test_parse_bounce_finds_message_id_recipient_and_reason():
    [bounce] = parse_bounce(DSN.replace(b"MSGID", b"<abc.123@xfinances.example>"))
    assert bounce.message_id == "<abc.123@xfinances.example>"
    assert bounce.recipient == "office@client.example.bg"
    assert "Recipient address rejected" in bounce.reason


def test_ordinary_mail_is_not_a_bounce():
    assert parse_bounce(b"From: a@b.c\nSubject: hi\n\nhello\n") == []


@pytest.mark.django_db
def test_bounce_is_attached_to_the_message_and_notifies(company, owner, smtp_server):
    message = delivery.send_document(SYSTEM, issued_to(company))
    outbox.run()
    [bounce] = parse_bounce(DSN.replace(b"MSGID", message.message_id.encode()))
    found = actions.record_bounce(bounce.message_id, bounce.recipient, bounce.reason)
    assert found is not None and found.pk == message.pk
    actions.record_bounce(bounce.message_id, bounce.recipient, bounce.reason)  # read twice
    entries = DeliveryLogEntry.objects.filter(message=message, event=LogEvent.BOUNCED)
    assert entries.count() == 1 and entries[0].document_id == message.document_id
    assert Notification.objects.filter(user=owner, kind="document_returned").count() == 1
    assert actions.record_bounce("<unknown@x>", "a@b.c", "550") is None
