"""Demo sales documents: every kind across the last four months, issued in date order through
the actions (so numbers, totals, snapshots and audit are real). Skipped when documents exist."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.utils import timezone

from xfinances.core.actions import load_reference_rates
from xfinances.core.audit import Actor
from xfinances.core.demo import DemoStep
from xfinances.core.models import Company
from xfinances.invoicing import actions
from xfinances.invoicing.inputs import DraftInput, LineInput, draft
from xfinances.invoicing.models import Document, DocumentKind
from xfinances.parties.models import Party


def _line(
    description: str, price: str, quantity: str = "1", vat: str = "standard", unit: str = "pcs"
) -> LineInput:
    return LineInput(
        description=description,
        quantity=Decimal(quantity),
        unit=unit,
        unit_price=Decimal(price),
        vat_treatment=vat,
    )


def load(actor: Actor, company: Company, progress: Callable[[str], object]) -> None:
    if Document.objects.filter(company=company).exists():
        return
    clients = list(Party.objects.filter(company=company, is_client=True).order_by("id"))
    if not clients:
        return
    progress("Adding invoices, proformas, notes and protocols …")
    by_country = {p.country: p for p in reversed(clients)}
    domestic = [p for p in clients if p.country == "BG" and p.kind == "company"]
    eu = by_country.get("DE") or clients[0]
    hotel = next((p for p in domestic if "Хотел" in p.name), domestic[0])
    today = timezone.localdate()
    start = today - dt.timedelta(days=120)

    def day(offset: int) -> dt.date:
        return start + dt.timedelta(days=offset)

    def invoice(
        offset: int,
        party: Party,
        lines: list[LineInput],
        kind: str = DocumentKind.INVOICE,
        **extra: Any,
    ) -> Document:
        when = day(offset)
        header = draft(party=party, lines=lines, issue_date=when, tax_event_date=when, **extra)
        document = actions.create_draft(actor, company, header, kind=kind, today=when)
        return actions.issue_document(actor, document, today=when).document

    consulting = _line("Счетоводни консултации", "85.00", "12", unit="h")
    licence = _line("Годишен лиценз за софтуер XFINANCES", "1200.00")
    first = invoice(0, domestic[0], [consulting, _line("Обучение на персонала", "450.00")])
    proforma = invoice(5, domestic[1 % len(domestic)], [licence], kind=DocumentKind.PROFORMA)
    actions.convert_proforma(
        actor, proforma, DraftInput(issue_date=day(8), tax_event_date=day(8)), today=day(8)
    )
    invoice(12, hotel, [_line("Нощувки за служители, 3 нощи", "80.00", "3", vat="accommodation")])
    invoice(
        20, eu, [_line("Machine parts, batch 7", "2450.00", "4", vat="eu_goods")], language="en"
    )
    usd_day = day(25)
    load_reference_rates(actor, [(usd_day, "USD", Decimal("1.0842"))], "demo")
    invoice(
        25,
        domestic[2 % len(domestic)],
        [_line("Software integration (USD)", "1500.00")],
        currency="USD",
    )
    corrected = invoice(30, domestic[3 % len(domestic)], [consulting, licence])
    actions.create_credit_note(
        actor,
        corrected,
        reason="Отстъпка за обем",
        lines=[_line("Отстъпка 10 % от лиценза", "120.00")],
        issue=True,
        today=day(33),
        details=DraftInput(issue_date=day(33), tax_event_date=day(33)),
    )
    increased = invoice(40, domestic[4 % len(domestic)], [consulting])
    actions.create_debit_note(
        actor,
        increased,
        reason="Допълнителни часове",
        lines=[_line("Допълнителни консултации", "85.00", "4", unit="h")],
        issue=True,
        today=day(44),
        details=DraftInput(issue_date=day(44), tax_event_date=day(44)),
    )
    advance = invoice(
        55, domestic[0], [_line("Аванс по договор № 12/2026", "3000.00")], is_advance=True
    )
    wrong = invoice(60, domestic[1 % len(domestic)], [_line("Поддръжка", "300.00")])
    actions.void_document(actor, wrong, reason="Издадена на грешен получател", today=day(61))
    invoice(
        70,
        eu,
        [_line("Installation services received", "900.00", vat="eu_services")],
        kind=DocumentKind.PROTOCOL,
    )
    invoice(
        90,
        domestic[0],
        [
            _line("Доставка и внедряване по договор № 12/2026", "7500.00"),
            *actions.advance_deduction_lines(advance),
        ],
    )
    for offset, party in (
        (100, domestic[2 % len(domestic)]),
        (110, hotel),
        (116, domestic[3 % len(domestic)]),
    ):
        invoice(offset, party, [consulting])
    for party in (domestic[0], eu):
        actions.create_draft(actor, company, draft(party=party, lines=[licence]), today=today)
    progress(
        f"  {Document.objects.filter(company=company).count()} documents; first {first.number}"
    )


def step() -> DemoStep:
    return DemoStep(order=20, name="invoicing", load=load)
