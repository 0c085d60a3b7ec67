"""UBL 2.1 e-invoices (Peppol BIS Billing 3.0, EN 16931) of issued sales documents.

`build_ubl(document)` reads an issued invoice, debit note or credit note (the frozen snapshot
columns, its lines and its VAT breakdown; nothing is written) and returns the XML bytes:
an `Invoice` (type code 380 invoice, 383 debit note) or a `CreditNote` (381). `validate_xsd`
checks the bytes against the vendored OASIS UBL 2.1 schemas (`schemas/ubl-2.1`, loaded once);
`ubl_rules.check_en16931` checks the business rules that need no network.

`electronic_invoice(document=...)` answers the `invoicing.electronic_invoices` hook (registered
in `apps.py`): the portal's XML download and the e-mail attachment use it.

How our data maps to EN 16931 (docs/decisions/0012-ubl-einvoices.md has the reasons):
- VAT category (BT-118/151) from the treatment frozen on the line and the VAT group: a rate
  above 0 → S; reverse charge → AE; 0 % in ledger column 02-15 (ВОД) → K, 02-14 (export) → G,
  other 0 % → Z; no rate and not reverse charge: exempt (02-19 or any column) → E, a company
  that is not VAT registered (no VAT number) → O. The treatment's legal basis is the exemption
  reason text (BT-120); AE, K, G and O also carry their VATEX code (BT-121). Z may carry no
  reason (BR-Z-10), so its legal basis goes into the document note.
- Seller and buyer: the VAT number in PartyTaxScheme (BT-31/48), the ЕИК as the legal
  registration identifier (BT-30/47), the Peppol electronic address (BT-34/49) is the VAT number
  under its EAS scheme (9926 for BG).
- Amounts are in the document currency (EUR, BGN for documents up to 2025, or another
  currency; then the VAT is also stated in EUR, or BGN before 2026, as BT-111).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from lxml import etree

from xfinances.accounting.ubl_rules import check_en16931
from xfinances.core.money import CENT, eur_to_bgn
from xfinances.invoicing import queries as invoicing_queries
from xfinances.invoicing.events import ElectronicInvoice
from xfinances.invoicing.models import (
    Document,
    DocumentKind,
    DocumentLine,
    DocumentStatus,
    DocumentVatGroup,
    PaymentMethod,
)

logger = logging.getLogger(__name__)

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS = {"cac": CAC, "cbc": CBC}

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"

#: Kinds that have an e-invoice (a proforma and an art. 117 protocol are not sent as invoices).
UBL_KINDS = frozenset({DocumentKind.INVOICE, DocumentKind.DEBIT_NOTE, DocumentKind.CREDIT_NOTE})
TYPE_CODES = {
    DocumentKind.INVOICE: "380",
    DocumentKind.DEBIT_NOTE: "383",
    DocumentKind.CREDIT_NOTE: "381",
}

#: Our units (catalog.Unit) → UN/ECE Recommendation 20 (and 21, X-prefixed) codes.
UNIT_CODES = {
    "pcs": "H87",
    "service": "E48",
    "h": "HUR",
    "day": "DAY",
    "month": "MON",
    "kg": "KGM",
    "g": "GRM",
    "t": "TNE",
    "m": "MTR",
    "m2": "MTK",
    "m3": "MTQ",
    "l": "LTR",
    "km": "KMT",
    "set": "SET",
    "pack": "XPK",
}
DEFAULT_UNIT_CODE = "C62"  # "one"

#: Peppol electronic address schemes (EAS) of the VAT numbers of EU member states.
VAT_SCHEMES = {
    "AT": "9914",
    "BE": "9925",
    "BG": "9926",
    "CY": "9928",
    "CZ": "9929",
    "DE": "9930",
    "EE": "9931",
    "EL": "9933",
    "ES": "9920",
    "FR": "9957",
    "HR": "9934",
    "HU": "9910",
    "IE": "9935",
    "IT": "0211",
    "LT": "9937",
    "LU": "9938",
    "LV": "9939",
    "MT": "9943",
    "NL": "9944",
    "PL": "9945",
    "PT": "9946",
    "RO": "9947",
    "SI": "9949",
    "SK": "9950",
}

#: VAT categories (UNCL5305) and the VATEX exemption reason codes we give with them.
STANDARD, ZERO, EXEMPT, REVERSE, INTRA_EU, EXPORT, OUTSIDE = "S", "Z", "E", "AE", "K", "G", "O"
VATEX = {
    REVERSE: "VATEX-EU-AE",
    INTRA_EU: "VATEX-EU-IC",
    EXPORT: "VATEX-EU-G",
    OUTSIDE: "VATEX-EU-O",
}
REASON_TEXTS = {
    REVERSE: "Reverse charge / обратно начисляване",
    INTRA_EU: "Intra-community supply / вътреобщностна доставка",
    EXPORT: "Export outside the EU / износ",
    OUTSIDE: "Not subject to VAT / не е регистриран по ЗДДС",
}

PAYMENT_MEANS: dict[str, str] = {
    PaymentMethod.CASH: "10",
    PaymentMethod.CASH_ON_DELIVERY: "10",
    PaymentMethod.CARD: "48",
    PaymentMethod.OFFSET: "97",
}
SEPA_CREDIT_TRANSFER = "58"
CREDIT_TRANSFER = "30"
NOT_DEFINED = "1"
DISCOUNT_REASON_CODE = "95"

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas" / "ubl-2.1" / "maindoc"
SCHEMA_FILES = {
    INVOICE_NS: SCHEMA_DIR / "UBL-Invoice-2.1.xsd",
    CREDIT_NOTE_NS: SCHEMA_DIR / "UBL-CreditNote-2.1.xsd",
}

EURO_DAY = dt.date(2026, 1, 1)


class UblError(ValueError):
    """A document that has no e-invoice (a draft, a proforma, a voided document)."""


# --- VAT categories ----------------------------------------------------------------------------


def vat_category(
    *, rate: Decimal | None, reverse_charge: bool, nap_column: str, seller_vat_number: str
) -> str:
    """The EN 16931 VAT category of a frozen treatment (see the module docstring)."""
    if reverse_charge:
        return REVERSE
    if rate is not None and rate > 0:
        return STANDARD
    if rate is not None:
        if nap_column == "02-15":
            return INTRA_EU
        if nap_column == "02-14":
            return EXPORT
        return ZERO
    if not seller_vat_number:
        return OUTSIDE
    return EXEMPT


@dataclass
class _Category:
    """One row of the VAT breakdown: the document's VAT groups of one category and rate."""

    code: str
    percent: Decimal
    base: Decimal = Decimal("0.00")
    vat: Decimal = Decimal("0.00")
    lines_net: Decimal = Decimal("0.00")
    discount: Decimal = Decimal("0.00")
    reasons: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, Decimal]:
        return (self.code, self.percent)


