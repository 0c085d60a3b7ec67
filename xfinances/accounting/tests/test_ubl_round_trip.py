"""Round trip: a UBL file company A exports imports cleanly into company B as a supplier
document through the purchases UBL import (read, stage, new supplier, register), with the same
number, dates, parties, amounts and VAT."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from xfinances.accounting import ubl
from xfinances.core import actions as core_actions
from xfinances.invoicing import actions as invoicing_actions
from xfinances.invoicing.models import Document
from xfinances.invoicing.tests.factories import SYSTEM, bg_client, issued, line
from xfinances.purchases import actions as purchases_actions
from xfinances.purchases.inputs import SupplierInvoiceInput
from xfinances.purchases.models import SupplierInvoice
from xfinances.purchases.ubl import read_ubl

pytestmark = pytest.mark.django_db

IBAN = "BG80BNBG96611020345678"


def import_into(company: Any, document: Document, supplier: Any = None) -> tuple[Any, Any]:
    """Stage the exported XML in `company`, create the supplier when needed, register it."""
    content = ubl.build_ubl(document)
    staged, result = purchases_actions.stage_ubl_import(
        SYSTEM, company, ubl.ubl_filename(document), content
    )
    assert result.errors == [] and staged is not None and result.document is not None
    assert result.warnings == []
    read = result.document
    if supplier is None:
        supplier = purchases_actions.create_supplier_from_ubl(SYSTEM, company, read.supplier)
    corrected = None
    if read.corrected_number:
        corrected = SupplierInvoice.objects.get(
            company=company, supplier=supplier, supplier_number=read.corrected_number
        )
    invoice = purchases_actions.register_supplier_invoice(
        SYSTEM,
        company,
        SupplierInvoiceInput.read(
            {
                "supplier": supplier,
                "kind": read.kind,
                "supplier_number": read.number,
                "issue_date": read.issue_date,
                "tax_event_date": read.tax_event_date,
                "due_date": read.due_date,
                "currency": read.currency,
                "corrected_invoice": corrected,
                "supplier_iban": read.supplier.iban,
                "payment_reference": read.payment_reference,
                "rows": [{"vat_rate": r.vat_rate, "base": r.base, "vat": r.vat} for r in read.rows],
            }
        ),
        import_id=staged.pk,
    )
    return invoice, read


@pytest.fixture
def seller(company: Any) -> Any:
    core_actions.add_company_bank_account(SYSTEM, company, iban=IBAN, is_default=True)
    return company


def test_invoice_and_credit_note_of_company_a_import_into_company_b(
    seller: Any, other_company: Any
) -> None:
    # Company A sells to company B (B's own ЕИК and VAT number on the document).
    client_b = bg_client(
        seller, name=other_company.name, eik=other_company.eik, vat_number=other_company.vat_number
    )
    invoice = issued(
        seller,
        party=client_b,
        lines=[
            line("100.00", "3", discount_percent=Decimal("10")),
            line("50.00", "2", vat="accommodation"),
            line("40.00", vat="exempt"),
        ],
    )
    bought, read = import_into(other_company, invoice)

    assert (bought.kind, bought.supplier_number) == ("invoice", invoice.number)
    assert (bought.issue_date, bought.tax_event_date, bought.due_date) == (
        invoice.issue_date,
        invoice.tax_event_date,
        invoice.due_date,
    )
    assert bought.currency == "EUR"
    assert (bought.total_base, bought.total_vat, bought.total) == (
        invoice.base,
        invoice.vat,
        invoice.total,
    )
    assert bought.total == Decimal("473.00")
    supplier = bought.supplier
    assert (supplier.name, supplier.eik, supplier.vat_number) == (
        seller.name,
        seller.eik,
        seller.vat_number,
    )
    assert supplier.is_supplier and supplier.primary_iban == IBAN
    assert bought.supplier_iban == IBAN and bought.payment_reference == invoice.rf_reference
    rows = sorted((r.vat_rate, r.base, r.vat) for r in bought.vat_rows.all())
    assert rows == [
        (Decimal("0.00"), Decimal("40.00"), Decimal("0.00")),
        (Decimal("9.00"), Decimal("100.00"), Decimal("9.00")),
        (Decimal("20.00"), Decimal("270.00"), Decimal("54.00")),
    ]
    assert (read.buyer_vat_number, read.buyer_eik) == (other_company.vat_number, other_company.eik)
    assert [a.filename for a in bought.attachments.all()] == [f"invoice-{invoice.number}.xml"]

    note = invoicing_actions.create_credit_note(
        SYSTEM, invoice, reason="Върната стока", lines=[line("100.00")], issue=True
    ).document
    credited, read = import_into(other_company, note, supplier=supplier)
    assert (credited.kind, credited.supplier_number) == ("credit_note", note.number)
    assert read.corrected_number == invoice.number
    assert credited.corrected_invoice_id == bought.pk
    assert (credited.total_base, credited.total_vat, credited.total) == (
        Decimal("100.00"),
        Decimal("20.00"),
        Decimal("120.00"),
    )


def test_debit_note_and_a_2025_bgn_invoice_round_trip(seller: Any, other_company: Any) -> None:
    client_b = bg_client(
        seller, name=other_company.name, eik=other_company.eik, vat_number=other_company.vat_number
    )
    day = dt.date(2025, 12, 15)
    old = issued(
        seller,
        party=client_b,
        currency="BGN",
        issue_date=day,
        tax_event_date=day,
        lines=[line("100.00"), line("33.33")],
        today=dt.date(2025, 12, 16),
    )
    bought, _read = import_into(other_company, old)
    assert bought.currency == "BGN" and bought.total == old.total == Decimal("160.00")

    debit = invoicing_actions.create_debit_note(
        SYSTEM, old, reason="Доплащане", lines=[line("19.5583")], issue=True
    ).document
    added, read = import_into(other_company, debit, supplier=bought.supplier)
    assert read.kind == "debit_note" and added.kind == "debit_note"
    assert added.currency == "EUR" and (added.total_base, added.total) == (debit.base, debit.total)
    assert read.corrected_number == old.number and added.corrected_invoice_id == bought.pk


def test_read_ubl_sees_what_the_export_says_for_reverse_charge(seller: Any) -> None:
    from xfinances.invoicing.tests.factories import eu_client

    document = issued(seller, party=eu_client(seller), lines=[line("500", vat="eu_services")])
    result = read_ubl(ubl.build_ubl(document))
    assert result.errors == [] and result.document is not None
    assert [(r.category, r.vat_rate, r.base, r.vat) for r in result.document.rows] == [
        ("AE", Decimal("0"), Decimal("500.00"), Decimal("0.00"))
    ]
    assert result.document.buyer_vat_number == "DE136695976"
