"""Demo supplier invoices from the demo suppliers: some to be paid (payments' demo step pays
the ones numbered in `DEMO_PAID_NUMBERS` from the main bank account), some due this week, one
overdue and one awaiting approval. Everything through the actions; skipped when the company has
supplier invoices already."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.utils import timezone

from xfinances.core.audit import Actor
from xfinances.core.demo import DemoStep
from xfinances.core.models import Company, Membership
from xfinances.core.roles import Role
from xfinances.parties.models import Party
from xfinances.purchases import actions
from xfinances.purchases.inputs import SupplierInvoiceInput
from xfinances.purchases.models import SupplierInvoice
from xfinances.purchases.vat_rows import VatRowInput

# The supplier invoices payments' demo step pays in full (payments stands above purchases).
DEMO_PAID_NUMBERS = ("0000004511", "0000001877", "2026-0193")


def _rows(base: str, rate: str = "20") -> tuple[VatRowInput, ...]:
    amount = Decimal(base)
    vat = (amount * Decimal(rate) / 100).quantize(Decimal("0.01"))
    return (VatRowInput(vat_rate=Decimal(rate), base=amount, vat=vat),)


def load(actor: Actor, company: Company, progress: Callable[[str], object]) -> None:
    if SupplierInvoice.objects.filter(company=company).exists():
        return
    suppliers = list(Party.objects.filter(company=company, is_supplier=True).order_by("id"))
    if not suppliers:
        return
    progress("Adding supplier invoices and paying some of them …")
    today = timezone.localdate()
    sunday = today + dt.timedelta(days=6 - today.weekday())

    def supplier(i: int) -> Party:
        return suppliers[i % len(suppliers)]

    def register(i: int, number: str, issued: int, due: dt.date, base: str, **extra: Any) -> Any:
        issue_date = today - dt.timedelta(days=issued)
        return actions.register_supplier_invoice(
            actor,
            company,
            SupplierInvoiceInput(
                supplier=supplier(i),
                supplier_number=number,
                issue_date=issue_date,
                received_date=issue_date,
                due_date=max(due, issue_date),
                currency="EUR",
                rows=_rows(base),
                **extra,
            ),
        )

    register(0, DEMO_PAID_NUMBERS[0], 70, today - dt.timedelta(days=56), "1240.00")
    register(1, DEMO_PAID_NUMBERS[1], 50, today - dt.timedelta(days=36), "386.50")
    register(2, DEMO_PAID_NUMBERS[2], 40, today - dt.timedelta(days=26), "2150.00")
    register(3, "0000000842", 12, today, "640.00", description="Счетоводни услуги")
    register(0, "0000004602", 10, sunday, "1395.00", description="Ток и мрежови услуги")
    supplies = register(
        1, "0000001934", 30, today - dt.timedelta(days=9), "212.40", description="Консумативи"
    )
    # Part of the supplies went back: the supplier's credit note takes 48.00 off what is due.
    actions.register_supplier_invoice(
        actor,
        company,
        SupplierInvoiceInput(
            supplier=supplier(1),
            supplier_number="0000001951",
            kind="credit_note",
            corrected_invoice=supplies,
            issue_date=today - dt.timedelta(days=20),
            received_date=today - dt.timedelta(days=20),
            due_date=None,
            currency="EUR",
            rows=_rows("40.00"),
            description="Върнати консумативи",
        ),
    )
    owner = (
        Membership.objects.filter(company=company, role=Role.OWNER).select_related("user").first()
    )
    register(
        2,
        "2026-0241",
        3,
        today + dt.timedelta(days=4),
        "3480.00",
        description="Транспорт по проект „Витоша“",
        approval_required=True,
        approver=owner.user if owner else None,
    )
    progress(f"  {SupplierInvoice.objects.filter(company=company).count()} supplier invoices")


def step() -> DemoStep:
    return DemoStep(order=30, name="supplier invoices", load=load)