def _percent_of(code: str, rate: Decimal | None) -> Decimal:
    return (rate or Decimal("0")) if code == STANDARD else Decimal("0")


# --- formatting --------------------------------------------------------------------------------


def _amount(value: Decimal) -> str:
    return f"{value.quantize(CENT):f}"


def _number(value: Decimal) -> str:
    """A quantity, price or percentage without trailing zeros or an exponent."""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _sub(
    parent: etree._Element, tag: str, text: str | None = None, **attrib: str
) -> etree._Element:
    prefix, name = tag.split(":")
    element = etree.SubElement(parent, f"{{{NS[prefix]}}}{name}", attrib)
    if text is not None:
        element.text = text
    return element


def _text(parent: etree._Element, tag: str, text: str, **attrib: str) -> None:
    """A basic element, left out when there is nothing to say (Peppol: no empty elements)."""
    text = (text or "").strip()
    if text:
        _sub(parent, tag, text, **attrib)


def _money(parent: etree._Element, tag: str, value: Decimal, currency: str) -> None:
    _sub(parent, tag, _amount(value), currencyID=currency)


# --- parties -----------------------------------------------------------------------------------


def _vat_scheme(vat_number: str) -> str:
    return VAT_SCHEMES.get(vat_number[:2].upper(), "")


def _address(party: etree._Element, street: str, city: str, postcode: str, country: str) -> None:
    address = _sub(party, "cac:PostalAddress")
    _text(address, "cbc:StreetName", street)
    _text(address, "cbc:CityName", city)
    _text(address, "cbc:PostalZone", postcode)
    _sub(_sub(address, "cac:Country"), "cbc:IdentificationCode", (country or "BG").upper())


