"""SupplierInvoiceInput: what a person typed read once (dates, amounts, IBAN, rows), every
refusal named by its field or row, and a refused input changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput
from xfinances.core.models import AuditEntry
from xfinances.purchases import actions
from xfinances.purchases.inputs import SupplierInvoiceInput
from xfinances.purchases.models import SupplierInvoice
from xfinances.purchases.tests.factories import make_invoice, make_supplier
from xfinances.purchases.vat_rows import VatRowInput

D = Decimal


def _refused(raw: dict[str, Any]) -> dict[str, list[str]]:
    with pytest.raises(InvalidInput) as error:
        SupplierInvoiceInput.read(raw)
    return {key: [str(m) for m in messages] for key, messages in error.value.errors.items()}


def test_reads_what_a_person_types() -> None:
    data = SupplierInvoiceInput.read(
        {
            "supplier": "7",
            "supplier_number": "  0000  4521 ",
            "issue_date": "02.03.2026",
            "due_date": "2026-03-16",
            "currency": "usd",
            "exchange_rate": "1,0821",
            "rows": [{"vat_rate": "20", "base": "1 250,50", "vat": "250,10"}],
            "supplier_iban": "bg80 bnbg 9661 1020 3456 78",
            "approval_required": "on",
        }
    )
    assert data.supplier_number == "0000 4521"
    assert (data.issue_date, data.due_date) == (dt.date(2026, 3, 2), dt.date(2026, 3, 16))
    assert (data.currency, data.exchange_rate) == ("USD", D("1.0821"))
    assert data.rows == (VatRowInput(D("20"), D("1250.50"), D("250.10"), "full"),)
    assert data.supplier_iban == "BG80BNBG96611020345678"
    assert data.approval_required is True
    assert "approval_required" not in SupplierInvoiceInput().given()  # the settings decide


def test_every_bad_field_and_row_is_named_at_once() -> None:
    errors = _refused(
        {
            "kind": "receipt",
            "supplier_number": "",
            "issue_date": "31.02.2026",
            "due_date": "1999-01-01",
            "currency": "XXX",
            "exchange_rate": "-2",
            "supplier_iban": "BG00 0000",
            "description": "x" * 201,
            "rows": [
                {"vat_rate": "20", "base": "100.00", "vat": "20.00"},
                {"vat_rate": "120", "base": "abc", "vat": "1.005", "vat_credit": "most"},
                "not a row",
            ],
        }
    )
    assert {
        "kind",
        "supplier_number",
        "issue_date",
        "due_date",
        "currency",
        "exchange_rate",
        "supplier_iban",
        "description",
        "rows.2.vat_rate",
        "rows.2.base",
        "rows.2.vat",
        "rows.2.vat_credit",
        "rows.3",
    } <= set(errors)
    assert "rows.1" not in str(sorted(errors))
    assert errors["rows.2.vat"] == ["Use at most 2 decimal places."]


def test_due_date_before_issue_date_is_refused_when_read() -> None:
    errors = _refused({"issue_date": "2026-03-10", "due_date": "2026-03-01"})
    assert errors["due_date"] == ["The due date is before the date of issue."]


def test_changes_read_only_the_given_fields() -> None:
    changes = SupplierInvoiceInput.read_changes({"description": " Хартия "})
    assert dict(changes.items()) == {"description": "Хартия"}
    with pytest.raises(InvalidInput) as error:
        SupplierInvoiceInput.read_changes({"rows": [{"vat_rate": "20", "base": "x"}]})
    assert list(error.value.errors) == ["rows.1.base"]


def test_unknown_field_is_a_callers_mistake() -> None:
    with pytest.raises(TypeError, match="unknown SupplierInvoiceInput fields"):
        SupplierInvoiceInput.read({"totl": "1"})


@pytest.mark.django_db
def test_refused_update_changes_nothing(company: Any) -> None:
    invoice = make_invoice(company, description="Офис")
    audit_before = AuditEntry.objects.count()
    for raw in (
        {"issue_date": "2026-02-30"},
        {"rows": [{"vat_rate": "20", "base": "100.00", "vat": "99.00"}]},
        {"due_date": "2026-03-01", "description": "Хартия"},  # before the stored issue date
    ):
        with pytest.raises(InvalidInput):
            actions.update_supplier_invoice(
                Actor.system(), invoice, SupplierInvoiceInput.read_changes(raw)
            )
    invoice.refresh_from_db()
    assert invoice.description == "Офис" and invoice.version == 1
    assert invoice.total == D("120.00") and invoice.due_date == dt.date(2026, 3, 16)
    assert AuditEntry.objects.count() == audit_before


@pytest.mark.django_db
def test_api_bad_input_is_422_by_field_and_changes_nothing(company: Any, api_as: Any) -> None:
    api = api_as(company, "purchasing")
    supplier = make_supplier(company)
    created = api.post(
        "/supplier-invoices",
        {
            "supplier": supplier.pk,
            "supplier_number": "77",
            "issue_date": "2026-03-02",
            "exchange_rate": "nope",
            "currency": "USD",
            "rows": [{"vat_rate": "20", "base": "1,5,0", "vat": "0"}],
        },
    )
    assert created.status_code == 422, created.content
    assert {"exchange_rate", "rows.1.base"} <= set(created.json()["errors"])
    assert not SupplierInvoice.objects.filter(company=company).exists()

    invoice = make_invoice(company)
    patched = api.patch(
        f"/supplier-invoices/{invoice.pk}",
        {"description": "Хартия", "rows": [{"vat_rate": "x", "base": "1", "vat": "0"}]},
    )
    assert patched.status_code == 422 and "rows.1.vat_rate" in patched.json()["errors"]
    invoice.refresh_from_db()
    assert invoice.description == "" and invoice.version == 1
