"""Demo supplier invoices from the demo suppliers: some paid by outgoing payments from the main
bank account, some due this week, one overdue and one awaiting approval. Everything through the
actions; skipped when the company has supplier invoices already."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.utils import timezone

from xfinances.core.audit import Actor
from xfinances.core.models import Company, Membership
from xfinances.core.roles import Role
from xfinances.parties.models import Party
from xfinances.purchases import actions
from xfinances.purchases.models import SupplierInvoice


def _rows(base: str, rate: str = "20") -> list[dict[str, str]]:
    amount = Decimal(base)
    vat = (amount * Decimal(rate) / 100).quantize(Decimal("0.01"))
    return [{"vat_rate": rate, "base": str(amount), "vat": str(vat)}]


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
            supplier=supplier(i),
            supplier_number=number,
            issue_date=issue_date,
            received_date=issue_date,
            due_date=max(due, issue_date),
            currency="EUR",
            rows=_rows(base),
            **extra,
        )

    paid = [
        register(0, "0000004511", 70, today - dt.timedelta(days=56), "1240.00"),
        register(1, "0000001877", 50, today - dt.timedelta(days=36), "386.50"),
        register(2, "2026-0193", 40, today - dt.timedelta(days=26), "2150.00"),
    ]
    register(3, "0000000842", 12, today, "640.00", description="Счетоводни услуги")
    register(0, "0000004602", 10, sunday, "1395.00", description="Ток и мрежови услуги")
    register(1, "0000001934", 30, today - dt.timedelta(days=9), "212.40", description="Консумативи")
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
    _pay(actor, company, paid, today)
    progress(f"  {SupplierInvoice.objects.filter(company=company).count()} supplier invoices")


def _pay(actor: Actor, company: Company, invoices: list[Any], today: dt.date) -> None:
    """Pay each invoice in full from the main bank account on its due date."""
    from xfinances.payments import actions as payment_actions
    from xfinances.payments.demo import demo_bank_account

    account = demo_bank_account(company)
    if account is None:
        return
    for invoice in invoices:
        payment = payment_actions.record_payment(
            actor,
            company,
            direction="out",
            date=min(invoice.due_date, today),
            amount=invoice.remaining,
            currency="EUR",
            party=invoice.supplier,
            account=account,
            bank_reference=f"DEMO-OUT-{invoice.pk}",
            note=f"плащане по ф-ра {invoice.supplier_number}",
        )
        payment_actions.allocate_supplier_invoices(actor, payment, [(invoice, invoice.remaining)])
