"""The offline EN 16931 / Peppol checks (pure, no database): a valid document passes, and each
rule, broken on its own, is reported under its id."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from xfinances.accounting.ubl import validate_xsd
from xfinances.accounting.ubl_rules import check_en16931, check_peppol

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
PURCHASE_FIXTURES = Path(__file__).resolve().parents[2] / "purchases" / "tests" / "fixtures"

VALID = """<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
 <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>
 <cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>
 <cbc:ID>0000000042</cbc:ID>
 <cbc:IssueDate>2026-03-02</cbc:IssueDate>
 <cbc:DueDate>2026-03-16</cbc:DueDate>
 <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
 <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
 <cbc:BuyerReference>0000000042</cbc:BuyerReference>
 <cac:AccountingSupplierParty><cac:Party>
  <cbc:EndpointID schemeID="9926">BG131468980</cbc:EndpointID>
  <cac:PostalAddress><cbc:CityName>София</cbc:CityName>
   <cac:Country><cbc:IdentificationCode>BG</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
  <cac:PartyTaxScheme><cbc:CompanyID>BG131468980</cbc:CompanyID>
   <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
  <cac:PartyLegalEntity><cbc:RegistrationName>Алфа Трейд ООД</cbc:RegistrationName>
   <cbc:CompanyID>131468980</cbc:CompanyID></cac:PartyLegalEntity>
 </cac:Party></cac:AccountingSupplierParty>
 <cac:AccountingCustomerParty><cac:Party>
  <cbc:EndpointID schemeID="9926">BG205711599</cbc:EndpointID>
  <cac:PostalAddress><cbc:CityName>Пловдив</cbc:CityName>
   <cac:Country><cbc:IdentificationCode>BG</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
  <cac:PartyTaxScheme><cbc:CompanyID>BG205711599</cbc:CompanyID>
   <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
  <cac:PartyLegalEntity><cbc:RegistrationName>Бета Софт ЕООД</cbc:RegistrationName>
   <cbc:CompanyID>205711599</cbc:CompanyID></cac:PartyLegalEntity>
 </cac:Party></cac:AccountingCustomerParty>
 <cac:PaymentMeans><cbc:PaymentMeansCode>58</cbc:PaymentMeansCode>
  <cbc:PaymentID>RF18000000042</cbc:PaymentID>
  <cac:PayeeFinancialAccount><cbc:ID>BG80BNBG96611020345678</cbc:ID></cac:PayeeFinancialAccount>
 </cac:PaymentMeans>
 <cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator>
  <cbc:AllowanceChargeReason>Discount</cbc:AllowanceChargeReason>
  <cbc:Amount currencyID="EUR">10.00</cbc:Amount>
  <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>20</cbc:Percent>
   <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory>
 </cac:AllowanceCharge>
 <cac:TaxTotal><cbc:TaxAmount currencyID="EUR">38.00</cbc:TaxAmount>
  <cac:TaxSubtotal><cbc:TaxableAmount currencyID="EUR">190.00</cbc:TaxableAmount>
   <cbc:TaxAmount currencyID="EUR">38.00</cbc:TaxAmount>
   <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>20</cbc:Percent>
    <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory></cac:TaxSubtotal>
  <cac:TaxSubtotal><cbc:TaxableAmount currencyID="EUR">50.00</cbc:TaxableAmount>
   <cbc:TaxAmount currencyID="EUR">0.00</cbc:TaxAmount>
   <cac:TaxCategory><cbc:ID>E</cbc:ID><cbc:Percent>0</cbc:Percent>
    <cbc:TaxExemptionReason>чл. 45 от ЗДДС</cbc:TaxExemptionReason>
    <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory></cac:TaxSubtotal>
 </cac:TaxTotal>
 <cac:LegalMonetaryTotal>
  <cbc:LineExtensionAmount currencyID="EUR">250.00</cbc:LineExtensionAmount>
  <cbc:TaxExclusiveAmount currencyID="EUR">240.00</cbc:TaxExclusiveAmount>
  <cbc:TaxInclusiveAmount currencyID="EUR">278.00</cbc:TaxInclusiveAmount>
  <cbc:AllowanceTotalAmount currencyID="EUR">10.00</cbc:AllowanceTotalAmount>
  <cbc:PayableAmount currencyID="EUR">278.00</cbc:PayableAmount>
 </cac:LegalMonetaryTotal>
 <cac:InvoiceLine><cbc:ID>1</cbc:ID>
  <cbc:InvoicedQuantity unitCode="HUR">2</cbc:InvoicedQuantity>
  <cbc:LineExtensionAmount currencyID="EUR">200.00</cbc:LineExtensionAmount>
  <cac:Item><cbc:Name>Консултация</cbc:Name>
   <cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>20</cbc:Percent>
    <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory></cac:Item>
  <cac:Price><cbc:PriceAmount currencyID="EUR">100.00</cbc:PriceAmount></cac:Price>
 </cac:InvoiceLine>
 <cac:InvoiceLine><cbc:ID>2</cbc:ID>
  <cbc:InvoicedQuantity unitCode="H87">1</cbc:InvoicedQuantity>
  <cbc:LineExtensionAmount currencyID="EUR">50.00</cbc:LineExtensionAmount>
  <cac:Item><cbc:Name>Обучение</cbc:Name>
   <cac:ClassifiedTaxCategory><cbc:ID>E</cbc:ID><cbc:Percent>0</cbc:Percent>
    <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory></cac:Item>
  <cac:Price><cbc:PriceAmount currencyID="EUR">50.00</cbc:PriceAmount></cac:Price>
 </cac:InvoiceLine>
