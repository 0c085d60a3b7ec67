"""Demo payments: incoming bank payments settling some demo invoices fully and some partly (one
client overpays and keeps a credit), the credit note offset against its invoice, the usual
reminder levels and a reminder pause on one client. Everything through the actions; skipped when
the company has payments already."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.utils import timezone

from xfinances.core.audit import Actor
from xfinances.core.demo import DemoStep
from xfinances.core.models import Company
from xfinances.invoicing.models import Document, DocumentKind, DocumentStatus
from xfinances.payments import actions
from xfinances.payments.models import Payment
from xfinances.purchases.demo import DEMO_PAID_NUMBERS
from xfinances.purchases.models import SupplierInvoice
from xfinances.treasury.models import MoneyAccount


def demo_bank_account(company: Company) -> MoneyAccount | None:
    """The company's main EUR bank account (the first one opened)."""
    return (
        MoneyAccount.objects.filter(company=company, kind="bank", currency="EUR", parent=None)
        .order_by("id")
        .first()
    )


def load(actor: Actor, company: Company, progress: Callable[[str], object]) -> None:
    if Payment.objects.filter(company=company).exists():
        return
    account = demo_bank_account(company)
    if account is None:
        return
    invoices = list(
        Document.objects.filter(
            company=company,
            kind=DocumentKind.INVOICE,
            status=DocumentStatus.ISSUED,
            currency="EUR",
            total__gt=0,
            issue_date__gte=account.opening_date,
        )
        .select_related("party")
        .order_by("issue_date", "id")
    )
    if len(invoices) < 4:
        return
    progress("Adding payments, credit note offsets and reminder levels …")
    today = timezone.localdate()

    def pay(document: Document, amount: Decimal, after_days: int, reference: str) -> Payment:
        day = min(document.issue_date + dt.timedelta(days=after_days), today)
        return actions.record_payment(
            actor,
            company,
            actions.PaymentInput.read(
                {
                    "direction": "in",
                    "date": day,
                    "amount": amount,
                    "currency": "EUR",
                    "party": document.party,
                    "account": account,
                    "bank_reference": reference,
                    "note": f"плащане по ф-ра {document.number}",
                    "allocations": [(document, min(amount, document.total))],
                }
            ),
        )

    # The oldest invoices are paid in full, one with 50 EUR too much (the client's credit).
    pay(invoices[0], invoices[0].total, 18, "DEMO-IN-001")
    pay(invoices[1], invoices[1].total + Decimal("50.00"), 12, "DEMO-IN-002")
    # A later invoice is paid partly: about 40 % of it.
    partly = invoices[len(invoices) // 2]
    pay(partly, (partly.total * Decimal("0.4")).quantize(Decimal("0.01")), 10, "DEMO-IN-003")
    # The credit note for volume discount is offset against the invoice it corrects.
    actions.apply_open_credit_notes(actor, company)
    levels = actions.ensure_default_levels(actor, company)
    # One client asked for time: no reminders to it for two weeks.
    paused = invoices[-1].party
    assert paused is not None
    actions.pause_reminders(
        actor,
        company,
        party=paused,
        reason="Договорено разсрочено плащане",
        until=today + dt.timedelta(days=14),
    )
    progress(
        f"  {Payment.objects.filter(company=company).count()} payments; {len(levels)} reminder "
        f"levels; reminders paused for {paused.name}"
    )


DEMO_OVERPAID = Decimal("18.00")


def load_supplier_payments(
    actor: Actor, company: Company, progress: Callable[[str], object]
) -> None:
    """Pay the demo supplier invoices meant to be paid, in full, from the main bank account on
    their due date (or today when that is later). The second is paid `DEMO_OVERPAID` too much
    (a figure typed wrong): the rest is ours at the supplier, who sends it back in the demo's
    bank statement (banking/demo.py)."""
    account = demo_bank_account(company)
    if account is None:
        return
    today = timezone.localdate()
    invoices = SupplierInvoice.objects.filter(
        company=company, supplier_number__in=DEMO_PAID_NUMBERS
    ).select_related("supplier")
    for n, invoice in enumerate(invoices.order_by("id")):
        if invoice.remaining <= 0:
            continue
        over = DEMO_OVERPAID if n == 1 else Decimal("0.00")
        payment = actions.record_payment(
            actor,
            company,
            actions.PaymentInput.read(
                {
                    "direction": "out",
                    "date": min(invoice.due_date or today, today),
                    "amount": invoice.remaining + over,
                    "currency": "EUR",
                    "party": invoice.supplier,
                    "account": account,
                    "bank_reference": f"DEMO-OUT-{invoice.pk}",
                    "note": f"плащане по ф-ра {invoice.supplier_number}",
                }
            ),
        )
        actions.allocate_supplier_invoices(actor, payment, [(invoice, invoice.remaining)])


def steps() -> list[DemoStep]:
    return [
        DemoStep(order=50, name="payments", load=load),
        DemoStep(order=60, name="supplier payments", load=load_supplier_payments),
    ]
