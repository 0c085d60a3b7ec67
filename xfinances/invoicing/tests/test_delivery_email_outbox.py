"""E-mail of issued documents through the outbox to a real SMTP server on loopback."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast
from unittest import mock

import pytest
import time_machine
from django.utils import timezone, translation

from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.invoicing.actions import delivery
from xfinances.invoicing.tests.delivery_factories import (
    SYSTEM,
    auto_send_on,
    client_with_contacts,
    issued_to,
)
from xfinances.invoicing.tests.factories import bg_client, draft
from xfinances.notifications import actions, outbox
from xfinances.notifications import queries as notification_queries
from xfinances.notifications.actions import queue
from xfinances.notifications.models import (
    DeliveryLogEntry,
    LogEvent,
    MessageStatus,
    Notification,
    OutboxMessage,
)

pytestmark = pytest.mark.django_db


def pdf_part(message: Any) -> bytes:
    parts = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert len(parts) == 1
    return bytes(parts[0].get_content())


def later(minutes: float) -> Any:
    return time_machine.travel(timezone.now() + dt.timedelta(minutes=minutes), tick=False)


def test_issue_with_auto_send_mails_the_stored_pdf_to_invoice_contacts(company, smtp_server):
    company.email = "office@alfa.example.bg"
    company.save()
    auto_send_on(company)
    document = issued_to(company)

    queued = OutboxMessage.objects.get(company=company, document=document, kind="email")
    assert queued.status == MessageStatus.QUEUED  # a row in the issuing transaction
    assert queued.message_id.startswith("<") and queued.message_id.endswith(">")
    assert not smtp_server.received  # nothing leaves before the worker runs

    result = outbox.run()

    assert result.sent == 1
    [received] = smtp_server.received
    assert sorted(received.recipients) == [
        "accounting@client.example.bg",
        "office@client.example.bg",
    ]  # the stock contact does not receive invoices
    message = received.message
    document.refresh_from_db()
    assert pdf_part(message) == document.pdf_file.open("rb").read()
    assert str(message["Subject"]).strip() == f"Фактура № {document.number} от Алфа Трейд ООД"
    assert message["Reply-To"] == "office@alfa.example.bg"
    assert message["Message-ID"] == queued.message_id
    body = message.get_body(("plain",)).get_content()
    assert "Изпращаме Ви" in body and document.number in body
    assert "Срок за плащане" in body
    html = message.get_body(("html",)).get_content()
    assert f"<strong>{document.number}</strong>" in html
    queued.refresh_from_db()
    assert queued.status == MessageStatus.SENT and queued.sent_at is not None
    assert document.sent_at is not None
    events = list(
        DeliveryLogEntry.objects.filter(document=document)
        .order_by("id")
        .values_list("event", flat=True)
    )
    assert events == [LogEvent.QUEUED, LogEvent.SENT]


def test_english_document_gets_the_english_template(company, smtp_server):
    document = issued_to(company, language="en")
    delivery.send_document(SYSTEM, document)
    outbox.run()
    message = smtp_server.received[0].message
    assert str(message["Subject"]).strip().startswith(f"Invoice No. {document.number} from")
    assert "Please find attached" in message.get_body(("plain",)).get_content()


def test_company_template_replaces_the_default(company, smtp_server, settings):
    actions.save_email_template(
        SYSTEM,
        company,
        document_kind="invoice",
        language="bg",
        subject="Ф-ра {number} / {amount}",
        body_text="Падеж {due_date}. {portal_link}",
        body_html="<p>{recipient}</p>",
    )
    document = issued_to(company)
    delivery.send_document(SYSTEM, document)
    outbox.run()
    message = smtp_server.received[0].message
    assert str(message["Subject"]).strip().startswith(f"Ф-ра {document.number} / ")
    assert str(message["Subject"]).strip().endswith(" EUR")
    text = message.get_body(("plain",)).get_content().strip()
    assert text.startswith(f"Падеж {document.due_date:%d.%m.%Y}.")
    if delivery.portal_link(document):  # the portal is installed: its link follows
        assert f"{settings.BASE_URL}/portal/" in text


def test_template_with_unknown_placeholder_is_refused(company):
    with pytest.raises(InvalidInput) as refused:
        actions.save_email_template(
            SYSTEM,
            company,
            document_kind="invoice",
            language="en",
            subject="{number} {iban}",
            body_text="x",
        )
    assert "subject" in refused.value.errors and "iban" in refused.value.errors["subject"][0]


def test_party_without_email_is_refused_before_anything_is_queued(company):
    party = bg_client(company, email="")
    document = issued_to(company, party=party)
    with pytest.raises(InvalidInput) as refused, translation.override("en"):
        delivery.send_document(SYSTEM, document)
    assert "no e-mail for documents" in refused.value.errors["recipients"][0]
    assert not OutboxMessage.objects.filter(company=company, kind="email").exists()


def test_draft_cannot_be_sent(company):
    document = draft(company, party=client_with_contacts(company))
    with pytest.raises(Conflict):
        delivery.send_document(SYSTEM, document)


def test_bulk_send_refuses_all_when_one_party_lacks_email(company):
    good = issued_to(company)
    bad = issued_to(company, party=bg_client(company, email=""))
    with pytest.raises(InvalidInput) as refused:
        delivery.send_documents(SYSTEM, company, [good, bad])
    assert bad.number in refused.value.errors["documents"][0]
    assert not OutboxMessage.objects.filter(company=company, kind="email").exists()
    assert len(delivery.send_documents(SYSTEM, company, [good])) == 1


def test_auto_send_skips_a_party_without_email_and_tells_the_issuer(company, owner):
    auto_send_on(company)
    party = bg_client(company, email="")
    assert party in notification_queries.clients_without_email(company)
    owner.language = "en"  # the notification speaks the owner's language
    owner.save(update_fields=["language"])
    document = issued_to(company, party=party)
    assert not OutboxMessage.objects.filter(company=company, kind="email").exists()
    note = Notification.objects.get(company=company, user=owner)
    assert document.number in note.text and "no e-mail" in note.text


def test_same_idempotency_key_queues_one_message(company):
    document = issued_to(company)
    first = delivery.send_document(SYSTEM, document, idempotency_key="abc")
    again = delivery.send_document(SYSTEM, document, idempotency_key="abc")
    assert first.pk == again.pk
    assert OutboxMessage.objects.filter(company=company, kind="email").count() == 1


def test_smtp_down_while_issuing_then_up_every_message_arrives_once(company, smtp_down):
    auto_send_on(company)
    documents = [issued_to(company) for _ in range(5)]

    first = outbox.run()  # nothing listens on the port
    assert first.sent == 0 and first.retried == 5
    rows = OutboxMessage.objects.filter(company=company, kind="email")
    assert set(rows.values_list("status", flat=True)) == {MessageStatus.QUEUED}
    assert all(row.attempts == 1 and "Connection refused" in row.last_error for row in rows)
    assert outbox.run().sent == 0  # backoff: not due yet

    with later(1.5):
        assert outbox.run().retried == 5  # still down: next wait is 2 minutes
    smtp_down.start()
    with later(4):
        assert outbox.run().sent == 5
        assert outbox.run().sent == 0
    ids = smtp_down.message_ids()
    assert len(ids) == 5 and len(set(ids)) == 5
    assert set(ids) == set(rows.values_list("message_id", flat=True))
    assert all(d.number for d in documents)


def test_gives_up_after_the_total_time_and_notifies_issuer_and_owners(
    company, owner, smtp_down, settings, make_member
):
    settings.NOTIFICATIONS_GIVE_UP_HOURS = 1
    seller = make_member(company, "sales")
    from xfinances.core.audit import Actor
    from xfinances.core.models import Source

    document = issued_to(company, actor=Actor(seller, Source.UI))
    message = delivery.send_document(SYSTEM, document)
    for minutes in (0, 2, 5, 10, 20, 40, 80):
        with later(minutes):
            outbox.run()
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert "Connection refused" in message.last_error
    assert message.attempts >= 5
    notified = set(
        Notification.objects.filter(company=company, kind="email_failed").values_list(
            "user_id", flat=True
        )
    )
    assert notified == {owner.pk, seller.pk}

    smtp_down.start()
    again = actions.resend_message(SYSTEM, message)
    assert again.message_id != message.message_id
    with later(81):
        assert outbox.run().sent == 1
    assert smtp_down.message_ids() == [again.message_id]


def test_permanent_refusal_fails_at_once_with_the_servers_answer(company, smtp_server):
    async def refuse(server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.startswith("office@"):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    cast(Any, smtp_server.handler).handle_RCPT = refuse
    document = issued_to(company)
    message = delivery.send_document(SYSTEM, document, recipients=["office@client.example.bg"])
    outbox.run()
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.last_response_code == 550
    assert "No such mailbox" in message.last_error
    assert not smtp_server.received


class WorkerDied(BaseException):
    """Stands for the process being killed: nothing after it runs."""


def test_worker_killed_between_sending_and_sent_sends_no_duplicate(company, smtp_server):
    documents = [issued_to(company) for _ in range(5)]
    messages = [delivery.send_document(SYSTEM, d) for d in documents]
    real_mark_sent = outbox._record_sent
    calls = {"n": 0}

    def dies_on_the_second(message: Any, *args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise WorkerDied  # the 2nd e-mail reached the server; "sent" is never written
        real_mark_sent(message, *args, **kwargs)

    with mock.patch.object(outbox, "_record_sent", dies_on_the_second), pytest.raises(WorkerDied):
        outbox.run()
    assert len(smtp_server.received) == 2
    statuses = [OutboxMessage.objects.get(pk=m.pk).status for m in messages]
    assert statuses == ["sent", "sending", "sending", "sending", "sending"]

    assert outbox.run().sent == 0  # the claims are still fresh: nobody else touches them
    with later(outbox.stuck_after_minutes() + 1):
        counts = outbox.reconcile()
        assert counts == {"requeued": 3, "uncertain": 1}
        assert outbox.run().sent == 3
    ids = smtp_server.message_ids()
    assert sorted(ids) == sorted(m.message_id for m in messages)  # each exactly once
    crashed = OutboxMessage.objects.get(pk=messages[1].pk)
    assert crashed.status == MessageStatus.FAILED and crashed.outcome_uncertain
    assert crashed.message_id in crashed.last_error
    assert DeliveryLogEntry.objects.filter(message=crashed, event=LogEvent.UNCERTAIN).exists()


def test_worker_killed_after_claiming_before_transmitting_sends_later(company, smtp_server):
    document = issued_to(company)
    message = delivery.send_document(SYSTEM, document)
    with (
        mock.patch.object(outbox, "build_email", side_effect=WorkerDied),
        pytest.raises(WorkerDied),
    ):
        outbox.run()
    with later(outbox.stuck_after_minutes() + 1):
        assert outbox.reconcile() == {"requeued": 1, "uncertain": 0}
        outbox.run()
    assert smtp_server.message_ids() == [message.message_id]
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 2


def test_two_workers_never_claim_the_same_row(company):
    for _ in range(3):
        delivery.send_document(SYSTEM, issued_to(company))
    first = outbox.claim("email", 2)
    second = outbox.claim("email", 10)
    assert len(first) == 2 and len(second) == 1
    assert not {m.pk for m in first} & {m.pk for m in second}
    assert outbox.claim("email", 10) == []


def test_tracking_image_marks_the_message_opened_once(company, smtp_server, client):
    actions.update_delivery_settings(
        SYSTEM, company, actions.DeliverySettingsInput.changes(track_opens=True)
    )
    message = delivery.send_document(SYSTEM, issued_to(company))
    outbox.run()
    html = smtp_server.received[0].message.get_body(("html",)).get_content()
    assert f"/t/{message.tracking_token}.gif" in html
    response = client.get(f"/t/{message.tracking_token}.gif")
    assert response.status_code == 200 and response["Content-Type"] == "image/gif"
    client.get(f"/t/{message.tracking_token}.gif")
    message.refresh_from_db()
    assert message.opened_at is not None
    assert DeliveryLogEntry.objects.filter(message=message, event=LogEvent.OPENED).count() == 1
    assert client.get("/t/unknown.gif").status_code == 404


def test_one_worker_kick_per_transaction(company, settings, django_capture_on_commit_callbacks):
    settings.NOTIFICATIONS_KICK_WORKER = True
    documents = [issued_to(company) for _ in range(3)]
    with django_capture_on_commit_callbacks() as callbacks:
        delivery.send_documents(SYSTEM, company, documents)
    kicks = [c for c in callbacks if c is queue._enqueue_delivery]
    assert len(kicks) == 1
