"""Exported supplier invoices, payments and cash/bank movements lock (core.edit_guards hook):
their edit and delete actions, the API and the pages refuse with a clear message and change
nothing, until an owner reopens the export; the correction is then re-sent as changed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from xfinances.accounting import actions, locks
from xfinances.accounting.building import Period
from xfinances.accounting.inputs import ExportInput, PeriodReopenInput
from xfinances.accounting.models import BatchStatus, DocumentExport, ExportBatch, ExportState
from xfinances.core import edit_guards
from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, InvalidInput, NotAllowed
from xfinances.invoicing import actions as invoicing_actions
from xfinances.invoicing.tests.factories import SYSTEM
from xfinances.payments import actions as payments_actions
from xfinances.payments.models import Allocation
from xfinances.payments.tests.factories import invoice as sales_invoice
from xfinances.payments.tests.factories import payment
from xfinances.purchases import actions as purchases_actions
from xfinances.purchases.inputs import SupplierInvoiceInput
from xfinances.purchases.tests.factories import make_invoice
from xfinances.treasury import actions as treasury_actions
from xfinances.treasury.models import Movement
from xfinances.treasury.tests.factories import bank_account, money_in

pytestmark = pytest.mark.django_db
MARCH = Period(2026, 3)
LOCKED = "exported to accounting"
DAY = dt.date(2026, 3, 4)


def _export(company: Any, kind: str) -> ExportBatch:
    result = actions.export_period(
        SYSTEM, company, ExportInput(target="csv", period=MARCH, kinds=[kind])
    )
    assert result.created and result.batch is not None
    return result.batch


def test_exported_supplier_invoice_refuses_edit_and_cancel_until_reopened(company: Any) -> None:
    purchase = make_invoice(company)
    assert edit_guards.reasons(purchase) == []
    batch = _export(company, "purchase")
    new_rows = SupplierInvoiceInput.read_changes(
        {"rows": [{"vat_rate": "20", "base": "200.00", "vat": "40.00"}]}
    )
    with pytest.raises(Conflict, match=LOCKED) as refused:
        purchases_actions.update_supplier_invoice(SYSTEM, purchase, new_rows)
    assert f"batch {batch.pk}" in refused.value.message
    with pytest.raises(Conflict, match=LOCKED):
        purchases_actions.cancel_supplier_invoice(SYSTEM, purchase, reason="wrong")
    purchase.refresh_from_db()
    assert purchase.total == Decimal("120.00") and purchase.status == "registered"

    # An owner reopens the export: the edit goes through and is re-sent as a correction.
    assert locks.reopen_export(SYSTEM, company, purchase, "wrong amount") == 1
    state = DocumentExport.objects.get(company=company, object_id=purchase.pk)
    assert state.state == ExportState.CHANGED
    changed = purchases_actions.update_supplier_invoice(SYSTEM, purchase, new_rows)
    assert changed.total == Decimal("240.00")
    again = actions.export_period(
        SYSTEM, company, ExportInput(target="csv", period=MARCH, kinds=["purchase"])
    )
    assert again.created and again.batch is not None and again.batch.pk != batch.pk
    state = DocumentExport.objects.get(company=company, object_id=purchase.pk)
    assert state.state == ExportState.EXPORTED and state.batch_id == again.batch.pk
    assert state.version == changed.version
    # ... and the corrected invoice is locked again by the new batch.
    with pytest.raises(Conflict, match=LOCKED):
        purchases_actions.update_supplier_invoice(SYSTEM, changed, new_rows)


def test_reopen_needs_an_owner_a_reason_and_an_export(company: Any, make_member: Any) -> None:
    purchase = make_invoice(company)
    with pytest.raises(Conflict, match="not locked"):
        locks.reopen_export(SYSTEM, company, purchase, "why")
    _export(company, "purchase")
    with pytest.raises(InvalidInput):
        locks.reopen_export(SYSTEM, company, purchase, "  ")
    accountant = Actor(make_member(company, "accountant"))
    with pytest.raises(NotAllowed):
        locks.reopen_export(accountant, company, purchase, "why")
    assert edit_guards.reasons(purchase)  # still locked


def test_failed_batch_does_not_lock(company: Any) -> None:
    purchase = make_invoice(company)
    batch = _export(company, "purchase")
    ExportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.FAILED)
    assert edit_guards.reasons(purchase) == []


DESCRIBED = SupplierInvoiceInput.changes(description="x")


def test_closed_vat_period_locks_supplier_invoice(company: Any) -> None:
    purchase = make_invoice(company)
    close = actions.close_vat_period(SYSTEM, company, MARCH)
    with pytest.raises(Conflict, match=r"VAT period .* is closed"):
        purchases_actions.update_supplier_invoice(SYSTEM, purchase, DESCRIBED)
    actions.reopen_vat_period(SYSTEM, close, PeriodReopenInput.read({"reason": "late invoice"}))
    assert purchases_actions.update_supplier_invoice(SYSTEM, purchase, DESCRIBED)


def test_supplier_invoice_api_answers_409_and_keeps_data(company: Any, api_as: Any) -> None:
    purchase = make_invoice(company)
    _export(company, "purchase")
    api = api_as(company, "owner")
    patched = api.patch(f"/supplier-invoices/{purchase.pk}", {"description": "changed"})
    assert patched.status_code == 409, patched.content
    assert LOCKED in patched.json()["detail"]
    cancelled = api.post(f"/supplier-invoices/{purchase.pk}/cancel", {"reason": "dup"})
    assert cancelled.status_code == 409
    purchase.refresh_from_db()
    assert purchase.description != "changed" and purchase.status == "registered"
    reopened = api.post(
        "/accounting/records/reopen",
        {"source": "purchases.SupplierInvoice", "id": purchase.pk, "reason": "typo"},
    )
    assert reopened.status_code == 200 and reopened.json()["reopened"] == 1
    patched = api.patch(f"/supplier-invoices/{purchase.pk}", {"description": "changed"})
    assert patched.status_code == 200, patched.content


def _allocated_payment(company: Any) -> Allocation:
    document = sales_invoice(company, price="60.00", day=DAY)
    paid = payment(company, document.party, "60.00", day=DAY, allocations=[(document, None)])
    return Allocation.objects.get(company=company, payment=paid)


def test_exported_payment_refuses_undo_allocation(company: Any, api_as: Any) -> None:
    allocation = _allocated_payment(company)
    _export(company, "payment")
    with pytest.raises(Conflict, match=LOCKED):
        payments_actions.undo_allocation(SYSTEM, allocation, reason="wrong client")
    response = api_as(company, "owner").post(
        f"/payments/allocations/{allocation.pk}/undo", {"reason": "wrong client"}
    )
    assert response.status_code == 409 and LOCKED in response.json()["detail"]
    allocation.refresh_from_db()
    assert allocation.undone_at is None
    locks.reopen_export(SYSTEM, company, allocation.payment, "wrong client")
    assert payments_actions.undo_allocation(SYSTEM, allocation, reason="wrong client").undone_at


def test_exported_movement_refuses_edit_and_delete(company: Any, client_as: Any) -> None:
    movement = money_in(bank_account(company), "50.00", dt.date(2026, 3, 6), description="fee")
    _export(company, "bank")
    with pytest.raises(Conflict, match=LOCKED):
        treasury_actions.update_movement(
            SYSTEM, movement, treasury_actions.MovementEditInput.changes(description="other")
        )
    with pytest.raises(Conflict, match=LOCKED):
        treasury_actions.delete_movement(SYSTEM, movement)
    client = client_as(company, "owner")
    eik = company.eik
    page = client.post(reverse("treasury:movement_delete", args=[eik, movement.pk]), follow=True)
    assert LOCKED in page.content.decode()
    assert Movement.objects.filter(pk=movement.pk, description="fee").exists()
    locks.reopen_export(SYSTEM, company, movement, "typo")
    changed = treasury_actions.update_movement(
        SYSTEM, movement, treasury_actions.MovementEditInput.changes(description="other")
    )
    assert changed.description == "other"
    # It went out once: the accounting program keeps it, so it is reversed, never deleted.
    with pytest.raises(Conflict, match="cannot be deleted here"):
        treasury_actions.delete_movement(SYSTEM, changed)
    assert Movement.objects.filter(pk=movement.pk).exists()
    [reversal] = treasury_actions.reverse_movement(
        SYSTEM, changed, date=dt.date(2026, 3, 6), reason="typo"
    )
    assert reversal.amount == Decimal("-50.00")


def test_an_exported_payment_is_not_taken_back_even_reopened(company: Any, api_as: Any) -> None:
    allocation = _allocated_payment(company)
    paid = allocation.payment
    assert payments_actions.take_back_refusal(paid) is None
    _export(company, "payment")
    with pytest.raises(Conflict, match=LOCKED):
        payments_actions.take_back_payment(SYSTEM, paid, reason="wrong client")
    locks.reopen_export(SYSTEM, company, paid, "wrong client")
    with pytest.raises(Conflict, match="cannot be deleted here"):
        payments_actions.take_back_payment(SYSTEM, paid, reason="wrong client")
    answer = api_as(company, "owner").post(f"/payments/{paid.pk}/take-back", {"reason": "x"})
    assert answer.status_code == 409 and "cannot be deleted here" in answer.json()["detail"]
    allocation.refresh_from_db()
    assert allocation.undone_at is None


def test_voiding_an_unexported_invoice_releases_an_exported_payment(company: Any) -> None:
    """The lock is on editing the payment; a void of the (unexported) invoice still gives the
    payment back as the client's credit, as voids always do."""
    allocation = _allocated_payment(company)
    _export(company, "payment")
    document = allocation.document
    assert document is not None and document.exported_at is None
    invoicing_actions.void_document(SYSTEM, document, reason="wrong client", today=DAY)
    allocation.refresh_from_db()
    assert allocation.undone_at is not None


def test_supplier_invoice_edit_page_shows_the_lock(company: Any, client_as: Any) -> None:
    purchase = make_invoice(company)
    _export(company, "purchase")
    client = client_as(company, "accountant")
    post = {
        "supplier": purchase.supplier_id,
        "kind": "invoice",
        "supplier_number": purchase.supplier_number,
        "issue_date": "2026-03-02",
        "due_date": "2026-03-16",
        "currency": "EUR",
        "description": "changed on the page",
        "row0_vat_rate": "20",
        "row0_base": "100.00",
        "row0_vat": "20.00",
        "row0_vat_credit": "full",
    }
    response = client.post(f"/c/{company.eik}/purchases/{purchase.pk}/edit/", post)
    assert response.status_code == 422
    assert LOCKED in response.content.decode()
    purchase.refresh_from_db()
    assert purchase.description != "changed on the page"
