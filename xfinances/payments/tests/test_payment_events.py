"""Webhook events of payments: payment.received, payment.allocated and document.overdue are
outbox rows in the action's transaction, delivered signed to a real receiver on loopback."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from xfinances.core.exceptions import InvalidInput
from xfinances.invoicing.tests.factories import bg_client
from xfinances.notifications import actions as delivery
from xfinances.notifications import outbox
from xfinances.notifications.actions import WebhookEndpointInput
from xfinances.notifications.models import OutboxMessage
from xfinances.payments import actions
from xfinances.payments.models import OverdueNotice, RunKind
from xfinances.payments.tests.factories import DAY, SYSTEM, invoice, payment

pytestmark = pytest.mark.django_db
DUE = DAY + dt.timedelta(days=14)


def hook(company, url, events):
    return delivery.create_webhook_endpoint(
        SYSTEM, company, WebhookEndpointInput.read({"url": url, "events": events})
    )


def events(company) -> list[str]:
    return list(
        OutboxMessage.objects.filter(company=company, kind="webhook")
        .order_by("id")
        .values_list("event", flat=True)
    )


def test_received_and_allocated_are_delivered_signed(company, webhook_receiver):
    endpoint = hook(company, webhook_receiver.url, ["payment.received", "payment.allocated"])
    webhook_receiver.secret = endpoint.secret
    client = bg_client(company)
    document = invoice(company, client, "100.00")

    paid = payment(company, client, "60.00", allocations=[(document, None)])

    assert events(company) == ["payment.received", "payment.allocated"]
    allocated_row = OutboxMessage.objects.get(company=company, event="payment.allocated")
    assert allocated_row.document_id == document.pk and allocated_row.endpoint_id == endpoint.pk
    assert outbox.run().sent == 2
    assert [hit.valid for hit in webhook_receiver.hits] == [True, True]  # HMAC verified
    received, allocated = webhook_receiver.payloads()
    assert received["event"] == "payment.received"
    assert received["data"]["id"] == paid.pk and received["data"]["amount"] == "60.00"
    assert received["data"]["party"]["name"] == client.name
    assert allocated["data"]["document"]["number"] == document.number
    assert allocated["data"]["document"]["remaining"] == "40.00"
    assert allocated["data"]["allocation"]["amount"] == "60.00"
    assert allocated["company"]["eik"] == company.eik


def test_outgoing_payment_is_not_received_and_refused_allocation_leaves_no_event(company):
    hook(company, "https://crm.example.com/h", ["payment.received", "payment.allocated"])
    client = bg_client(company)
    document = invoice(company, client, "100.00")
    payment(company, client, "10.00", direction="out")
    assert events(company) == []

    paid = payment(company, client, "500.00")
    with pytest.raises(InvalidInput):
        actions.allocate(SYSTEM, paid, [(document, Decimal("100.01"))])
    assert events(company) == ["payment.received"]  # the refused allocation rolled back


def test_document_overdue_once_per_document_from_the_reminder_run(company):
    hook(company, "https://crm.example.com/h", ["document.overdue"])
    actions.ensure_default_levels(SYSTEM, company)
    client = bg_client(company, email="acc@client.bg")
    late = invoice(company, client, "100.00", due=DUE)
    invoice(company, client, "30.00", due=DUE + dt.timedelta(days=10))  # not yet overdue
    paid_one = invoice(company, client, "20.00", due=DUE)
    actions.allocate(SYSTEM, payment(company, client, "20.00"), [(paid_one, None)])

    for offset, kind in ((0, RunKind.SCHEDULED), (1, RunKind.SCHEDULED), (2, RunKind.MANUAL)):
        day = DUE + dt.timedelta(days=offset)
        with time_machine.travel(dt.datetime(day.year, day.month, day.day, 9), tick=False):
            actions.run_reminders(SYSTEM, company, day, kind=kind)

    rows = OutboxMessage.objects.filter(company=company, event="document.overdue")
    assert [row.document_id for row in rows] == [late.pk]  # once, though three runs saw it
    data = rows[0].payload["data"]
    assert data["number"] == late.number and data["remaining"] == "100.00"
    assert data["days_overdue"] == 1
    assert OverdueNotice.objects.filter(company=company).count() == 1


def test_overdue_marker_is_kept_without_endpoints_so_a_later_endpoint_is_not_flooded(company):
    actions.ensure_default_levels(SYSTEM, company)
    invoice(company, bg_client(company, email="a@b.bg"), "100.00", due=DUE)
    day = DUE + dt.timedelta(days=1)
    actions.run_reminders(SYSTEM, company, day)
    hook(company, "https://crm.example.com/h", ["document.overdue"])
    actions.run_reminders(SYSTEM, company, day + dt.timedelta(days=1))
    assert OverdueNotice.objects.filter(company=company).count() == 1
    assert events(company) == []