def _party(
    parent: etree._Element,
    *,
    name: str,
    name_latin: str,
    vat_number: str,
    eik: str,
    street: str,
    city: str,
    postcode: str,
    country: str,
    email: str,
    contact: str = "",
) -> None:
    party = _sub(parent, "cac:Party")
    vat_number = vat_number.replace(" ", "").upper()
    scheme = _vat_scheme(vat_number) if vat_number else ""
    if scheme:
        _sub(party, "cbc:EndpointID", vat_number, schemeID=scheme)
    if name_latin.strip() and name_latin.strip() != name.strip():
        _text(_sub(party, "cac:PartyName"), "cbc:Name", name_latin)
    _address(party, street, city, postcode, country)
    if vat_number:
        tax = _sub(party, "cac:PartyTaxScheme")
        _sub(tax, "cbc:CompanyID", vat_number)
        _sub(_sub(tax, "cac:TaxScheme"), "cbc:ID", "VAT")
    legal = _sub(party, "cac:PartyLegalEntity")
    _sub(legal, "cbc:RegistrationName", name.strip() or "-")
    _text(legal, "cbc:CompanyID", eik)
    if email.strip() or contact.strip():
        person = _sub(party, "cac:Contact")
        _text(person, "cbc:Name", contact)
        _text(person, "cbc:ElectronicMail", email)


# --- the document ------------------------------------------------------------------------------


def _categories(
    document: Document, groups: Iterable[DocumentVatGroup], seller_vat: str
) -> list[_Category]:
    merged: dict[tuple[str, Decimal], _Category] = {}
    for group in groups:
        code = vat_category(
            rate=group.vat_rate,
            reverse_charge=group.reverse_charge,
            nap_column=group.nap_column,
            seller_vat_number=seller_vat,
        )
        row = _Category(code=code, percent=_percent_of(code, group.vat_rate))
        row = merged.setdefault(row.key, row)
        row.base += group.base
        row.vat += group.vat
        row.lines_net += group.lines_net
        row.discount += group.document_discount
        basis = (group.legal_basis or "").strip()
        if basis and basis not in row.reasons:
            row.reasons.append(basis)
    return list(merged.values())


def _line_category(line: DocumentLine, seller_vat: str) -> tuple[str, Decimal]:
    code = vat_category(
        rate=line.vat_rate,
        reverse_charge=line.reverse_charge,
        nap_column=line.nap_column,
        seller_vat_number=seller_vat,
    )
    return code, _percent_of(code, line.vat_rate)


def _tax_category(parent: etree._Element, tag: str, code: str, percent: Decimal) -> etree._Element:
    category = _sub(parent, tag)
    _sub(category, "cbc:ID", code)
    if code != OUTSIDE:
        _sub(category, "cbc:Percent", _number(percent))
    return category


def _note(document: Document, categories: list[_Category]) -> str:
    parts = []
    if document.is_note and document.note_reason.strip():
        parts.append(document.note_reason.strip())
    for row in categories:
        if row.code == ZERO:
            parts.extend(row.reasons)
    if document.notes.strip():
        parts.append(document.notes.strip())
    return "\n".join(parts)


def _accounting_currency(document: Document) -> str:
    return "EUR" if document.issue_date >= EURO_DAY else "BGN"


def _payment_means(root: etree._Element, document: Document) -> None:
    accounts = [a for a in (document.supplier_bank_accounts or []) if (a or {}).get("iban")]
    reference = document.rf_reference or document.number or ""
    if document.payment_method == PaymentMethod.BANK_TRANSFER and accounts:
        code = SEPA_CREDIT_TRANSFER if document.currency == "EUR" else CREDIT_TRANSFER
    elif document.payment_method == PaymentMethod.BANK_TRANSFER:
        code = NOT_DEFINED
    else:
        code = PAYMENT_MEANS.get(document.payment_method, NOT_DEFINED)
    means = _sub(root, "cac:PaymentMeans")
    _sub(means, "cbc:PaymentMeansCode", code)
    if document.kind == DocumentKind.CREDIT_NOTE and document.due_date:
        # A CreditNote has no header DueDate in UBL 2.1; Peppol puts it here.
        _sub(means, "cbc:PaymentDueDate", document.due_date.isoformat())
    _text(means, "cbc:PaymentID", reference)
    if code in (SEPA_CREDIT_TRANSFER, CREDIT_TRANSFER):
        first = accounts[0]
        account = _sub(means, "cac:PayeeFinancialAccount")
        _sub(account, "cbc:ID", str(first["iban"]).replace(" ", "").upper())
        _text(account, "cbc:Name", document.supplier_name)
        if first.get("bic"):
            branch = _sub(account, "cac:FinancialInstitutionBranch")
            _sub(branch, "cbc:ID", str(first["bic"]).strip().upper())


