"""UBL export of every kind of sales document: valid against the UBL 2.1 XSD, the EN 16931 rules
and the Peppol rules we meet; the fields a receiver books from are where Peppol puts them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from lxml import etree

from xfinances.accounting import ubl
from xfinances.accounting.ubl_rules import check_en16931, check_peppol
from xfinances.core import actions as core_actions
from xfinances.invoicing import actions
from xfinances.invoicing.events import electronic_invoice_of
from xfinances.invoicing.tests.factories import SYSTEM, bg_client, draft, eu_client, issued, line

pytestmark = pytest.mark.django_db

IBAN = "BG80BNBG96611020345678"
NS = ubl.NS


def valid(xml: bytes) -> etree._Element:
    assert ubl.validate_xsd(xml) == []
    assert check_en16931(xml) == []
    assert check_peppol(xml) == []
    return etree.fromstring(xml)


def text(root: etree._Element, path: str) -> str:
    found = root.find(path, NS)
    assert found is not None, path
    return found.text or ""


def texts(root: etree._Element, path: str) -> list[str]:
    return [node.text or "" for node in root.findall(path, NS)]


def categories(root: etree._Element) -> list[tuple[str, str, str, str]]:
    """(category, percent, taxable, tax) of each VAT breakdown row."""
    rows = []
    for subtotal in root.findall("cac:TaxTotal/cac:TaxSubtotal", NS):
        rows.append(
            (
                text(subtotal, "cac:TaxCategory/cbc:ID"),
                subtotal.findtext("cac:TaxCategory/cbc:Percent", "", NS),
                text(subtotal, "cbc:TaxableAmount"),
                text(subtotal, "cbc:TaxAmount"),
            )
        )
    return rows


@pytest.fixture
def seller(company: Any) -> Any:
    core_actions.add_company_bank_account(SYSTEM, company, iban=IBAN, is_default=True)
    return company


def buyer(company: Any) -> Any:
    return bg_client(company, eik="205711599", vat_number="BG205711599", name="Бета Софт ЕООД")


def test_invoice_with_several_rates_discounts_and_bank_transfer(seller: Any) -> None:
    document = issued(
        seller,
        party=buyer(seller),
        lines=[
            line("100.00", "3", discount_percent=Decimal("10")),
            line("50.00", "2", vat="accommodation", description="Нощувка"),
        ],
        document_discount_percent=Decimal("5"),
    )
    root = valid(ubl.build_ubl(document))
    assert etree.QName(root).localname == "Invoice"
    assert text(root, "cbc:CustomizationID") == ubl.CUSTOMIZATION_ID
    assert text(root, "cbc:ProfileID") == ubl.PROFILE_ID
    assert text(root, "cbc:ID") == document.number
    assert text(root, "cbc:InvoiceTypeCode") == "380"
    assert text(root, "cbc:IssueDate") == document.issue_date.isoformat()
    assert text(root, "cbc:DueDate") == document.due_date.isoformat()
    assert text(root, "cbc:DocumentCurrencyCode") == "EUR"
    supplier = root.find("cac:AccountingSupplierParty/cac:Party", NS)
    assert text(supplier, "cbc:EndpointID") == "BG131468980"
    assert supplier.find("cbc:EndpointID", NS).get("schemeID") == "9926"
    assert text(supplier, "cac:PartyTaxScheme/cbc:CompanyID") == "BG131468980"
    assert text(supplier, "cac:PartyLegalEntity/cbc:CompanyID") == "131468980"
    assert text(supplier, "cac:PartyLegalEntity/cbc:RegistrationName") == "Алфа Трейд ООД"
    customer = root.find("cac:AccountingCustomerParty/cac:Party", NS)
    assert text(customer, "cac:PartyLegalEntity/cbc:CompanyID") == "205711599"
    assert text(customer, "cac:PartyTaxScheme/cbc:CompanyID") == "BG205711599"
    assert text(root, "cac:PaymentMeans/cbc:PaymentMeansCode") == "58"
    assert text(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID") == IBAN
    assert text(root, "cac:PaymentMeans/cbc:PaymentID") == document.rf_reference
    assert document.rf_reference.startswith("RF")
    # 300 − 10 % = 270, − 5 % = 256.50 → 51.30; 100 − 5 % = 95 → 8.55.
    assert categories(root) == [
        ("S", "20", "256.50", "51.30"),
        ("S", "9", "95.00", "8.55"),
    ]
    assert texts(root, "cac:AllowanceCharge/cbc:Amount") == ["13.50", "5.00"]
    assert text(root, "cac:LegalMonetaryTotal/cbc:LineExtensionAmount") == "370.00"
    assert text(root, "cac:LegalMonetaryTotal/cbc:AllowanceTotalAmount") == "18.50"
    assert text(root, "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount") == str(document.base)
    assert text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == str(document.total)
    assert document.total == Decimal("411.35")
    first = root.find("cac:InvoiceLine", NS)
    assert text(first, "cbc:InvoicedQuantity") == "3"
    assert first.find("cbc:InvoicedQuantity", NS).get("unitCode") == "HUR"
    assert text(first, "cac:AllowanceCharge/cbc:Amount") == "30.00"
    assert text(first, "cac:Price/cbc:PriceAmount") == "100"


def test_credit_note_refers_to_its_invoice(seller: Any) -> None:
    invoice = issued(seller, party=buyer(seller), lines=[line("100"), line("40", vat="exempt")])
    note = actions.create_credit_note(SYSTEM, invoice, reason="Върната стока", issue=True).document
    root = valid(ubl.build_ubl(note))
    assert etree.QName(root).localname == "CreditNote"
    assert text(root, "cbc:CreditNoteTypeCode") == "381"
    assert text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") == invoice.number
    assert text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:IssueDate") == (
        invoice.issue_date.isoformat()
    )
    assert "Върната стока" in text(root, "cbc:Note")
    assert len(root.findall("cac:CreditNoteLine", NS)) == 2
    assert text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "160.00"


def test_debit_note_is_an_invoice_with_type_383(seller: Any) -> None:
    invoice = issued(seller, party=buyer(seller))
    note = actions.create_debit_note(
        SYSTEM, invoice, reason="Допълнителни часове", lines=[line("25")], issue=True
    ).document
    root = valid(ubl.build_ubl(note))
    assert etree.QName(root).localname == "Invoice"
    assert text(root, "cbc:InvoiceTypeCode") == "383"
    assert text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") == invoice.number
    assert text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "30.00"


def test_reverse_charge_to_an_eu_buyer(seller: Any) -> None:
    document = issued(seller, party=eu_client(seller), lines=[line("500", vat="eu_services")])
    root = valid(ubl.build_ubl(document))
    assert categories(root) == [("AE", "0", "500.00", "0.00")]
    category = root.find("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory", NS)
    assert text(category, "cbc:TaxExemptionReasonCode") == "VATEX-EU-AE"
    assert "обратно начисляване" in text(category, "cbc:TaxExemptionReason")
    customer = root.find("cac:AccountingCustomerParty/cac:Party", NS)
    assert text(customer, "cbc:EndpointID") == "DE136695976"
    assert customer.find("cbc:EndpointID", NS).get("schemeID") == "9930"
    assert text(customer, "cac:PostalAddress/cac:Country/cbc:IdentificationCode") == "DE"


def test_intra_eu_supply_of_goods_names_the_delivery(seller: Any) -> None:
    document = issued(seller, party=eu_client(seller), lines=[line("800", vat="eu_goods")])
    root = valid(ubl.build_ubl(document))
    assert categories(root) == [("K", "0", "800.00", "0.00")]
    assert (
        text(
            root, "cac:Delivery/cac:DeliveryLocation/cac:Address/cac:Country/cbc:IdentificationCode"
        )
        == "DE"
    )
    assert text(root, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:TaxExemptionReason") == (
        "чл. 53, ал. 1 от ЗДДС"
    )


def test_exempt_export_and_zero_rated_carry_their_legal_basis(seller: Any) -> None:
    from xfinances.catalog.models import VatTreatment

    VatTreatment.objects.create(
        company=seller,
        code="zero_173",
        name="Нулева ставка чл. 173",
        rate=Decimal("0.00"),
        legal_basis="чл. 173, ал. 1 от ЗДДС",
        nap_column="02-16",
    )
    document = issued(
        seller,
        party=buyer(seller),
        lines=[
            line("100", vat="exempt"),
            line("200", vat="export"),
            line("300", vat="zero_173"),
            line("10"),
        ],
    )
    root = valid(ubl.build_ubl(document))
    assert sorted(categories(root)) == [
        ("E", "0", "100.00", "0.00"),
        ("G", "0", "200.00", "0.00"),
        ("S", "20", "10.00", "2.00"),
        ("Z", "0", "300.00", "0.00"),
    ]
    reasons = texts(root, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:TaxExemptionReason")
    assert sorted(reasons) == ["чл. 28 от ЗДДС", "чл. 45 от ЗДДС"]
    assert "чл. 173, ал. 1 от ЗДДС" in text(root, "cbc:Note")  # Z may carry no reason (BR-Z-10)


def test_issuer_not_vat_registered_is_not_subject_to_vat(make_company: Any) -> None:
    small = make_company(name="Малка фирма ЕООД", vat_number="")
    document = issued(small, party=buyer(small), lines=[line("70", vat="not_registered")])
    xml = ubl.build_ubl(document)
    root = etree.fromstring(xml)
    assert ubl.validate_xsd(xml) == [] and check_en16931(xml) == []
    assert categories(root) == [("O", "", "70.00", "0.00")]
    assert root.find(".//cac:PartyTaxScheme", NS) is None  # BR-O-02: no VAT ids at all
    # Peppol needs an electronic address; a company without a VAT number has none to give.
    assert check_peppol(xml) == [
        "[PEPPOL-EN16931-R010] The buyer's electronic address is missing.",
        "[PEPPOL-EN16931-R020] The seller's electronic address is missing.",
    ]


def test_2025_invoice_in_bgn_and_usd_invoice_with_vat_in_eur(seller: Any) -> None:
    day = dt.date(2025, 12, 15)
    party = buyer(seller)
    bgn = issued(
        seller,
        party=party,
        currency="BGN",
        issue_date=day,
        tax_event_date=day,
        today=dt.date(2025, 12, 16),
    )
    root = valid(ubl.build_ubl(bgn))
    assert text(root, "cbc:DocumentCurrencyCode") == "BGN"
    assert {node.get("currencyID") for node in root.iter() if node.get("currencyID")} == {"BGN"}
    assert text(root, "cac:PaymentMeans/cbc:PaymentMeansCode") == "30"

    today = dt.date(2026, 11, 20)
    core_actions.load_reference_rates(SYSTEM, [(today, "USD", Decimal("1.0800"))], "ecb")
    usd = issued(
        seller,
        party=party,
        currency="USD",
        issue_date=today,
        tax_event_date=today,
        today=today,
    )
    root = valid(ubl.build_ubl(usd))
    assert text(root, "cbc:TaxCurrencyCode") == "EUR"
    amounts = [
        (node.get("currencyID"), node.text)
        for node in root.findall("cac:TaxTotal/cbc:TaxAmount", NS)
    ]
    assert amounts == [("USD", "20.00"), ("EUR", "18.52")]


def test_cash_payment_and_multiline_description(seller: Any) -> None:
    document = issued(
        seller,
        party=buyer(seller),
        payment_method="cash",
        lines=[line("12.3456", "1.5", description="Ремонт\nна климатик")],
    )
    root = valid(ubl.build_ubl(document))
    assert text(root, "cac:PaymentMeans/cbc:PaymentMeansCode") == "10"
    assert root.find("cac:PaymentMeans/cac:PayeeFinancialAccount", NS) is None
    item_line = root.find("cac:InvoiceLine", NS)
    assert text(item_line, "cac:Item/cbc:Name") == "Ремонт на климатик"
    assert text(item_line, "cac:Item/cbc:Description") == "Ремонт\nна климатик"
    assert text(item_line, "cac:Price/cbc:PriceAmount") == "12.3456"
    assert text(item_line, "cbc:LineExtensionAmount") == "18.52"


def test_only_issued_tax_documents_have_an_e_invoice(seller: Any) -> None:
    party = buyer(seller)
    with pytest.raises(ubl.UblError):
        ubl.build_ubl(draft(seller, party=party))
    proforma = issued(seller, kind="proforma", party=party)
    assert ubl.electronic_invoice(proforma) is None
    invoice = issued(seller, party=party)
    voided = actions.void_document(SYSTEM, issued(seller, party=party), reason="грешка").document
    assert ubl.electronic_invoice(voided) is None
    found = electronic_invoice_of(invoice)  # through the hook apps.py registers
    assert found is not None and found.filename == f"invoice-{invoice.number}.xml"
    assert found.content_type == "application/xml" and found.content == ubl.build_ubl(invoice)


def test_validate_xsd_reports_structure_errors() -> None:
    xml = (
        b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
        b'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
        b"<cbc:IssueDate>2026-01-01</cbc:IssueDate><cbc:ID>1</cbc:ID></Invoice>"
    )
    problems = ubl.validate_xsd(xml)
    assert problems and "line 1" in problems[0]
    assert ubl.validate_xsd(b"<a/>")[0].startswith("not a UBL 2.1")
    assert ubl.validate_xsd(b"<a")[0].startswith("not well-formed")


def test_final_invoice_deducting_an_advance_has_a_negative_line(seller: Any) -> None:
    party = buyer(seller)
    advance = issued(seller, party=party, is_advance=True, lines=[line("1000")])
    valid(ubl.build_ubl(advance))
    deduction = actions.advance_deduction_lines(advance)
    final = issued(seller, party=party, lines=[line("3000"), *deduction])
    root = valid(ubl.build_ubl(final))
    deducted = root.findall("cac:InvoiceLine", NS)[1]
    assert text(deducted, "cbc:InvoicedQuantity") == "-1"
    assert text(deducted, "cbc:LineExtensionAmount") == "-1000.00"
    assert text(deducted, "cac:Price/cbc:PriceAmount") == "1000"  # never negative (BR-27)
    assert categories(root) == [("S", "20", "2000.00", "400.00")]


def test_a_failing_build_offers_no_xml_instead_of_breaking_delivery(
    seller: Any, monkeypatch: Any, caplog: Any
) -> None:
    invoice = issued(seller, party=buyer(seller))

    def broken(document: Any) -> bytes:
        raise RuntimeError("defect")

    monkeypatch.setattr(ubl, "build_ubl", broken)
    assert ubl.electronic_invoice(invoice) is None
    assert f"document {invoice.pk}" in caplog.text
