"""Reading a supplier's UBL 2.1 invoice or credit note (Peppol BIS Billing 3.0). Pure: bytes in,
a typed record and errors out; nothing is written (the form is filled from the record and the
user confirms).

XML safety: lxml with entity resolution, DTD loading and network access off.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from lxml import etree

from xfinances.core import formatting
from xfinances.core.readers import MAX_AMOUNT

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
MAX_BYTES = 25 * 1024 * 1024
DEBIT_NOTE_TYPE_CODES = {"383", "384"}
CREDIT_NOTE_TYPE_CODES = {"381", "396", "532"}

_XSD_DECIMAL = re.compile(r"[+-]?(\d{1,40}(\.\d{0,40})?|\.\d{1,40})", re.ASCII)

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
)


@dataclass(frozen=True)
class UblSupplier:
    name: str
    vat_number: str = ""
    eik: str = ""
    iban: str = ""
    bic: str = ""
    country: str = ""
    city: str = ""
    postcode: str = ""
    address: str = ""
    email: str = ""


@dataclass(frozen=True)
class UblVatRow:
    vat_rate: Decimal
    base: Decimal
    vat: Decimal
    category: str  # UNCL5305: S standard, Z zero, E exempt, AE reverse charge, K intra-EU …


@dataclass(frozen=True)
class UblAttachment:
    filename: str
    mime_type: str
    content: bytes


@dataclass
class UblDocument:
    kind: str  # invoice / credit_note / debit_note (SupplierDocumentKind values)
    number: str
    issue_date: dt.date
    tax_event_date: dt.date
    due_date: dt.date | None
    currency: str
    supplier: UblSupplier
    buyer_vat_number: str
    buyer_eik: str
    rows: list[UblVatRow]
    total_base: Decimal
    total_vat: Decimal
    total: Decimal
    payable: Decimal
    corrected_number: str = ""
    payment_reference: str = ""
    note: str = ""
    attachments: list[UblAttachment] = field(default_factory=list)


@dataclass
class UblResult:
    document: UblDocument | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _text(node: etree._Element, path: str) -> str:
    found = node.find(path, NS)
    return (found.text or "").strip() if found is not None else ""


def _amount(node: etree._Element, path: str, what: str, errors: list[str]) -> Decimal:
    text = _text(node, path)
    if not text:
        return Decimal("0.00")
    # xsd:decimal only: Python's Decimal would also take NaN, Infinity and 1E+999999999,
    # which break the sums below (and every page that shows them).
    if not _XSD_DECIMAL.fullmatch(text):
        errors.append(_("%(what)s is not a number: %(text)s") % {"what": what, "text": text[:30]})
        return Decimal("0.00")
    try:
        value = Decimal(text)
    except InvalidOperation:
        errors.append(_("%(what)s is not a number: %(text)s") % {"what": what, "text": text[:30]})
        return Decimal("0.00")
    if abs(value) > MAX_AMOUNT:
        errors.append(_("%(what)s is too large: %(text)s") % {"what": what, "text": text[:30]})
        return Decimal("0.00")
    return value


def _date(text: str, what: str, errors: list[str], required: bool = False) -> dt.date | None:
    if not text:
        if required:
            errors.append(_("The document has no %(what)s.") % {"what": what})
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        errors.append(_("%(what)s is not a date: %(text)s") % {"what": what, "text": text[:30]})
        return None


def eik_from_vat(vat_number: str) -> str:
    """BG123456789 → 123456789 (a Bulgarian VAT number is BG + ЕИК or ЕГН)."""
    match = re.fullmatch(r"BG(\d{9,10})", vat_number.replace(" ", "").upper())
    return match.group(1) if match else ""


def _party(party: etree._Element | None) -> tuple[UblSupplier, list[str]]:
    if party is None:
        return UblSupplier(name=""), []
    name = _text(party, "cac:PartyLegalEntity/cbc:RegistrationName") or _text(
        party, "cac:PartyName/cbc:Name"
    )
    vat = ""
    for scheme in party.findall("cac:PartyTaxScheme", NS):
        value = _text(scheme, "cbc:CompanyID").replace(" ", "").upper()
        if value and (_text(scheme, "cac:TaxScheme/cbc:ID").upper() in ("VAT", "") or not vat):
            vat = value
    legal_id = _text(party, "cac:PartyLegalEntity/cbc:CompanyID").replace(" ", "")
    eik = legal_id if re.fullmatch(r"\d{9}|\d{13}", legal_id) else eik_from_vat(vat)
    if not eik:
        for identification in party.findall("cac:PartyIdentification", NS):
            value = _text(identification, "cbc:ID").replace(" ", "")
            if re.fullmatch(r"\d{9}|\d{13}", value):
                eik = value
                break
    address = party.find("cac:PostalAddress", NS)
    street = city = postcode = country = ""
    if address is not None:
        street = " ".join(
            part
            for part in (
                _text(address, "cbc:StreetName"),
                _text(address, "cbc:AdditionalStreetName"),
            )
            if part
        )
        city = _text(address, "cbc:CityName")
        postcode = _text(address, "cbc:PostalZone")
        country = _text(address, "cac:Country/cbc:IdentificationCode").upper()
    supplier = UblSupplier(
        name=name,
        vat_number=vat,
        eik=eik,
        country=country,
        city=city,
        postcode=postcode,
        address=street,
        email=_text(party, "cac:Contact/cbc:ElectronicMail"),
    )
    return supplier, []


def _root(data: bytes, errors: list[str]) -> etree._Element | None:
    """The parsed XML, or None with the reason in `errors` (too large, entities, not XML)."""
    if len(data) > MAX_BYTES:
        errors.append(_("The file is larger than 25 MB."))
        return None
    if b"<!ENTITY" in data[:4096]:
        errors.append(_("The XML declares entities; such files are refused."))
        return None
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as error:
        errors.append(_("Not valid XML: %(error)s") % {"error": error})
        return None
    # The byte check above misses a declaration after the first 4 KB or in UTF-16; entities are
    # never expanded (resolve_entities=False), but such a file is refused all the same.
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _entity in dtd.iterentities()):
        errors.append(_("The XML declares entities; such files are refused."))
        return None
    return root


def _kind(root: etree._Element, errors: list[str]) -> str | None:
    namespace = etree.QName(root).namespace
    if namespace == CREDIT_NOTE_NS:
        return "credit_note"
    if namespace != INVOICE_NS:
        errors.append(_("This is not a UBL 2.1 invoice or credit note."))
        return None
    type_code = _text(root, "cbc:InvoiceTypeCode") or "380"
    if type_code in CREDIT_NOTE_TYPE_CODES:
        return "credit_note"
    return "debit_note" if type_code in DEBIT_NOTE_TYPE_CODES else "invoice"


def _supplier(root: etree._Element, errors: list[str]) -> tuple[UblSupplier, str]:
    """The seller with the first payee account of the payment means, and the payment id."""
    supplier, _unused = _party(root.find("cac:AccountingSupplierParty/cac:Party", NS))
    if not supplier.name:
        errors.append(_("The supplier's name is missing."))
    iban = bic = reference = ""
    for means in root.findall("cac:PaymentMeans", NS):
        account = _text(means, "cac:PayeeFinancialAccount/cbc:ID").replace(" ", "").upper()
        if account and not iban:
            iban = account
            bic = _text(means, "cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID")
        reference = reference or _text(means, "cbc:PaymentID")
    return UblSupplier(**{**supplier.__dict__, "iban": iban, "bic": bic}), reference


def _vat_rows(root: etree._Element, currency: str, errors: list[str]) -> list[UblVatRow]:
    """The breakdown of the first tax total in the document currency."""
    rows: list[UblVatRow] = []
    for tax_total in root.findall("cac:TaxTotal", NS):
        subtotals = tax_total.findall("cac:TaxSubtotal", NS)
        amount = tax_total.find("cbc:TaxAmount", NS)
        in_currency = amount is None or amount.get("currencyID", currency) == currency
        if not subtotals or not in_currency:
            continue
        for subtotal in subtotals:
            base = _amount(subtotal, "cbc:TaxableAmount", _("Taxable amount"), errors)
            vat = _amount(subtotal, "cbc:TaxAmount", _("Tax amount"), errors)
            rate = _amount(subtotal, "cac:TaxCategory/cbc:Percent", _("VAT rate"), errors)
            category = _text(subtotal, "cac:TaxCategory/cbc:ID")
            rows.append(UblVatRow(vat_rate=rate, base=base, vat=vat, category=category))
        break
    if not rows:
        errors.append(_("The document has no VAT breakdown (cac:TaxSubtotal)."))
    return rows


def _totals(
    root: etree._Element, rows: list[UblVatRow], result: UblResult
) -> tuple[Decimal, Decimal, Decimal]:
    """(total without VAT, total with VAT, amount due); warns when the rows disagree."""
    errors = result.errors
    totals = root.find("cac:LegalMonetaryTotal", NS)
    if totals is None:
        errors.append(_("The document has no totals (cac:LegalMonetaryTotal)."))
        zero = Decimal("0.00")
        return zero, zero, zero
    total_base = _amount(totals, "cbc:TaxExclusiveAmount", _("Total without VAT"), errors)
    total = _amount(totals, "cbc:TaxInclusiveAmount", _("Total with VAT"), errors)
    payable = _amount(totals, "cbc:PayableAmount", _("Amount due"), errors)
    row_base = sum((row.base for row in rows), Decimal("0.00"))
    row_vat = sum((row.vat for row in rows), Decimal("0.00"))
    if rows and row_base != total_base:
        result.warnings.append(
            _("The VAT rows add up to %(rows)s but the total without VAT is %(total)s.")
            % {"rows": formatting.amount(row_base), "total": formatting.amount(total_base)}
        )
    if rows and row_base + row_vat != total:
        result.warnings.append(
            _("Base plus VAT is %(sum)s but the total with VAT is %(total)s.")
            % {"sum": formatting.amount(row_base + row_vat), "total": formatting.amount(total)}
        )
    return total_base, total, payable


def _attachments(root: etree._Element, warnings: list[str]) -> list[UblAttachment]:
    """The embedded documents (base64), a PDF named with its extension."""
    attachments: list[UblAttachment] = []
    for position, reference_node in enumerate(
        root.findall("cac:AdditionalDocumentReference", NS), start=1
    ):
        binary = reference_node.find("cac:Attachment/cbc:EmbeddedDocumentBinaryObject", NS)
        if binary is None or not (binary.text or "").strip():
            continue
        try:
            content = base64.b64decode("".join((binary.text or "").split()), validate=True)
        except (binascii.Error, ValueError):
            warnings.append(_("An embedded attachment is not valid base64; skipped."))
            continue
        filename = binary.get("filename") or f"{_text(reference_node, 'cbc:ID') or position}"
        mime = binary.get("mimeCode") or "application/octet-stream"
        if mime == "application/pdf" and not filename.lower().endswith(".pdf"):
            filename += ".pdf"
        attachments.append(UblAttachment(filename=filename[:200], mime_type=mime, content=content))
    return attachments


def read_ubl(data: bytes) -> UblResult:
    """Read a UBL 2.1 Invoice or CreditNote. Errors mean nothing usable; warnings are for the
    user to check (totals that do not add up, a missing due date)."""
    result = UblResult()
    errors = result.errors
    root = _root(data, errors)
    kind = _kind(root, errors) if root is not None else None
    if root is None or kind is None:
        return result
    number = _text(root, "cbc:ID")
    if not number:
        errors.append(_("The document has no number (cbc:ID)."))
    issue_date = _date(_text(root, "cbc:IssueDate"), _("date of issue"), errors, required=True)
    tax_point = _date(_text(root, "cbc:TaxPointDate"), _("tax event date"), errors)
    due_text = (
        _text(root, "cbc:DueDate")
        or _text(root, "cac:PaymentMeans/cbc:PaymentDueDate")
        or _text(root, "cac:PaymentTerms/cbc:PaymentDueDate")
    )
    due_date = _date(due_text, _("due date"), errors)
    currency = _text(root, "cbc:DocumentCurrencyCode").upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        errors.append(_("The document has no currency (cbc:DocumentCurrencyCode)."))
    supplier, reference = _supplier(root, errors)
    buyer, _unused = _party(root.find("cac:AccountingCustomerParty/cac:Party", NS))
    rows = _vat_rows(root, currency, errors)
    total_base, total, payable = _totals(root, rows, result)
    if due_date is None and kind != "credit_note":
        result.warnings.append(_("The document has no due date; enter it."))
    attachments = _attachments(root, result.warnings)
    if errors:
        return result
    assert issue_date is not None
    result.document = UblDocument(
        kind=kind,
        number=number[:40],
        issue_date=issue_date,
        tax_event_date=tax_point or issue_date,
        due_date=due_date,
        currency=currency,
        supplier=supplier,
        buyer_vat_number=buyer.vat_number,
        buyer_eik=buyer.eik,
        rows=rows,
        total_base=total_base,
        total_vat=sum((row.vat for row in rows), Decimal("0.00")),
        total=total,
        payable=payable,
        corrected_number=_text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"),
        payment_reference=reference,
        note=_text(root, "cbc:Note")[:200],
        attachments=attachments,
    )
    return result
