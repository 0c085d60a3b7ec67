"""Outgoing payments allocated to supplier invoices: paid/remaining kept on the invoice by
purchases.actions.set_paid_amount, refusals, undo, and payables in the aging."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from xfinances.core.exceptions import InvalidInput
from xfinances.payments import actions, aging
from xfinances.payments.models import Allocation
from xfinances.payments.tests.factories import SYSTEM, payment
from xfinances.purchases.models import PaymentStatus
from xfinances.purchases.tests.factories import make_invoice, make_supplier

pytestmark = pytest.mark.django_db
D = Decimal
DAY = dt.date(2026, 3, 2)  # the supplier invoice's issue date; due 2026-03-16, total 120.00


def paid_out(company, supplier, amount, day=DAY + dt.timedelta(days=3)):
    return payment(company, supplier, amount, day=day, direction="out")


def test_outgoing_payment_pays_a_supplier_invoice_in_parts(company):
    invoice = make_invoice(company)
    assert invoice.total == D("120.00") and invoice.remaining == D("120.00")
    first = paid_out(company, invoice.supplier, "50.00")

    [allocation] = actions.allocate(SYSTEM, first, [(invoice, None)])

    invoice.refresh_from_db()
    first.refresh_from_db()
    assert allocation.supplier_invoice_id == invoice.pk and allocation.document_id is None
    assert (invoice.amount_paid, invoice.remaining) == (D("50.00"), D("70.00"))
    assert invoice.payment_status == PaymentStatus.TO_PAY
    assert first.allocated == D("50.00")
    second = paid_out(company, invoice.supplier, "100.00")
    actions.allocate(SYSTEM, second, [(invoice, None)])  # takes what fits: 70.00
    invoice.refresh_from_db()
    second.refresh_from_db()
    assert invoice.remaining == D("0.00") and invoice.payment_status == PaymentStatus.PAID
    assert second.allocated == D("70.00")


@pytest.mark.parametrize(
    ("pay", "amount", "message"),
    [("200.00", "120.01", "left to pay"), ("50.00", "60.00", "left to allocate")],
)
def test_over_allocation_is_refused_and_changes_nothing(company, pay, amount, message):
    invoice = make_invoice(company)
    out = paid_out(company, invoice.supplier, pay)
    with pytest.raises(InvalidInput) as error:
        actions.allocate(SYSTEM, out, [(invoice, D(amount))])
    assert message in error.value.errors["amount"][0]
    invoice.refresh_from_db()
    out.refresh_from_db()
    assert invoice.amount_paid == D("0.00") and out.allocated == D("0.00")
    assert not Allocation.objects.filter(company=company).exists()


def test_incoming_payment_or_another_supplier_is_refused(company):
    invoice = make_invoice(company)
    with pytest.raises(InvalidInput) as error:
        actions.allocate(SYSTEM, payment(company, invoice.supplier, "10.00"), [(invoice, None)])
    assert "outgoing" in error.value.errors["supplier_invoice"][0]
    other = make_supplier(company, name="Друг ЕООД", eik="175074752")
    with pytest.raises(InvalidInput) as error:
        actions.allocate(SYSTEM, paid_out(company, other, "10.00"), [(invoice, None)])
    assert "another supplier" in error.value.errors["supplier_invoice"][0]


def test_undo_gives_the_amount_back_to_both_sides(company):
    invoice = make_invoice(company)
    out = paid_out(company, invoice.supplier, "120.00")
    [allocation] = actions.allocate(SYSTEM, out, [(invoice, None)])

    actions.undo_allocation(SYSTEM, allocation, reason="wrong supplier invoice")

    invoice.refresh_from_db()
    out.refresh_from_db()
    allocation.refresh_from_db()
    assert invoice.remaining == D("120.00") and invoice.payment_status == PaymentStatus.TO_PAY
    assert out.allocated == D("0.00") and allocation.undone_at is not None


def test_database_refuses_an_allocation_with_two_targets_or_none(company):
    invoice = make_invoice(company)
    out = paid_out(company, invoice.supplier, "10.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        Allocation.objects.create(
            company=company, payment=out, date=DAY, amount=D("1"), document_amount=D("1")
        )


def test_payables_aging_at_a_past_date(company):
    supplier = make_supplier(company)
    invoice = make_invoice(company, supplier=supplier)  # due 2026-03-16
    make_invoice(
        company, "0000001002", supplier=supplier, due_date=dt.date(2026, 5, 30)
    )  # not due in April
    out = paid_out(company, supplier, "100.00", day=dt.date(2026, 4, 20))
    actions.allocate(SYSTEM, out, [(invoice, None)])

    before = aging.aging(company, dt.date(2026, 4, 10), "payable")  # before the payment
    [row] = before
    assert row.party_id == supplier.pk and row.currency == "EUR"
    assert row.buckets["1_30"] == D("120.00") and row.buckets["not_due"] == D("120.00")
    [after] = aging.aging(company, dt.date(2026, 4, 25), "payable")
    assert after.buckets["31_60"] == D("20.00") and after.total == D("140.00")
    # receivables are not mixed in
    assert aging.aging(company, dt.date(2026, 4, 25)) == []


def test_payables_on_the_aging_page_and_api_and_xlsx(company, client_as, api_as):
    invoice = make_invoice(company)
    page = client_as(company, "accountant").get(
        f"/c/{company.eik}/payments/?on=2026-04-10&direction=payable"
    )
    html = page.content.decode()
    assert invoice.supplier.name in html and "120,00" in html  # Bulgarian number format
    answer = api_as(company, "accountant").get(
        "/payments/aging", on="2026-04-10", direction="payable"
    )
    assert answer.status_code == 200
    assert answer.json()["rows"][0]["buckets"]["1_30"] == "120.00"
    bad = api_as(company, "accountant").get("/payments/aging", direction="sideways")
    assert bad.status_code == 422 and "direction" in bad.json()["errors"]
    xlsx = client_as(company, "accountant").get(
        f"/c/{company.eik}/payments/?on=2026-04-10&direction=payable&format=xlsx"
    )
    assert xlsx["Content-Disposition"].endswith('aging-payable-2026-04-10.xlsx"')
    assert xlsx.content[:2] == b"PK"


def test_payment_page_links_the_supplier_invoice(company, client_as):
    invoice = make_invoice(company)
    out = paid_out(company, invoice.supplier, "30.00")
    actions.allocate(SYSTEM, out, [(invoice, None)])
    html = client_as(company, "accountant").get(f"/c/{company.eik}/payments/{out.pk}/").content
    assert f"/c/{company.eik}/purchases/{invoice.pk}/".encode() in html
    assert invoice.supplier_number.encode() in html
