"""Registering a supplier document from UBL is one transaction: the supplier created from the
XML, the invoice and its attachments all stay, or none of them (no orphan supplier)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput
from xfinances.core.models import Source
from xfinances.parties.models import Party
from xfinances.purchases import actions
from xfinances.purchases.inputs import SupplierInvoiceInput
from xfinances.purchases.models import SupplierInvoice, SupplierInvoiceImport

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"
SYSTEM = Actor.system(Source.CLI)
UBL_SUPPLIER_EIK = "204801524"


def _stage(company: Any) -> SupplierInvoiceImport:
    staged, result = actions.stage_ubl_import(
        SYSTEM, company, "invoice.xml", (FIXTURES / "invoice_bg.xml").read_bytes()
    )
    assert staged is not None and result.document is not None
    return staged


def _data(**rows: Any) -> dict[str, Any]:
    return {
        "kind": "invoice",
        "supplier_number": "0000004521",
        "issue_date": "2026-03-02",
        "due_date": "2026-03-16",
        "currency": "EUR",
        "rows": [{"vat_rate": "20", "base": "300.00", "vat": "60.00"}],
        **rows,
    }


def _input(**rows: Any) -> SupplierInvoiceInput:
    return SupplierInvoiceInput.read(_data(**rows))


def test_refused_invoice_leaves_no_supplier_behind(company: Any) -> None:
    staged = _stage(company)
    bad = _data(rows=[{"vat_rate": "20", "base": "300.00", "vat": "90.00"}])
    with pytest.raises(InvalidInput):
        actions.register_from_ubl(
            SYSTEM,
            company,
            SupplierInvoiceInput.read(bad),
            import_id=staged.pk,
            create_supplier=True,
        )
    assert not Party.objects.filter(company=company, eik=UBL_SUPPLIER_EIK).exists()
    assert not SupplierInvoice.objects.filter(company=company).exists()
    staged.refresh_from_db()
    assert staged.invoice_id is None  # still waiting for a corrected form


def test_accepted_invoice_keeps_supplier_invoice_and_attachments(company: Any) -> None:
    staged = _stage(company)
    invoice = actions.register_from_ubl(
        SYSTEM, company, _input(), import_id=staged.pk, create_supplier=True
    )
    assert invoice.supplier.eik == UBL_SUPPLIER_EIK
    assert invoice.attachments.count() == 2  # the XML and the PDF embedded in it
    staged.refresh_from_db()
    assert staged.invoice_id == invoice.pk
    # The import is used: registering it again is refused, nothing else created.
    with pytest.raises(InvalidInput) as refused:
        actions.register_from_ubl(
            SYSTEM, company, _input(), import_id=staged.pk, create_supplier=True
        )
    assert "upload it again" in refused.value.errors["import_id"][0]
    assert Party.objects.filter(company=company, eik=UBL_SUPPLIER_EIK).count() == 1


def test_form_with_a_bad_row_creates_no_supplier(company: Any, client_as: Any) -> None:
    client = client_as(company, "purchasing")
    with open(FIXTURES / "invoice_bg.xml", "rb") as xml:
        uploaded = client.post(f"/c/{company.eik}/purchases/import/", {"xml": xml})
    location = uploaded["Location"]
    post = {
        "import_id": location.split("import=")[1],
        "create_supplier": "True",
        "kind": "invoice",
        "supplier_number": "0000004521",
        "issue_date": "2026-03-02",
        "due_date": "2026-03-16",
        "currency": "EUR",
        "row0_vat_rate": "20",
        "row0_base": "300.00",
        "row0_vat": "90.00",
        "row0_vat_credit": "full",
    }
    response = client.post(location, post)
    assert response.status_code == 422
    assert "does not match" in response.content.decode()
    assert not Party.objects.filter(company=company, eik=UBL_SUPPLIER_EIK).exists()
    assert not SupplierInvoice.objects.filter(company=company).exists()


def test_a_supplier_with_a_5000_character_name_in_the_xml_is_created_cut(company: Any) -> None:
    """The XML's text came from outside: the new supplier's name and address are cut to the
    party's columns, not refused (issue 11)."""
    xml = (FIXTURES / "invoice_bg.xml").read_text(encoding="utf-8")
    seller = xml.index("AccountingSupplierParty")
    start = xml.index("<cbc:RegistrationName>", seller) + len("<cbc:RegistrationName>")
    end = xml.index("</cbc:RegistrationName>", start)
    long_name = "Доставчик " + "Я" * 4990
    xml = xml[:start] + long_name + xml[end:]
    staged, result = actions.stage_ubl_import(SYSTEM, company, "long.xml", xml.encode())
    assert staged is not None and result.document is not None
    supplier = actions.create_supplier_from_ubl(SYSTEM, company, result.document.supplier)
    assert supplier.name == long_name[:200]
