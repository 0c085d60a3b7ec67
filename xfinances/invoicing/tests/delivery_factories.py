"""Delivery records for tests, made through the actions."""

from __future__ import annotations

from typing import Any

from xfinances.core.audit import Actor
from xfinances.core.models import Company, Source
from xfinances.invoicing.models import Document
from xfinances.invoicing.tests.factories import bg_client, issued
from xfinances.notifications import actions
from xfinances.notifications.actions import WebhookEndpointInput
from xfinances.notifications.models import WebhookEndpoint
from xfinances.parties.actions import add_party_contact
from xfinances.parties.models import Party
from xfinances.parties.tests.factories import contact_input

SYSTEM = Actor.system(Source.CLI)


def client_with_contacts(company: Company, **overrides: Any) -> Party:
    """A client with its own e-mail for documents and one more contact who receives invoices."""
    party = bg_client(company, email="office@client.example.bg", **overrides)
    add_party_contact(
        SYSTEM,
        party,
        contact_input(
            name="Счетоводител", email="accounting@client.example.bg", receives_invoices=True
        ),
    )
    add_party_contact(SYSTEM, party, contact_input(name="Склад", email="stock@client.example.bg"))
    return party


def issued_to(company: Company, party: Party | None = None, **data: Any) -> Document:
    return issued(company, party=party or client_with_contacts(company), **data)


def auto_send_on(company: Company) -> None:
    actions.update_delivery_settings(
        SYSTEM, company, actions.DeliverySettingsInput.changes(auto_send_on_issue=True)
    )


def endpoint(company: Company, url: str, events: list[str] | None = None) -> WebhookEndpoint:
    return actions.create_webhook_endpoint(
        SYSTEM,
        company,
        WebhookEndpointInput.read({"url": url, "events": events or ["document.issued"]}),
    )
