"""Writing off a supplier invoice's small unpaid difference (paid a few cents short): within
the tolerance, with a reason, audited, undoable; kept on the invoice by purchases.

(Here rather than in purchases/tests: the write-off is a payments action, and purchases'
tests may not import payments, which stands above it.)"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, InvalidInput, NotAllowed
from xfinances.core.models import AuditEntry
from xfinances.payments import actions, aging, queries
from xfinances.payments.models import WriteOff
from xfinances.payments.tests.factories import SYSTEM, payment
from xfinances.purchases import actions as purchases_actions
from xfinances.purchases.models import PaymentStatus
from xfinances.purchases.tests.factories import make_invoice

pytestmark = pytest.mark.django_db
D = Decimal
DAY = dt.date(2026, 3, 5)


def short_paid(company, paid="119.98", number="0000001001"):
    """A supplier invoice of 120.00 EUR paid `paid` by an outgoing payment."""
    bill = make_invoice(company, number=number)
    money = payment(company, bill.supplier, paid, day=DAY, direction="out")
    actions.allocate(SYSTEM, money, [(bill, None)])
    bill.refresh_from_db()
    return bill, money


def test_the_remainder_is_written_off_and_the_invoice_is_paid(company):
    bill, _money = short_paid(company)
    assert bill.remaining == D("0.02") and bill.payment_status == PaymentStatus.TO_PAY

    item = actions.write_off_supplier_invoice(
        SYSTEM, bill, actions.WriteOffInput(reason="Закръгляне", date=DAY)
    )

    bill.refresh_from_db()
    assert (item.supplier_invoice_id, item.amount, item.currency) == (bill.pk, D("0.02"), "EUR")
    assert (bill.amount_paid, bill.amount_written_off, bill.remaining) == (
        D("119.98"),
        D("0.02"),
        D("0.00"),
    )
    assert bill.payment_status == PaymentStatus.PAID
    assert aging.payable_items(company, DAY) == []
    # Before the write-off's day the invoice was still open by its whole remainder then.
    assert aging.payable_items(company, DAY - dt.timedelta(days=1))[0][3] == D("120.00")
    assert AuditEntry.objects.filter(company=company, action="write_off_supplier_invoice").exists()


def test_over_the_tolerance_or_no_reason_is_refused_and_nothing_changes(company):
    bill, _money = short_paid(company, paid="110.00")
    with pytest.raises(InvalidInput) as caught:
        actions.write_off_supplier_invoice(SYSTEM, bill, actions.WriteOffInput(reason="x"))
    assert "amount" in caught.value.errors
    with pytest.raises(InvalidInput) as no_reason:
        actions.WriteOffInput.read({"reason": ""})
    assert "reason" in no_reason.value.errors
    bill.refresh_from_db()
    assert (bill.amount_written_off, bill.remaining) == (D("0.00"), D("10.00"))
    assert not WriteOff.objects.filter(company=company).exists()


def test_undo_restores_the_remainder_and_a_second_undo_is_refused(company):
    bill, _money = short_paid(company)
    item = actions.write_off_supplier_invoice(SYSTEM, bill, actions.WriteOffInput(reason="x"))
    actions.undo_write_off(SYSTEM, item, reason="Доставчикът иска разликата")
    bill.refresh_from_db()
    assert (bill.amount_written_off, bill.remaining) == (D("0.00"), D("0.02"))
    assert bill.payment_status == PaymentStatus.TO_PAY
    with pytest.raises(Conflict):
        actions.undo_write_off(SYSTEM, item, reason="again")
    bill.refresh_from_db()
    assert bill.remaining == D("0.02")


def test_a_read_only_role_may_not(company, make_member):
    bill, _money = short_paid(company)
    viewer = Actor(make_member(company, "viewer"))
    with pytest.raises(NotAllowed):
        actions.write_off_supplier_invoice(viewer, bill, actions.WriteOffInput(reason="x"))
    bill.refresh_from_db()
    assert bill.remaining == D("0.02")


def test_a_written_off_invoice_cannot_be_cancelled(company):
    bill, money = short_paid(company)
    actions.write_off_supplier_invoice(SYSTEM, bill, actions.WriteOffInput(reason="x"))
    for allocation in queries.allocations_of_payment(money):
        actions.undo_allocation(SYSTEM, allocation, reason="x")
    bill.refresh_from_db()
    assert bill.amount_paid == 0 and bill.amount_written_off == D("0.02")
    with pytest.raises(Conflict):
        purchases_actions.cancel_supplier_invoice(SYSTEM, bill, reason="wrong")


def test_messages_in_both_languages(company):
    bill, _money = short_paid(company, paid="120.00")
    with pytest.raises(InvalidInput) as caught:
        actions.write_off_supplier_invoice(SYSTEM, bill, actions.WriteOffInput(reason="x"))
    assert caught.value.errors["supplier_invoice"] == ["Nothing is left to write off."]
    with translation.override("bg"), pytest.raises(InvalidInput) as caught_bg:
        actions.write_off_supplier_invoice(SYSTEM, bill, actions.WriteOffInput(reason="x"))
    message = caught_bg.value.errors["supplier_invoice"][0]
    assert message != "Nothing is left to write off." and message.strip()


def test_the_pages_and_the_api(company, client_as, api_as):
    bill, _money = short_paid(company)
    owner = client_as(company, "owner")
    purchases_page = owner.get(reverse("purchases:detail", args=[company.eik, bill.pk]))
    assert b'id="payments-link"' in purchases_page.content
    page = owner.get(reverse("payments:supplier_invoice", args=[company.eik, bill.pk]))
    assert page.status_code == 200 and b'id="write-off-supplier-invoice"' in page.content
    owner.post(
        reverse("payments:supplier_invoice_write_off", args=[company.eik, bill.pk]),
        {"reason": "центове"},
    )
    bill.refresh_from_db()
    assert bill.remaining == 0

    other, _paid = short_paid(company, paid="119.50", number="0000001002")
    api = api_as(company)
    answer = api.post(f"/payments/supplier-invoices/{other.pk}/write-off", {"reason": "x"})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["written_off"], body["remaining"], body["payment_status"]) == (
        "0.50",
        "0.00",
        "paid",
    )
    [item] = body["write_offs"]
    undone = api.post(f"/payments/write-offs/{item['id']}/undo", {"reason": "x"})
    assert undone.status_code == 200
    assert api.get(f"/payments/supplier-invoices/{other.pk}").json()["remaining"] == "0.50"
