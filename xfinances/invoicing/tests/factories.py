"""Sales documents for tests, made through the actions so totals, snapshots and audit exist as in
real use. Plain functions (not fixtures): tests call them with the conftest `company`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from xfinances.core.audit import Actor
from xfinances.core.models import Company, Source
from xfinances.invoicing import actions, inputs
from xfinances.invoicing.inputs import LineInput
from xfinances.invoicing.models import Document, DocumentKind
from xfinances.parties.models import Party
from xfinances.parties.tests.factories import PartyFactory

SYSTEM = Actor.system(Source.CLI)


def bg_client(company: Company, **overrides: Any) -> Party:
    party: Party = PartyFactory(company=company, **overrides)
    return party


def eu_client(company: Company, **overrides: Any) -> Party:
    data = {
        "name": "Müller Maschinenbau GmbH",
        "eik": "",
        "vat_number": "DE136695976",
        "country": "DE",
        "city": "München",
        "address": "Leopoldstraße 12",
    }
    data.update(overrides)
    party: Party = PartyFactory(company=company, **data)
    return party


def line(
    price: str = "100.00",
    quantity: str = "1",
    vat: str = "standard",
    description: str = "Консултантски услуги",
    **extra: Any,
) -> LineInput:
    """A line as the actions take it (`extra`: any other `LineInput` field, or `product`)."""
    return inputs.line(
        description=description,
        quantity=Decimal(quantity),
        unit="h",
        unit_price=Decimal(price),
        vat_treatment=vat,
        **extra,
    )


def draft(
    company: Company,
    *,
    kind: str = DocumentKind.INVOICE,
    party: Party | None = None,
    lines: list[LineInput] | None = None,
    actor: Actor = SYSTEM,
    today: dt.date | None = None,
    **data: Any,
) -> Document:
    """A draft; `data`: any other header field (`inputs.draft` reads objects as their ids)."""
    party = party or bg_client(company)
    header = inputs.draft(party=party, lines=lines or [line()], **data)
    return actions.create_draft(actor, company, header, kind=kind, today=today)


def issued(
    company: Company,
    *,
    kind: str = DocumentKind.INVOICE,
    party: Party | None = None,
    lines: list[LineInput] | None = None,
    actor: Actor = SYSTEM,
    today: dt.date | None = None,
    **data: Any,
) -> Document:
    document = draft(company, kind=kind, party=party, lines=lines, actor=actor, today=today, **data)
    return actions.issue_document(actor, document, today=today).document


def isolation_objects(company: Company) -> dict[str, Any]:
    """One issued invoice (for /documents/<document_id>/… routes), the default tax series and
    a recurring invoice (for /recurring-invoices/<template_id>…)."""
    document = issued(company)
    template = actions.create_recurring(
        SYSTEM,
        company,
        inputs.recurring(
            name="Абонамент", party=document.party, lines=[line()], start_date=dt.date(2026, 1, 1)
        ),
    )
    return {"document_id": document.pk, "series_id": document.series_id, "template_id": template.pk}
