""" "Mark as paid" on the document page: the payment into a chosen account, allocated; the
Payments tab lists allocations, credit notes and write-offs, each undoable."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput, NotAllowed
from xfinances.invoicing.tests.factories import bg_client
from xfinances.payments import actions
from xfinances.payments.models import Allocation, Payment
from xfinances.payments.tests.factories import DAY, SYSTEM, invoice
from xfinances.treasury.models import Movement
from xfinances.treasury.tests.factories import bank_account, cash_register

D = Decimal


def test_mark_paid_records_the_money_into_the_account_and_allocates_it(company):
    client = bg_client(company)
    document = invoice(company, client, "120.00")
    account = cash_register(company)
    paid = actions.mark_document_paid(
        SYSTEM, document, actions.MarkPaidInput.read({"account": account, "date": DAY})
    )
    document.refresh_from_db()
    assert document.payment_status == "paid" and document.outstanding_amount == 0
    assert paid.amount == D("120.00") and paid.method == "cash" and paid.source == "cash"
    assert paid.party == client and paid.allocated == D("120.00")
    assert Movement.objects.get(pk=paid.movement_id).account == account


def test_mark_paid_refusals_change_nothing(company, make_member):
    document = invoice(company, price="100.00")
    with pytest.raises(InvalidInput) as refused:
        actions.mark_document_paid(SYSTEM, document, actions.MarkPaidInput.read({"account": None}))
    assert "account" in refused.value.errors
    usd = cash_register(company, name="USD", currency="USD")
    with pytest.raises(InvalidInput) as refused:
        actions.mark_document_paid(SYSTEM, document, actions.MarkPaidInput.read({"account": usd}))
    assert "account" in refused.value.errors
    account = bank_account(company)
    with pytest.raises(InvalidInput) as refused:
        actions.mark_document_paid(
            SYSTEM, document, actions.MarkPaidInput.read({"account": account, "amount": "100.01"})
        )
    assert "amount" in refused.value.errors
    viewer = Actor(make_member(company, "viewer"))
    with pytest.raises(NotAllowed):
        actions.mark_document_paid(
            viewer, document, actions.MarkPaidInput.read({"account": account})
        )
    assert not Payment.objects.exists() and not Movement.objects.exists()
    actions.mark_document_paid(
        SYSTEM,
        document,
        actions.MarkPaidInput.read({"account": account, "amount": "40", "date": DAY}),
    )
    document.refresh_from_db()
    assert document.payment_status == "partly_paid" and document.outstanding_amount == D("60")


def test_payments_tab_marks_paid_and_undoes(company, client_as):
    web = client_as(company, "accountant")
    document = invoice(company, price="100.00")
    account = bank_account(company, name="Основна сметка")
    page = web.get(f"/c/{company.eik}/documents/{document.pk}/").content.decode()
    assert 'id="mark-paid-form"' in page and "Основна сметка" in page
    assert 'data-payment-status="unpaid"' in page
    response = web.post(
        f"/c/{company.eik}/payments/documents/{document.pk}/mark-paid/",
        {"account": account.pk, "date": DAY.isoformat(), "amount": "100.00"},
    )
    assert response.status_code == 302 and response["Location"].endswith("?tab=payments")
    page = web.get(response["Location"]).content.decode()
    assert 'data-payment-status="paid"' in page and 'id="mark-paid-form"' not in page
    allocation = Allocation.objects.get()
    response = web.post(
        f"/c/{company.eik}/payments/allocations/{allocation.pk}/undo/",
        {"reason": "wrong", "next": f"/c/{company.eik}/documents/{document.pk}/?tab=payments"},
    )
    assert response["Location"].endswith(f"/documents/{document.pk}/?tab=payments")
    document.refresh_from_db()
    assert document.payment_status == "unpaid"


def test_a_viewer_sees_the_tab_without_buttons(company, client_as):
    document = invoice(company, price="100.00")
    bank_account(company)
    web = client_as(company, "viewer")
    page = web.get(f"/c/{company.eik}/documents/{document.pk}/").content.decode()
    assert 'id="payments-panel"' in page and 'id="mark-paid-form"' not in page
