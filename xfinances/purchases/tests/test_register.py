"""Registering supplier documents: amounts, ledger columns, duplicates, approval, payment state."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, InvalidInput, NotAllowed
from xfinances.core.models import AuditEntry
from xfinances.purchases import actions
from xfinances.purchases.inputs import SupplierInvoiceInput
from xfinances.purchases.models import ApprovalStatus, PaymentStatus, SupplierInvoice
from xfinances.purchases.tests.factories import make_invoice, make_supplier

pytestmark = pytest.mark.django_db
D = Decimal
FIXTURES = Path(__file__).parent / "fixtures"


def test_register_computes_totals_ledger_and_remaining(company: Any) -> None:
    invoice = make_invoice(
        company,
        rows=[
            {"vat_rate": "20", "base": "300.00", "vat": "60.00"},
            {"vat_rate": "9", "base": "216.67", "vat": "19.50", "vat_credit": "partial"},
            {"vat_rate": "20", "base": "50.00", "vat": "10.00", "vat_credit": "none"},
        ],
    )
    assert (invoice.total_base, invoice.total_vat, invoice.total) == (
        D("566.67"),
        D("89.50"),
        D("656.17"),
    )
    assert (invoice.ledger_full_base, invoice.ledger_full_vat) == (D("300.00"), D("60.00"))
    assert (invoice.ledger_partial_base, invoice.ledger_partial_vat) == (D("216.67"), D("19.50"))
    assert invoice.ledger_no_credit == D("60.00")
    assert invoice.remaining == D("656.17") and invoice.payment_status == PaymentStatus.TO_PAY
    assert AuditEntry.objects.filter(action="register_supplier_invoice").count() == 1


def test_bgn_invoice_converts_at_fixed_rate_and_credit_note_is_negative(company: Any) -> None:
    invoice = make_invoice(
        company, currency="BGN", rows=[{"vat_rate": "20", "base": "195.58", "vat": "39.12"}]
    )
    assert invoice.eur_total_base == D("100.00") and invoice.eur_total == D("120.00")
    note = make_invoice(
        company,
        number="CN-1",
        kind="credit_note",
        corrected_invoice=invoice.pk,
        rows=[{"vat_rate": "20", "base": "10.00", "vat": "2.00"}],
    )
    assert note.ledger_full_base == D("-10.00") and note.ledger_full_vat == D("-2.00")
    assert note.payment_status == PaymentStatus.NOTHING_TO_PAY and note.due_date is None
    assert note.corrected_invoice_id == invoice.pk


def test_foreign_currency_needs_a_rate(company: Any) -> None:
    with pytest.raises(InvalidInput) as error:
        make_invoice(company, currency="USD")
    assert "exchange_rate" in error.value.errors
    invoice = make_invoice(company, currency="USD", exchange_rate="1.08")
    assert invoice.eur_total == D("111.11")


def test_duplicate_is_refused_with_a_clear_message(company: Any) -> None:
    first = make_invoice(company, number="0000004521")
    with pytest.raises(Conflict) as error:
        make_invoice(company, number="4521")
    assert "already registered" in error.value.message
    assert error.value.field == "supplier_number"
    assert error.value.link and str(first.pk) in error.value.link
    assert SupplierInvoice.objects.filter(company=company).count() == 1
    # Another supplier, another kind, or a cancelled one: not duplicates.
    other = make_supplier(company, name="Друг ЕООД", eik="175074752")
    make_invoice(company, number="4521", supplier=other)
    make_invoice(company, number="4521", kind="debit_note")
    actions.cancel_supplier_invoice(Actor.system(), first, "entered twice")
    make_invoice(company, number="4521")


def test_duplicate_on_update_is_refused(company: Any) -> None:
    make_invoice(company, number="A-1")
    second = make_invoice(company, number="A-2")
    with pytest.raises(Conflict):
        actions.update_supplier_invoice(
            Actor.system(), second, SupplierInvoiceInput.read_changes({"supplier_number": "a-1"})
        )


def test_vat_row_validation_warns_or_refuses(company: Any) -> None:
    invoice = make_invoice(company, rows=[{"vat_rate": "20", "base": "100.00", "vat": "20.04"}])
    assert invoice.vat_warnings and "20.04" in invoice.vat_warnings[0]
    with pytest.raises(InvalidInput) as error:
        make_invoice(company, number="X", rows=[{"vat_rate": "20", "base": "100", "vat": "25"}])
    assert list(error.value.errors) == ["rows.1.vat"]
    assert not SupplierInvoice.objects.filter(supplier_number="X").exists()


def test_refusals_name_fields(company: Any, other_company: Any) -> None:
    foreign_supplier = make_supplier(other_company)
    # What is typed is refused when the input is read, every field at once ...
    with pytest.raises(InvalidInput) as error:
        make_invoice(
            company,
            supplier=foreign_supplier,
            supplier_number="",
            issue_date="2026-13-01",
            currency="XXX",
        )
    assert {"supplier_number", "issue_date", "currency"} <= set(error.value.errors)
    # ... and what needs the company's records by the action, all named together too.
    with pytest.raises(InvalidInput) as error:
        make_invoice(company, supplier=foreign_supplier, category=999999, approver=999999)
    assert {"supplier", "category", "approver"} <= set(error.value.errors)
    assert not SupplierInvoice.objects.filter(company=company).exists()


def test_due_date_and_responsible_default_from_supplier(company: Any, make_member: Any) -> None:
    buyer = make_member(company, "purchasing")
    supplier = make_supplier(company, payment_terms_days=30, responsible=buyer)
    invoice = make_invoice(company, supplier=supplier, due_date=None)
    assert invoice.due_date == dt.date(2026, 4, 1)
    assert invoice.responsible == buyer


def test_responsible_and_approver_must_be_members(
    company: Any, other_company: Any, make_member: Any
) -> None:
    stranger = make_member(other_company, "owner")
    with pytest.raises(InvalidInput) as error:
        make_invoice(company, responsible=stranger.pk)
    assert "responsible" in error.value.errors
    seller = make_member(company, "sales")
    with pytest.raises(InvalidInput) as error:
        make_invoice(company, approval_required=True, approver=seller.pk)
    assert "approver" in error.value.errors


def test_approval_flow_and_permissions(company: Any, make_member: Any) -> None:
    buyer = Actor(make_member(company, "purchasing"))
    accountant = make_member(company, "accountant")
    owner = make_member(company, "owner")
    supplier = make_supplier(company)
    invoice = actions.register_supplier_invoice(
        buyer,
        company,
        SupplierInvoiceInput.read(
            {
                "supplier": supplier,
                "supplier_number": "77",
                "issue_date": "2026-03-02",
                "rows": [{"vat_rate": "20", "base": "10", "vat": "2"}],
                "approval_required": True,
                "approver": accountant.pk,
            }
        ),
    )
    assert invoice.approval_status == ApprovalStatus.PENDING
    with pytest.raises(NotAllowed):
        actions.approve_supplier_invoice(buyer, invoice)
    with pytest.raises(InvalidInput) as error:
        actions.reject_supplier_invoice(Actor(accountant), invoice, "")
    assert "reason" in error.value.errors
    rejected = actions.reject_supplier_invoice(Actor(accountant), invoice, "Wrong prices")
    assert rejected.approval_status == ApprovalStatus.REJECTED
    assert rejected.approval_reason == "Wrong prices" and rejected.approval_decided_at
    with pytest.raises(Conflict):
        actions.approve_supplier_invoice(Actor(owner), rejected)
    again = actions.request_approval(buyer, rejected, accountant.pk)
    assert again.approval_status == ApprovalStatus.PENDING and again.approval_reason == ""
    approved = actions.approve_supplier_invoice(Actor(owner), again)  # an owner may decide
    assert approved.approval_status == ApprovalStatus.APPROVED
    assert approved.approval_decided_by == owner


def test_viewer_and_sales_cannot_register(company: Any, make_member: Any) -> None:
    for role in ("viewer", "sales"):
        with pytest.raises(NotAllowed):
            actions.register_supplier_invoice(
                Actor(make_member(company, role)),
                company,
                SupplierInvoiceInput.read(
                    {
                        "supplier": make_supplier(company),
                        "supplier_number": "1",
                        "issue_date": "2026-03-02",
                        "rows": [{"vat_rate": "20", "base": "10", "vat": "2"}],
                    }
                ),
            )


def test_set_paid_amount_maintains_remaining_and_status(company: Any) -> None:
    invoice = make_invoice(company)
    system = Actor.system()
    part = actions.set_paid_amount(system, invoice, D("50"))
    assert (part.amount_paid, part.remaining, part.payment_status) == (
        D("50.00"),
        D("70.00"),
        PaymentStatus.TO_PAY,
    )
    paid = actions.set_paid_amount(system, invoice, D("120"))
    assert paid.remaining == D("0.00") and paid.payment_status == PaymentStatus.PAID
    back = actions.set_paid_amount(system, invoice, D("0"))
    assert back.payment_status == PaymentStatus.TO_PAY and back.remaining == D("120.00")
    with pytest.raises(InvalidInput):
        actions.set_paid_amount(system, invoice, D("-1"))
    with pytest.raises(InvalidInput):
        actions.update_supplier_invoice(
            system,
            actions.set_paid_amount(system, invoice, D("100")),
            SupplierInvoiceInput.read_changes(
                {"rows": [{"vat_rate": "20", "base": "50", "vat": "10"}]}
            ),
        )


def test_exported_or_closed_period_invoices_are_locked(company: Any) -> None:
    invoice = make_invoice(company)
    SupplierInvoice.objects.filter(pk=invoice.pk).update(
        exported_at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    )
    invoice.refresh_from_db()
    with pytest.raises(Conflict):
        actions.update_supplier_invoice(
            Actor.system(), invoice, SupplierInvoiceInput.read_changes({"description": "x"})
        )
    company.lock_date = dt.date(2026, 3, 31)
    company.save()
    with pytest.raises(InvalidInput) as error:
        make_invoice(company, number="late")
    assert "tax_event_date" in error.value.errors


def test_attachments_check_type_and_size(company: Any, settings: Any) -> None:
    invoice = make_invoice(company)
    item = actions.add_attachment(Actor.system(), invoice, "../../scan.pdf", b"%PDF-1.7 data")
    assert item.filename == "scan.pdf" and item.content_type == "application/pdf"
    with pytest.raises(InvalidInput) as error:
        actions.add_attachment(Actor.system(), invoice, "virus.exe", b"MZ\x90\x00")
    assert "file" in error.value.errors
    settings.PURCHASES_ATTACHMENT_MAX_MB = 0
    with pytest.raises(InvalidInput):
        actions.add_attachment(Actor.system(), invoice, "big.pdf", b"%PDF-" + b"x" * 10)


def test_ubl_staging_and_register_with_embedded_pdf(company: Any, make_member: Any) -> None:
    buyer = Actor(make_member(company, "purchasing"))
    staged, result = actions.stage_ubl_import(
        buyer, company, "invoice.xml", (FIXTURES / "invoice_bg.xml").read_bytes()
    )
    assert staged is not None and result.document is not None
    supplier = actions.create_supplier_from_ubl(buyer, company, result.document.supplier)
    assert supplier.eik == "204801524" and supplier.is_supplier and not supplier.is_client
    assert supplier.primary_iban == "BG80BNBG96611020345678"
    doc = result.document
    invoice = actions.register_supplier_invoice(
        buyer,
        company,
        SupplierInvoiceInput.read(
            {
                "supplier": supplier,
                "supplier_number": doc.number,
                "issue_date": doc.issue_date,
                "tax_event_date": doc.tax_event_date,
                "due_date": doc.due_date,
                "currency": doc.currency,
                "rows": [{"vat_rate": r.vat_rate, "base": r.base, "vat": r.vat} for r in doc.rows],
            }
        ),
        import_id=staged.pk,
    )
    assert invoice.total == D("596.17")
    names = sorted(a.filename for a in invoice.attachments.all())
    assert names == ["invoice.xml", "Фактура-0000004521.pdf"]
    staged.refresh_from_db()
    assert staged.invoice == invoice
