"""Payments test data, made through the actions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from xfinances.core.audit import Actor
from xfinances.core.models import Company, Source
from xfinances.invoicing.models import Document, DocumentKind
from xfinances.invoicing.tests.factories import bg_client, issued, line
from xfinances.parties.models import Party
from xfinances.payments import actions
from xfinances.payments.models import Payment

SYSTEM = Actor.system(Source.CLI)
DAY = dt.date(2026, 3, 2)


def invoice(
    company: Company,
    party: Party | None = None,
    price: str = "100.00",
    *,
    day: dt.date = DAY,
    due: dt.date | None = None,
    currency: str = "EUR",
    **data: Any,
) -> Document:
    """An issued invoice with one line of `price` and 0 % VAT (total = price)."""
    return issued(
        company,
        party=party or bg_client(company),
        lines=[line(price, vat="exempt")] if price else None,
        issue_date=day,
        tax_event_date=day,
        due_date=due or day + dt.timedelta(days=14),
        currency=currency,
        today=day,
        **data,
    )


def payment(
    company: Company,
    party: Party | None,
    amount: str,
    *,
    day: dt.date = DAY,
    currency: str = "EUR",
    direction: str = "in",
    **extra: Any,
) -> Payment:
    data = {
        "direction": direction,
        "date": day,
        "amount": Decimal(amount),
        "currency": currency,
        "party": party,
        **extra,
    }
    return actions.record_payment(SYSTEM, company, actions.PaymentInput.read(data))


def isolation_objects(company: Company) -> dict[str, Any]:
    """One payment, allocation, level and pause in `company` for the tenant-isolation walker."""
    today = dt.date.today()  # other apps' factories issue documents today: keep the dates rising
    document = invoice(company, day=today)
    paid = payment(company, document.party, "10.00", day=today)
    allocation = actions.allocate(SYSTEM, paid, [(document, Decimal("10.00"))])[0]
    small = invoice(company, day=today, price="0.50")
    write_off = actions.write_off(SYSTEM, small, reason="test")
    level = actions.ensure_default_levels(SYSTEM, company)[0]
    pause = actions.pause_reminders(
        SYSTEM, company, reason="test", until=dt.date(2099, 1, 1), party=document.party
    )
    return {
        "payment_id": paid.pk,
        "allocation_id": allocation.pk,
        "level_id": level.pk,
        "pause_id": pause.pk,
        "write_off_id": write_off.pk,
    }


__all__ = ["DocumentKind", "invoice", "payment"]