</Invoice>
""".encode()

Mutation = Callable[[etree._Element], None]


def mutated(change: Mutation) -> bytes:
    root = etree.fromstring(VALID)
    change(root)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def find(root: etree._Element, path: str) -> etree._Element:
    found = root.find(path, NS)
    assert found is not None, path
    return found


def remove(path: str) -> Mutation:
    def change(root: etree._Element) -> None:
        node = find(root, path)
        parent = node.getparent()
        assert parent is not None
        parent.remove(node)

    return change


def set_text(path: str, value: str) -> Mutation:
    def change(root: etree._Element) -> None:
        find(root, path).text = value

    return change


def both(*changes: Mutation) -> Mutation:
    def change(root: etree._Element) -> None:
        for one in changes:
            one(root)

    return change


def _add_after(path: str, name: str, value: str) -> Mutation:
    """A new cbc element right after `path` (its sibling, in schema order)."""

    def change(root: etree._Element) -> None:
        node = etree.Element(f"{{{NS['cbc']}}}{name}", currencyID="EUR")
        if name not in ("BaseAmount",):
            del node.attrib["currencyID"]
        node.text = value
        find(root, path).addnext(node)

    return change


SELLER = "cac:AccountingSupplierParty/cac:Party"
BUYER = "cac:AccountingCustomerParty/cac:Party"
TOTALS = "cac:LegalMonetaryTotal"
LINE1 = "cac:InvoiceLine[1]"
LINE2 = "cac:InvoiceLine[2]"
ROW_S = "cac:TaxTotal/cac:TaxSubtotal[1]"
ROW_E = "cac:TaxTotal/cac:TaxSubtotal[2]"


def _drop(node: etree._Element) -> None:
    parent = node.getparent()
    assert parent is not None, "the element to drop has a parent"
    parent.remove(node)


def _lines_as(category: str, percent: str | None, reason: str | None = None) -> Mutation:
    """Both lines and the second breakdown row in one category (the S row and the allowance go)."""

    def change(root: etree._Element) -> None:
        for path in ("cac:AllowanceCharge", ROW_S):
            node = find(root, path)
            _drop(node)
        find(root, f"{TOTALS}/cbc:TaxExclusiveAmount").text = "250.00"
        find(root, f"{TOTALS}/cbc:TaxInclusiveAmount").text = "250.00"
        find(root, f"{TOTALS}/cbc:PayableAmount").text = "250.00"
        allowance_total = find(root, f"{TOTALS}/cbc:AllowanceTotalAmount")
        _drop(allowance_total)
        find(root, "cac:TaxTotal/cbc:TaxAmount").text = "0.00"
        row = find(root, "cac:TaxTotal/cac:TaxSubtotal")
        find(row, "cbc:TaxableAmount").text = "250.00"
        categories = [find(row, "cac:TaxCategory")] + [
            find(root, f"{line}/cac:Item/cac:ClassifiedTaxCategory") for line in (LINE1, LINE2)
        ]
        for node in categories:
            find(node, "cbc:ID").text = category
            percent_node = node.find("cbc:Percent", NS)
            if percent is None and percent_node is not None:
                node.remove(percent_node)
            elif percent is not None and percent_node is not None:
                percent_node.text = percent
        reason_node = find(row, "cac:TaxCategory/cbc:TaxExemptionReason")
        if reason is None:
            _drop(reason_node)
        else:
            reason_node.text = reason

    return change


def test_the_valid_document_passes_every_check() -> None:
    assert validate_xsd(VALID) == []
    assert check_en16931(VALID) == []
    assert check_peppol(VALID) == []


@pytest.mark.parametrize(
    ("rule", "change"),
    [
        ("BR-01", remove("cbc:CustomizationID")),
        ("BR-02", set_text("cbc:ID", " ")),
        ("BR-03", remove("cbc:IssueDate")),
        ("BR-04", remove("cbc:InvoiceTypeCode")),
        ("BR-05", remove("cbc:DocumentCurrencyCode")),
        ("BR-06", remove(f"{SELLER}/cac:PartyLegalEntity/cbc:RegistrationName")),
        ("BR-07", remove(f"{BUYER}/cac:PartyLegalEntity/cbc:RegistrationName")),
        ("BR-08", remove(f"{SELLER}/cac:PostalAddress")),
        ("BR-09", remove(f"{SELLER}/cac:PostalAddress/cac:Country")),
        ("BR-10", remove(f"{BUYER}/cac:PostalAddress")),
        ("BR-11", remove(f"{BUYER}/cac:PostalAddress/cac:Country")),
        ("BR-12", remove(f"{TOTALS}/cbc:LineExtensionAmount")),
        ("BR-13", remove(f"{TOTALS}/cbc:TaxExclusiveAmount")),
        ("BR-14", remove(f"{TOTALS}/cbc:TaxInclusiveAmount")),
        ("BR-15", remove(f"{TOTALS}/cbc:PayableAmount")),
        ("BR-16", both(remove(LINE2), remove(LINE1))),
        ("BR-21", set_text(f"{LINE1}/cbc:ID", "")),
        ("BR-22", remove(f"{LINE1}/cbc:InvoicedQuantity")),
        ("BR-24", remove(f"{LINE1}/cbc:LineExtensionAmount")),
        ("BR-25", remove(f"{LINE1}/cac:Item/cbc:Name")),
        ("BR-26", remove(f"{LINE1}/cac:Price")),
        ("BR-27", set_text(f"{LINE1}/cac:Price/cbc:PriceAmount", "-100.00")),
        ("BR-32", remove("cac:AllowanceCharge/cac:TaxCategory")),
        ("BR-33", remove("cac:AllowanceCharge/cbc:AllowanceChargeReason")),
        ("BR-47", remove(f"{ROW_S}/cac:TaxCategory/cbc:ID")),
        ("BR-48", remove(f"{ROW_S}/cac:TaxCategory/cbc:Percent")),
        ("BR-49", remove("cac:PaymentMeans/cbc:PaymentMeansCode")),
        ("BR-61", remove("cac:PaymentMeans/cac:PayeeFinancialAccount")),
        ("BR-CO-04", remove(f"{LINE1}/cac:Item/cac:ClassifiedTaxCategory/cbc:ID")),
        ("BR-CO-09", set_text(f"{BUYER}/cac:PartyTaxScheme/cbc:CompanyID", "205711599")),
        ("BR-CO-10", set_text(f"{TOTALS}/cbc:LineExtensionAmount", "251.00")),
        ("BR-CO-11", set_text(f"{TOTALS}/cbc:AllowanceTotalAmount", "11.00")),
        ("BR-CO-13", set_text(f"{TOTALS}/cbc:TaxExclusiveAmount", "250.00")),
        ("BR-CO-14", set_text("cac:TaxTotal/cbc:TaxAmount", "38.01")),
        ("BR-CO-15", set_text(f"{TOTALS}/cbc:TaxInclusiveAmount", "279.00")),
        ("BR-CO-16", set_text(f"{TOTALS}/cbc:PayableAmount", "270.00")),
        ("BR-CO-17", set_text(f"{ROW_S}/cbc:TaxAmount", "40.00")),
        ("BR-CO-18", remove("cac:TaxTotal")),
        ("BR-CO-25", remove("cbc:DueDate")),
        (
            "BR-CO-26",
            both(
                remove(f"{SELLER}/cac:PartyTaxScheme"),
                remove(f"{SELLER}/cac:PartyLegalEntity/cbc:CompanyID"),
            ),
        ),
        ("BR-DEC-23", set_text(f"{LINE1}/cbc:LineExtensionAmount", "200.001")),
        ("BR-S-01", both(remove(ROW_S))),
        ("BR-S-02", remove(f"{SELLER}/cac:PartyTaxScheme")),
        ("BR-S-05", set_text(f"{LINE1}/cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", "0")),
        ("BR-S-08", set_text(f"{ROW_S}/cbc:TaxableAmount", "191.00")),
        (
            "BR-S-10",
            lambda root: etree.SubElement(
                find(root, f"{ROW_S}/cac:TaxCategory/cbc:Percent").getparent(),
                f"{{{NS['cbc']}}}TaxExemptionReason",
            ).__setattr__("text", "why"),
        ),
        ("BR-E-01", remove(ROW_E)),
        ("BR-E-05", set_text(f"{LINE2}/cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", "20")),
        ("BR-E-08", set_text(f"{ROW_E}/cbc:TaxableAmount", "49.00")),
        ("BR-E-09", set_text(f"{ROW_E}/cbc:TaxAmount", "1.00")),
        ("BR-E-10", remove(f"{ROW_E}/cac:TaxCategory/cbc:TaxExemptionReason")),
        ("BR-Z-10", _lines_as("Z", "0", reason="чл. 173")),
        ("BR-AE-10", _lines_as("AE", "0", reason=None)),
        (
            "BR-AE-02",
            both(
                _lines_as("AE", "0", reason="обратно начисляване"),
                remove(f"{BUYER}/cac:PartyTaxScheme"),
                remove(f"{BUYER}/cac:PartyLegalEntity/cbc:CompanyID"),
            ),
        ),
        (
            "BR-IC-02",
            both(_lines_as("K", "0", reason="ВОД"), remove(f"{BUYER}/cac:PartyTaxScheme")),
        ),
        ("BR-IC-12", _lines_as("K", "0", reason="ВОД")),
        ("BR-G-10", _lines_as("G", "0", reason=None)),
        ("BR-O-02", _lines_as("O", None, reason="чл. 113, ал. 9")),
    ],
)
def test_each_broken_rule_is_named(rule: str, change: Mutation) -> None:
    problems = check_en16931(mutated(change))
    assert any(p.startswith(f"[{rule}]") for p in problems), problems


def test_not_subject_to_vat_lines_carry_no_rate() -> None:
    def change(root: etree._Element) -> None:
        _lines_as("O", None, reason="чл. 113, ал. 9")(root)
        category = find(root, f"{LINE1}/cac:Item/cac:ClassifiedTaxCategory")
        rate = etree.Element(f"{{{NS['cbc']}}}Percent")
        rate.text = "0"
        find(category, "cbc:ID").addnext(rate)

    problems = check_en16931(mutated(change))
    assert any(p.startswith("[BR-O-05]") for p in problems), problems


def test_mixed_not_subject_to_vat_is_refused() -> None:
    def change(root: etree._Element) -> None:
        category = find(root, f"{ROW_E}/cac:TaxCategory")
        find(category, "cbc:ID").text = "O"
        category.remove(find(category, "cbc:Percent"))
        line_category = find(root, f"{LINE2}/cac:Item/cac:ClassifiedTaxCategory")
        find(line_category, "cbc:ID").text = "O"
        line_category.remove(find(line_category, "cbc:Percent"))

    problems = check_en16931(mutated(change))
    assert any(p.startswith("[BR-O-11]") for p in problems)
    assert any(p.startswith("[BR-O-12]") for p in problems)


@pytest.mark.parametrize(
    ("rule", "change"),
    [
        ("PEPPOL-EN16931-R001", remove("cbc:ProfileID")),
        ("PEPPOL-EN16931-R007", set_text("cbc:ProfileID", "urn:example:billing")),
        ("PEPPOL-EN16931-R003", remove("cbc:BuyerReference")),
        ("PEPPOL-EN16931-R010", remove(f"{BUYER}/cbc:EndpointID")),
        ("PEPPOL-EN16931-R020", remove(f"{SELLER}/cbc:EndpointID")),
        ("PEPPOL-EN16931-R008", set_text(f"{SELLER}/cac:PostalAddress/cbc:CityName", "")),
        (
            "PEPPOL-EN16931-R051",
            lambda root: find(root, f"{LINE1}/cbc:LineExtensionAmount").set("currencyID", "BGN"),
        ),
        ("PEPPOL-EN16931-R120", set_text(f"{LINE1}/cac:Price/cbc:PriceAmount", "90.00")),
        ("PEPPOL-EN16931-R004", set_text("cbc:CustomizationID", "urn:cen.eu:en16931:2017")),
        ("PEPPOL-EN16931-P0100", set_text("cbc:InvoiceTypeCode", "999")),
        ("PEPPOL-EN16931-F001", set_text("cbc:DueDate", "16.03.2026")),
        (
            "PEPPOL-EN16931-CL008",
            lambda root: find(root, f"{BUYER}/cbc:EndpointID").set("schemeID", "EM"),
        ),
        ("PEPPOL-EN16931-R043", set_text("cac:AllowanceCharge/cbc:ChargeIndicator", "0")),
        (
            "PEPPOL-EN16931-R041",
            _add_after(
                "cac:AllowanceCharge/cbc:AllowanceChargeReason", "MultiplierFactorNumeric", "5"
            ),
        ),
        (
            "PEPPOL-EN16931-R042",
            _add_after("cac:AllowanceCharge/cbc:Amount", "BaseAmount", "200.00"),
        ),
        (
            "PEPPOL-EN16931-R040",
            both(
                _add_after(
                    "cac:AllowanceCharge/cbc:AllowanceChargeReason", "MultiplierFactorNumeric", "10"
                ),
                _add_after("cac:AllowanceCharge/cbc:Amount", "BaseAmount", "200.00"),
            ),
        ),
        (
            "PEPPOL-EN16931-R121",
            _add_after(f"{LINE1}/cac:Price/cbc:PriceAmount", "BaseQuantity", "0"),
        ),
        (
            "PEPPOL-EN16931-R005",
            _add_after("cbc:DocumentCurrencyCode", "TaxCurrencyCode", "EUR"),
        ),
        ("PEPPOL-EN16931-R054", _add_after("cbc:DocumentCurrencyCode", "TaxCurrencyCode", "BGN")),
    ],
)
def test_each_broken_peppol_rule_is_named(rule: str, change: Mutation) -> None:
    problems = check_peppol(mutated(change))
    assert any(p.startswith(f"[{rule}]") for p in problems), problems


def test_unreadable_input_gives_one_clear_message() -> None:
    assert check_en16931(b"not xml")[0].startswith("[UBL] Not well-formed")
    assert check_en16931(b"<a/>") == ["[UBL] Not a UBL 2.1 Invoice or CreditNote."]
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    assert "entities" in check_en16931(bomb)[0]
    assert check_peppol(b"")[0].startswith("[UBL]")
    assert any(
        "not a number" in p
        for p in check_en16931(mutated(set_text(f"{TOTALS}/cbc:PayableAmount", "abc")))
    )


def test_the_purchase_fixture_invoice_meets_en16931() -> None:
    """Our importer's own sample meets EN 16931 (it lacks only Peppol's buyer endpoint)."""
    xml = (PURCHASE_FIXTURES / "invoice_bg.xml").read_bytes()
    assert check_en16931(xml) == []
    assert check_peppol(xml) == ["[PEPPOL-EN16931-R010] The buyer's electronic address is missing."]
