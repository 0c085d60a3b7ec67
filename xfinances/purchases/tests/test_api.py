"""REST /api/v1/supplier-invoices: create, duplicate 409, validation 422, approval, roles, UBL."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from xfinances.purchases.models import SupplierInvoice
from xfinances.purchases.tests.factories import make_invoice, make_supplier

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"


def _body(supplier: Any, number: str = "0000004521", **extra: Any) -> dict[str, Any]:
    body = {
        "supplier": supplier.pk,
        "supplier_number": number,
        "issue_date": "2026-03-02",
        "due_date": "2026-03-16",
        "rows": [{"vat_rate": "20", "base": "300.00", "vat": "60.00"}],
    }
    body.update(extra)
    return body


def test_create_read_and_duplicate_409(company: Any, api_as: Any) -> None:
    api = api_as(company, "purchasing")
    supplier = make_supplier(company)
    created = api.post("/supplier-invoices", _body(supplier))
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["total"] == "360.00" and data["remaining"] == "360.00"
    assert data["ledger"]["03-31"] == "300.00" and data["ledger"]["03-41"] == "60.00"
    again = api.post("/supplier-invoices", _body(supplier, number="4521"))
    assert again.status_code == 409
    assert "already registered" in again.json()["detail"]
    assert again.json()["errors"] == {"supplier_number": [again.json()["detail"]]}
    assert str(data["id"]) in again.json()["link"]
    assert SupplierInvoice.objects.filter(company=company).count() == 1
    read = api.get(f"/supplier-invoices/{data['id']}")
    assert read.json()["supplier_number"] == "0000004521"


def test_validation_422_names_the_row(company: Any, api_as: Any) -> None:
    api = api_as(company, "accountant")
    supplier = make_supplier(company)
    response = api.post(
        "/supplier-invoices",
        _body(supplier, rows=[{"vat_rate": "20", "base": "100", "vat": "30"}]),
    )
    assert response.status_code == 422
    assert "rows.1.vat" in response.json()["errors"]
    assert not SupplierInvoice.objects.exists()


def test_roles(company: Any, api_as: Any, make_member: Any) -> None:
    supplier = make_supplier(company)
    assert api_as(company, "sales").post("/supplier-invoices", _body(supplier)).status_code == 403
    assert api_as(company, "viewer").get("/supplier-invoices").status_code == 200
    accountant = make_member(company, "accountant")
    invoice = make_invoice(company, approval_required=True, approver=accountant.pk)
    buyer = api_as(company, "purchasing")
    assert buyer.post(f"/supplier-invoices/{invoice.pk}/approve", {}).status_code == 403
    refused = api_as(company, "accountant").post(f"/supplier-invoices/{invoice.pk}/reject", {})
    assert refused.status_code == 422 and "reason" in refused.json()["errors"]
    approved = api_as(company, "accountant").post(f"/supplier-invoices/{invoice.pk}/approve", {})
    assert approved.status_code == 200 and approved.json()["approval_status"] == "approved"


def test_list_filters_and_patch(company: Any, api_as: Any) -> None:
    api = api_as(company, "owner")
    first = make_invoice(company, number="1")
    make_invoice(company, number="2", kind="debit_note")
    listed = api.get("/supplier-invoices", kind="debit_note")
    assert listed.json()["count"] == 1 and listed.json()["items"][0]["supplier_number"] == "2"
    patched = api.patch(f"/supplier-invoices/{first.pk}", {"description": "Хартия"})
    assert patched.status_code == 200
    first.refresh_from_db()
    assert first.description == "Хартия" and first.total == 120


def test_import_ubl_preview(company: Any, api_as: Any) -> None:
    api = api_as(company, "purchasing")
    content = base64.b64encode((FIXTURES / "invoice_bg.xml").read_bytes()).decode()
    response = api.post("/supplier-invoices/import-ubl", {"content_base64": content})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["supplier_number"] == "0000004521" and data["supplier_id"] is None
    assert data["supplier"]["vat_number"] == "BG204801524"
    assert data["attachments"] == ["Фактура-0000004521.pdf"]
    assert not SupplierInvoice.objects.exists()
    bad = api.post(
        "/supplier-invoices/import-ubl", {"content_base64": base64.b64encode(b"<a/>").decode()}
    )
    assert bad.status_code == 422


def test_payment_batch_api(company: Any, api_as: Any) -> None:
    invoice = make_invoice(company)
    assert (
        api_as(company, "purchasing")
        .post("/supplier-invoices/payment-batches", {"invoices": [invoice.pk]})
        .status_code
        == 403
    )
    created = api_as(company, "accountant").post(
        "/supplier-invoices/payment-batches", {"invoices": [invoice.pk]}
    )
    assert created.status_code == 201
    assert created.json()["items"][0]["amount"] == "120.00"
    invoice.refresh_from_db()
    assert invoice.payment_status == "scheduled"
    again = api_as(company, "owner").post(
        "/supplier-invoices/payment-batches", {"invoices": [invoice.pk]}
    )
    assert again.status_code == 409