def _payment_terms(document: Document) -> str:
    if document.kind == DocumentKind.CREDIT_NOTE:
        return f"Credit note to invoice {document.corrected_number} / Кредитно известие"
    if document.due_date:
        return f"Due {document.due_date:%d.%m.%Y} / Падеж {document.due_date:%d.%m.%Y}"
    return "Payable on receipt / Платимо при получаване"


def _line(
    root: etree._Element,
    line: DocumentLine,
    position: int,
    document: Document,
    seller_vat: str,
    credit: bool,
) -> None:
    currency = document.currency
    item_line = _sub(root, "cac:CreditNoteLine" if credit else "cac:InvoiceLine")
    _sub(item_line, "cbc:ID", str(position))
    quantity, price = line.quantity, line.unit_price
    if price < 0:  # a deducted advance: the price stays positive (BR-27), the quantity turns
        quantity, price = -quantity, -price
    _sub(
        item_line,
        "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity",
        _number(quantity),
        unitCode=UNIT_CODES.get(line.unit, DEFAULT_UNIT_CODE),
    )
    _money(item_line, "cbc:LineExtensionAmount", line.net, currency)
    if line.discount and line.discount > 0:
        allowance = _sub(item_line, "cac:AllowanceCharge")
        _sub(allowance, "cbc:ChargeIndicator", "false")
        _sub(allowance, "cbc:AllowanceChargeReasonCode", DISCOUNT_REASON_CODE)
        _sub(allowance, "cbc:AllowanceChargeReason", "Discount / Отстъпка")
        _sub(allowance, "cbc:MultiplierFactorNumeric", _number(line.discount_percent))
        _money(allowance, "cbc:Amount", line.discount, currency)
        _money(allowance, "cbc:BaseAmount", line.gross, currency)
    item = _sub(item_line, "cac:Item")
    description = " ".join(line.description.split()) or "-"
    if description != line.description.strip():
        _text(item, "cbc:Description", line.description)
    _sub(item, "cbc:Name", description[:200])
    code, percent = _line_category(line, seller_vat)
    category = _tax_category(item, "cac:ClassifiedTaxCategory", code, percent)
    _sub(_sub(category, "cac:TaxScheme"), "cbc:ID", "VAT")
    _sub(_sub(item_line, "cac:Price"), "cbc:PriceAmount", _number(price), currencyID=currency)


def _header(
    root: etree._Element, document: Document, categories: list[_Category], credit: bool
) -> tuple[bool, str]:
    """Identification, dates, type, notes, currencies, the buyer and billing references.
    Returns whether the document is in a foreign currency, and the VAT accounting currency."""
    _sub(root, "cbc:CustomizationID", CUSTOMIZATION_ID)
    _sub(root, "cbc:ProfileID", PROFILE_ID)
    _sub(root, "cbc:ID", document.number)
    _sub(root, "cbc:IssueDate", document.issue_date.isoformat())
    if credit:
        _sub(root, "cbc:TaxPointDate", document.tax_event_date.isoformat())
        _sub(root, "cbc:CreditNoteTypeCode", TYPE_CODES[DocumentKind.CREDIT_NOTE])
        _text(root, "cbc:Note", _note(document, categories))
    else:
        if document.due_date:
            _sub(root, "cbc:DueDate", document.due_date.isoformat())
        _sub(root, "cbc:InvoiceTypeCode", TYPE_CODES[DocumentKind(document.kind)])
        _text(root, "cbc:Note", _note(document, categories))
        _sub(root, "cbc:TaxPointDate", document.tax_event_date.isoformat())
    currency = document.currency
    _sub(root, "cbc:DocumentCurrencyCode", currency)
    accounting_currency = _accounting_currency(document)
    foreign = currency != accounting_currency and currency not in ("EUR", "BGN")
    if foreign:
        _sub(root, "cbc:TaxCurrencyCode", accounting_currency)
    # Peppol asks for a buyer reference or an order; ours is the document number.
    _sub(root, "cbc:BuyerReference", document.number)
    if document.corrected_number:
        reference = _sub(_sub(root, "cac:BillingReference"), "cac:InvoiceDocumentReference")
        _sub(reference, "cbc:ID", document.corrected_number)
        if document.corrected_issue_date:
            _sub(reference, "cbc:IssueDate", document.corrected_issue_date.isoformat())
    return foreign, accounting_currency


