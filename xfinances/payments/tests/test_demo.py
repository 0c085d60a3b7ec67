"""The demo company gets payments, supplier invoices and reminders that show every state."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from xfinances.core.demo import DEMO_EIK, load_demo
from xfinances.core.models import Company
from xfinances.payments import aging, queries
from xfinances.payments.models import Allocation, DunningPause, Payment
from xfinances.purchases import queries as purchase_queries
from xfinances.purchases.models import ApprovalStatus, SupplierInvoice

pytestmark = pytest.mark.django_db


def test_demo_has_payments_supplier_invoices_and_reminders():
    assert load_demo(lambda message: None) is True
    company = Company.objects.get(eik=DEMO_EIK)
    today = timezone.localdate()

    rows = aging.aging(company, today)
    assert any(
        row.buckets["1_30"] + row.buckets["31_60"] + row.buckets["61_90"] + row.buckets["over_90"]
        > 0
        for row in rows
    )
    statuses = queries.document_payment_statuses
    documents = list(queries.open_claims(company))
    assert any(s[0] == "partly_paid" for s in statuses(documents).values())
    assert aging.party_credit_rows(company, today)  # the overpaying client's credit
    assert Allocation.objects.filter(company=company, credit_note__isnull=False).exists()
    assert DunningPause.objects.filter(company=company, party__isnull=False).exists()

    due = purchase_queries.due_this_week(company, today)
    assert due.filter(due_date__gte=today).exists()
    assert due.filter(due_date__lt=today).exists()  # one overdue
    invoices = SupplierInvoice.objects.filter(company=company)
    assert invoices.filter(approval_status=ApprovalStatus.PENDING).exists()
    assert invoices.filter(remaining=0, amount_paid__gt=0).count() == 3
    # The supplier's credit note took its 48.00 off the invoice it corrects.
    (supplies,) = invoices.filter(amount_credited__gt=0, kind="invoice")
    assert supplies.remaining == supplies.total - Decimal("48.00")
    assert Payment.objects.filter(company=company, direction="out").count() == 3

    plan, _levels = queries.reminder_plan(company, today)
    assert plan.emails

    # A second load does nothing.
    count = Payment.objects.filter(company=company).count()
    assert load_demo(lambda message: None) is False
    assert Payment.objects.filter(company=company).count() == count