def _parties(root: etree._Element, document: Document, seller_vat: str, outside: bool) -> None:
    _party(
        _sub(root, "cac:AccountingSupplierParty"),
        name=document.supplier_name,
        name_latin=document.supplier_name_latin,
        vat_number=seller_vat,
        eik=document.supplier_eik,
        street=document.supplier_address,
        city=document.supplier_city,
        postcode=document.supplier_postcode,
        country=document.supplier_country,
        email=document.company.email,
        contact=document.supplier_mol,
    )
    _party(
        _sub(root, "cac:AccountingCustomerParty"),
        name=document.recipient_name,
        name_latin=document.recipient_name_latin,
        # Not subject to VAT: the buyer's VAT number must not appear either (BR-O-02).
        vat_number="" if outside else document.recipient_vat_number,
        eik=document.recipient_eik,
        street=document.recipient_address,
        city=document.recipient_city,
        postcode=document.recipient_postcode,
        country=document.recipient_country,
        email=document.recipient_email,
        contact=document.recipient_mol,
    )


def _delivery_and_payment(
    root: etree._Element, document: Document, categories: list[_Category]
) -> None:
    delivery = _sub(root, "cac:Delivery")
    _sub(delivery, "cbc:ActualDeliveryDate", document.tax_event_date.isoformat())
    if any(row.code == INTRA_EU for row in categories):  # BR-IC-12: the deliver-to country
        address = _sub(_sub(delivery, "cac:DeliveryLocation"), "cac:Address")
        country = (document.recipient_country or "BG").upper()
        _sub(_sub(address, "cac:Country"), "cbc:IdentificationCode", country)
    _payment_means(root, document)
    # BR-CO-25: an amount due needs a due date or payment terms; a credit note has no header
    # due date, so the terms are always given.
    _sub(_sub(root, "cac:PaymentTerms"), "cbc:Note", _payment_terms(document))


def _document_allowances(
    root: etree._Element, document: Document, categories: list[_Category]
) -> None:
    """The document discount, one allowance per VAT category it reduces."""
    currency = document.currency
    for row in categories:
        if row.discount == 0:
            continue
        allowance = _sub(root, "cac:AllowanceCharge")
        _sub(allowance, "cbc:ChargeIndicator", "false")
        _sub(allowance, "cbc:AllowanceChargeReasonCode", DISCOUNT_REASON_CODE)
        _sub(allowance, "cbc:AllowanceChargeReason", "Discount / Отстъпка")
        _sub(allowance, "cbc:MultiplierFactorNumeric", _number(document.document_discount_percent))
        _money(allowance, "cbc:Amount", row.discount, currency)
        _money(allowance, "cbc:BaseAmount", row.lines_net, currency)
        category = _tax_category(allowance, "cac:TaxCategory", row.code, row.percent)
        _sub(_sub(category, "cac:TaxScheme"), "cbc:ID", "VAT")


def _tax_totals(
    root: etree._Element,
    document: Document,
    categories: list[_Category],
    foreign: bool,
    accounting_currency: str,
) -> None:
    """The VAT breakdown, and the VAT in the accounting currency of a foreign-currency one."""
    currency = document.currency
    tax_total = _sub(root, "cac:TaxTotal")
    _money(tax_total, "cbc:TaxAmount", document.vat, currency)
    for row in categories:
        subtotal = _sub(tax_total, "cac:TaxSubtotal")
        _money(subtotal, "cbc:TaxableAmount", row.base, currency)
        _money(subtotal, "cbc:TaxAmount", row.vat, currency)
        category = _tax_category(subtotal, "cac:TaxCategory", row.code, row.percent)
        if row.code in VATEX:
            _sub(category, "cbc:TaxExemptionReasonCode", VATEX[row.code])
        if row.code not in (STANDARD, ZERO):
            reason = "; ".join(row.reasons) or REASON_TEXTS.get(row.code, "")
            _text(category, "cbc:TaxExemptionReason", reason)
        _sub(_sub(category, "cac:TaxScheme"), "cbc:ID", "VAT")
    if foreign:
        accounting_vat = document.eur_vat
        if accounting_currency == "BGN":
            accounting_vat = eur_to_bgn(document.eur_vat)
        _money(_sub(root, "cac:TaxTotal"), "cbc:TaxAmount", accounting_vat, accounting_currency)


def _monetary_totals(
    root: etree._Element, document: Document, lines: list[DocumentLine], categories: list[_Category]
) -> None:
    currency = document.currency
    totals = _sub(root, "cac:LegalMonetaryTotal")
    lines_net = sum((line.net for line in lines), Decimal("0.00"))
    discount = sum((row.discount for row in categories), Decimal("0.00"))
    _money(totals, "cbc:LineExtensionAmount", lines_net, currency)
    _money(totals, "cbc:TaxExclusiveAmount", document.base, currency)
    _money(totals, "cbc:TaxInclusiveAmount", document.total, currency)
    if discount:
        _money(totals, "cbc:AllowanceTotalAmount", discount, currency)
    _money(totals, "cbc:PayableAmount", document.total, currency)


def build_ubl(document: Document) -> bytes:
    """The UBL 2.1 XML of an issued invoice, debit note or credit note (UTF-8, declaration).
    Elements are written in the order the UBL schema requires."""
    if document.kind not in UBL_KINDS:
        raise UblError(f"a {document.kind} has no e-invoice")
    if document.status != DocumentStatus.ISSUED or not document.number:
        raise UblError("only an issued document has an e-invoice")
    credit = document.kind == DocumentKind.CREDIT_NOTE
    namespace = CREDIT_NOTE_NS if credit else INVOICE_NS
    root = etree.Element(
        f"{{{namespace}}}{'CreditNote' if credit else 'Invoice'}",
        nsmap={None: namespace, "cac": CAC, "cbc": CBC},
    )
    seller_vat = (document.supplier_vat_number or "").replace(" ", "").upper()
    lines = list(invoicing_queries.lines_of(document))
    groups = list(
        DocumentVatGroup.objects.filter(
            company_id=document.company_id, document_id=document.pk
        ).order_by("id")
    )
    categories = _categories(document, groups, seller_vat)
    foreign, accounting_currency = _header(root, document, categories, credit)
    _parties(root, document, seller_vat, any(row.code == OUTSIDE for row in categories))
    _delivery_and_payment(root, document, categories)
    _document_allowances(root, document, categories)
    _tax_totals(root, document, categories, foreign, accounting_currency)
    _monetary_totals(root, document, lines, categories)
    for position, line in enumerate(lines, start=1):
        _line(root, line, position, document, seller_vat, credit)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def ubl_filename(document: Document) -> str:
    return f"{document.kind}-{document.number or document.pk}.xml"


# --- validation --------------------------------------------------------------------------------

_SCHEMA_PARSER = etree.XMLParser(no_network=True, resolve_entities=False)
_DOCUMENT_PARSER = etree.XMLParser(
    no_network=True, resolve_entities=False, load_dtd=False, huge_tree=False
)


@functools.cache
def _schema(namespace: str) -> etree.XMLSchema:
    """The UBL 2.1 schema of a root namespace, parsed once per process (about 0.1 s)."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_FILES[namespace]), _SCHEMA_PARSER))


def validate_xsd(xml: bytes) -> list[str]:
    """Problems against the UBL 2.1 XSD ("line N: message"); empty when the XML is valid."""
    try:
        root = etree.fromstring(xml, _DOCUMENT_PARSER)
    except etree.XMLSyntaxError as error:
        return [f"not well-formed XML: {error}"]
    namespace = etree.QName(root).namespace or ""
    if namespace not in SCHEMA_FILES:
        return [
            f"not a UBL 2.1 Invoice or CreditNote: {{{namespace}}}{etree.QName(root).localname}"
        ]
    schema = _schema(namespace)
    if schema.validate(root):
        return []
    return [f"line {entry.line}: {entry.message}" for entry in schema.error_log]


# --- the hook ----------------------------------------------------------------------------------


def electronic_invoice(document: Document) -> ElectronicInvoice | None:
    """`invoicing.electronic_invoices` provider: the UBL of an issued tax document, or None."""
    if document.kind not in UBL_KINDS or document.status != DocumentStatus.ISSUED:
        return None
    try:
        content = build_ubl(document)
    except Exception:
        # The XML is an extra: a defect here must not stop the e-mail with the PDF or break
        # the portal page. It is logged with the document id and the download is not offered.
        logger.exception("could not build the e-invoice of document %s", document.pk)
        return None
    problems = validate_xsd(content) + check_en16931(content)
    if problems:
        logger.warning(
            "e-invoice of document %s has problems: %s", document.pk, "; ".join(problems[:5])
        )
    return ElectronicInvoice(filename=ubl_filename(document), content=content)
