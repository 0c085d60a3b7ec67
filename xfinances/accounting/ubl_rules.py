"""The EN 16931 business rules of a UBL 2.1 invoice or credit note that can be checked offline,
in plain Python (pure: bytes in, messages out).

The official rules are Schematron with XSLT 2 (CEN-EN16931-UBL.sch, PEPPOL-EN16931-UBL.sch);
running them needs Saxon. This module checks the subset that decides whether a receiver can book
the document: mandatory fields (BR-01 … BR-16, lines BR-21 … BR-27, VAT breakdown BR-45 … BR-48,
payment BR-49/50/61, preceding invoice BR-55), the totals (BR-CO-10 … BR-CO-17), the VAT
category rules (BR-S, BR-Z, BR-E, BR-AE, BR-IC for K, BR-G, BR-O: presence in the breakdown,
seller/buyer identifiers, line rates, taxable and tax amounts, exemption reasons), decimals
(BR-DEC) and the VAT identifier prefix (BR-CO-09). `check_peppol` adds the Peppol BIS Billing 3.0
rules our export must meet (R001 … R120 as listed there).

Every message starts with the rule id in brackets, e.g. "[BR-CO-10] …", for logs and tests; they
are technical texts for developers and receivers' support, not shown to users, so not translated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from lxml import etree

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS = {"cac": CAC, "cbc": CBC}
CENT = Decimal("0.01")
ZERO = Decimal("0")
PEPPOL_PROFILE = re.compile(r"urn:fdc:peppol\.eu:2017:poacc:billing:\d\d:1\.0")
COUNTRY_PREFIX = re.compile(r"[A-Z]{2}")

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
)


class _Unreadable(ValueError):
    pass


def _text(node: etree._Element | None, path: str) -> str:
    if node is None:
        return ""
    found = node.find(path, NS)
    return " ".join((found.text or "").split()) if found is not None else ""


def _all(node: etree._Element, path: str) -> list[etree._Element]:
    return list(node.findall(path, NS))


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class _Reader:
    """Reads amounts, remembering the ones that are not numbers or carry too many decimals."""

    problems: list[str]

    def amount(
        self, node: etree._Element | None, path: str, what: str, dec_rule: str = ""
    ) -> Decimal | None:
        text = _text(node, path)
        if not text:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            self.problems.append(f"[UBL] {what} is not a number: {text[:40]!r}.")
            return None
        if not value.is_finite():
            self.problems.append(f"[UBL] {what} is not a number: {text[:40]!r}.")
            return None
        exponent = value.as_tuple().exponent
        if dec_rule and isinstance(exponent, int) and exponent < -2:
            self.problems.append(f"[{dec_rule}] {what} has more than 2 decimals: {text}.")
        return value


@dataclass(frozen=True)
class _Taxed:
    """A line, a document allowance or a document charge: amount, VAT category and rate."""

    kind: str  # "line", "allowance", "charge"
    amount: Decimal
    category: str
    rate: Decimal | None


# Per VAT category: rule prefix, whether exactly one breakdown row is allowed, what the seller
# must show, whether the buyer's VAT id is needed, whether the line rate must be zero, and whether
# an exemption reason is required (True), forbidden (False).
@dataclass(frozen=True)
class _CategoryRules:
    prefix: str
    name: str
    exactly_one: bool
    seller_vat: bool
    buyer_id: str  # "" no rule, "vat" buyer VAT id, "vat_or_legal" VAT id or legal id
    zero_rate: bool
    reason: bool


CATEGORY_RULES = {
    "S": _CategoryRules("BR-S", "Standard rated", False, True, "", False, False),
    "Z": _CategoryRules("BR-Z", "Zero rated", True, True, "", True, False),
    "E": _CategoryRules("BR-E", "Exempt from VAT", True, True, "", True, True),
    "AE": _CategoryRules("BR-AE", "Reverse charge", True, True, "vat_or_legal", True, True),
    "K": _CategoryRules("BR-IC", "Intra-community supply", True, True, "vat", True, True),
    "G": _CategoryRules("BR-G", "Export outside the EU", True, True, "", True, True),
    "O": _CategoryRules("BR-O", "Not subject to VAT", True, False, "", False, True),
}


def _parse(xml: bytes) -> etree._Element:
    if b"<!ENTITY" in xml[:4096] or b"<!DOCTYPE" in xml[:4096]:
        raise _Unreadable("[UBL] The XML declares a DTD or entities; refused.")
    try:
        root = etree.fromstring(xml, _PARSER)
    except etree.XMLSyntaxError as error:
        raise _Unreadable(f"[UBL] Not well-formed XML: {error}") from None
    if etree.QName(root).namespace not in (INVOICE_NS, CREDIT_NOTE_NS):
        raise _Unreadable("[UBL] Not a UBL 2.1 Invoice or CreditNote.")
    return root


def _vat_ids(party: etree._Element | None) -> list[str]:
    if party is None:
        return []
    return [
        _text(scheme, "cbc:CompanyID")
        for scheme in _all(party, "cac:PartyTaxScheme")
        if _text(scheme, "cac:TaxScheme/cbc:ID").upper() == "VAT" and _text(scheme, "cbc:CompanyID")
    ]


def _tax_registration_ids(party: etree._Element | None) -> list[str]:
    if party is None:
        return []
    return [
        _text(scheme, "cbc:CompanyID")
        for scheme in _all(party, "cac:PartyTaxScheme")
        if _text(scheme, "cac:TaxScheme/cbc:ID").upper() != "VAT" and _text(scheme, "cbc:CompanyID")
    ]


def _category(
    node: etree._Element | None, reader: _Reader, what: str
) -> tuple[str, Decimal | None]:
    if node is None:
        return "", None
    return _text(node, "cbc:ID"), reader.amount(node, "cbc:Percent", what)


def check_en16931(xml: bytes) -> list[str]:
    """The EN 16931 rules (listed in the module docstring) the XML breaks; empty when none."""
    try:
        root = _parse(xml)
    except _Unreadable as error:
        return [str(error)]
    problems: list[str] = []
    read = _Reader(problems)
    credit = etree.QName(root).namespace == CREDIT_NOTE_NS
    line_tag = "cac:CreditNoteLine" if credit else "cac:InvoiceLine"
    quantity_tag = "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity"

    def need(rule: str, present: object, message: str) -> None:
        if not present:
            problems.append(f"[{rule}] {message}")

    # --- mandatory header fields --------------------------------------------------------------
    need("BR-01", _text(root, "cbc:CustomizationID"), "The specification identifier is missing.")
    need("BR-02", _text(root, "cbc:ID"), "The invoice number is missing.")
    need("BR-03", _text(root, "cbc:IssueDate"), "The issue date is missing.")
    need(
        "BR-04",
        _text(root, "cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode"),
        "The invoice type code is missing.",
    )
    currency = _text(root, "cbc:DocumentCurrencyCode")
    need("BR-05", currency, "The invoice currency code is missing.")
    seller = root.find("cac:AccountingSupplierParty/cac:Party", NS)
    buyer = root.find("cac:AccountingCustomerParty/cac:Party", NS)
    need(
        "BR-06",
        _text(seller, "cac:PartyLegalEntity/cbc:RegistrationName"),
        "The seller name is missing.",
    )
    need(
        "BR-07",
        _text(buyer, "cac:PartyLegalEntity/cbc:RegistrationName"),
        "The buyer name is missing.",
    )
    seller_address = seller.find("cac:PostalAddress", NS) if seller is not None else None
    buyer_address = buyer.find("cac:PostalAddress", NS) if buyer is not None else None
    need("BR-08", seller_address is not None, "The seller postal address is missing.")
    if seller_address is not None:
        need(
            "BR-09",
            _text(seller_address, "cac:Country/cbc:IdentificationCode"),
            "The seller country code is missing.",
        )
    need("BR-10", buyer_address is not None, "The buyer postal address is missing.")
    if buyer_address is not None:
        need(
            "BR-11",
            _text(buyer_address, "cac:Country/cbc:IdentificationCode"),
            "The buyer country code is missing.",
        )
    totals = root.find("cac:LegalMonetaryTotal", NS)
    line_total = read.amount(
        totals, "cbc:LineExtensionAmount", "Sum of line net amounts", "BR-DEC-09"
    )
    allowance_total = read.amount(
        totals, "cbc:AllowanceTotalAmount", "Sum of allowances", "BR-DEC-10"
    )
    charge_total = read.amount(totals, "cbc:ChargeTotalAmount", "Sum of charges", "BR-DEC-11")
    without_vat = read.amount(totals, "cbc:TaxExclusiveAmount", "Total without VAT", "BR-DEC-12")
    with_vat = read.amount(totals, "cbc:TaxInclusiveAmount", "Total with VAT", "BR-DEC-14")
    prepaid = read.amount(totals, "cbc:PrepaidAmount", "Paid amount", "BR-DEC-16")
    rounding = read.amount(totals, "cbc:PayableRoundingAmount", "Rounding amount", "BR-DEC-17")
    payable = read.amount(totals, "cbc:PayableAmount", "Amount due for payment", "BR-DEC-18")
    need("BR-12", line_total is not None, "The sum of line net amounts is missing.")
    need("BR-13", without_vat is not None, "The total without VAT is missing.")
    need("BR-14", with_vat is not None, "The total with VAT is missing.")
    need("BR-15", payable is not None, "The amount due for payment is missing.")
    lines = _all(root, line_tag)
    need("BR-16", lines, "The invoice has no lines.")

    # --- identifiers --------------------------------------------------------------------------
    seller_vat = _vat_ids(seller)
    buyer_vat = _vat_ids(buyer)
    seller_tax_ids = _tax_registration_ids(seller)
    representative = root.find("cac:TaxRepresentativeParty", NS)
    representative_vat = _vat_ids(representative)
    for vat_id in seller_vat + buyer_vat + representative_vat:
        need(
            "BR-CO-09",
            COUNTRY_PREFIX.match(vat_id),
            f"The VAT identifier {vat_id!r} does not start with a country code.",
        )
    buyer_legal = _text(buyer, "cac:PartyLegalEntity/cbc:CompanyID")
    need(
        "BR-CO-26",
        seller_vat
        or _text(seller, "cac:PartyLegalEntity/cbc:CompanyID")
        or _text(seller, "cac:PartyIdentification/cbc:ID"),
        "The seller has no identifier, legal registration identifier or VAT identifier.",
    )

    # --- lines --------------------------------------------------------------------------------
    taxed: list[_Taxed] = []
    line_sum = ZERO
    for position, line in enumerate(lines, start=1):
        where = f"Line {_text(line, 'cbc:ID') or position}"
        need("BR-21", _text(line, "cbc:ID"), f"{where} has no identifier.")
        quantity = line.find(quantity_tag, NS)
        need("BR-22", quantity is not None, f"{where} has no quantity.")
        need(
            "BR-23",
            quantity is not None and quantity.get("unitCode"),
            f"{where} has no unit of measure code.",
        )
        net = read.amount(line, "cbc:LineExtensionAmount", f"{where} net amount", "BR-DEC-23")
        need("BR-24", net is not None, f"{where} has no net amount.")
        need("BR-25", _text(line, "cac:Item/cbc:Name"), f"{where} has no item name.")
        price = read.amount(line, "cac:Price/cbc:PriceAmount", f"{where} item net price")
        need("BR-26", price is not None, f"{where} has no item net price.")
        if price is not None:
            need("BR-27", price >= 0, f"{where}: the item net price is negative.")
        category, rate = _category(
            line.find("cac:Item/cac:ClassifiedTaxCategory", NS), read, f"{where} VAT rate"
        )
        need("BR-CO-04", category, f"{where} has no VAT category code.")
        if net is not None:
            line_sum += net
            taxed.append(_Taxed("line", net, category, rate))

    # --- document allowances and charges ------------------------------------------------------
    allowance_sum = charge_sum = ZERO
    for node in _all(root, "cac:AllowanceCharge"):
        charge = _text(node, "cbc:ChargeIndicator").lower() == "true"
        kind = "charge" if charge else "allowance"
        amount = read.amount(
            node, "cbc:Amount", f"Document {kind} amount", "BR-DEC-05" if charge else "BR-DEC-01"
        )
        need(
            "BR-36" if charge else "BR-31", amount is not None, f"A document {kind} has no amount."
        )
        category, rate = _category(node.find("cac:TaxCategory", NS), read, f"Document {kind} rate")
        need("BR-37" if charge else "BR-32", category, f"A document {kind} has no VAT category.")
        need(
            "BR-38" if charge else "BR-33",
            _text(node, "cbc:AllowanceChargeReason")
            or _text(node, "cbc:AllowanceChargeReasonCode"),
            f"A document {kind} has no reason or reason code.",
        )
        if amount is not None:
            if charge:
                charge_sum += amount
            else:
                allowance_sum += amount
            taxed.append(_Taxed(kind, amount, category, rate))

    # --- totals -------------------------------------------------------------------------------
    if line_total is not None:
        need(
            "BR-CO-10",
            line_total == _round(line_sum),
            f"Sum of line net amounts {line_total} is not the sum of the lines {_round(line_sum)}.",
        )
    if allowance_total is not None or allowance_sum:
        need(
            "BR-CO-11",
            allowance_total == _round(allowance_sum),
            f"Sum of allowances {allowance_total} is not the sum of the document allowances "
            f"{_round(allowance_sum)}.",
        )
    if charge_total is not None or charge_sum:
        need(
            "BR-CO-12",
            charge_total == _round(charge_sum),
            f"Sum of charges {charge_total} is not the sum of the document charges "
            f"{_round(charge_sum)}.",
        )
    if without_vat is not None and line_total is not None:
        expected = _round(line_total - (allowance_total or ZERO) + (charge_total or ZERO))
        need(
            "BR-CO-13",
            without_vat == expected,
            f"Total without VAT {without_vat} is not lines − allowances + charges = {expected}.",
        )
    tax_totals = _all(root, "cac:TaxTotal")
    in_currency = [
        (node, read.amount(node, "cbc:TaxAmount", "Total VAT amount", "BR-DEC-13"))
        for node in tax_totals
        if (node.find("cbc:TaxAmount", NS) is not None)
        and node.find("cbc:TaxAmount", NS).get("currencyID") == currency
    ]
    if len(in_currency) != 1:
        problems.append(
            f"[BR-CO-15] Expected exactly one total VAT amount in {currency or 'the currency'}, "
            f"found {len(in_currency)}."
        )
    subtotals = [s for node, _vat in in_currency for s in _all(node, "cac:TaxSubtotal")]
    need("BR-CO-18", subtotals, "The invoice has no VAT breakdown.")
    vat_total = in_currency[0][1] if len(in_currency) == 1 else None
    if vat_total is not None and subtotals:
        subtotal_vat = sum(
            (read.amount(s, "cbc:TaxAmount", "VAT category tax amount") or ZERO for s in subtotals),
            ZERO,
        )
        need(
            "BR-CO-14",
            vat_total == _round(subtotal_vat),
            f"Total VAT {vat_total} is not the sum of the VAT breakdown {_round(subtotal_vat)}.",
        )
    if with_vat is not None and without_vat is not None and vat_total is not None:
        need(
            "BR-CO-15",
            with_vat == _round(without_vat + vat_total),
            f"Total with VAT {with_vat} is not total without VAT + VAT = "
            f"{_round(without_vat + vat_total)}.",
        )
    if payable is not None and with_vat is not None:
        expected = _round(with_vat - (prepaid or ZERO) + (rounding or ZERO))
        need(
            "BR-CO-16",
            payable == expected,
            f"Amount due {payable} is not total with VAT − paid + rounding = {expected}.",
        )
    if payable is not None and payable > 0:
        need(
            "BR-CO-25",
            _text(root, "cbc:DueDate")
            or _text(root, "cac:PaymentMeans/cbc:PaymentDueDate")
            or _text(root, "cac:PaymentTerms/cbc:Note"),
            "A positive amount due needs a due date or payment terms.",
        )

    # --- VAT breakdown ------------------------------------------------------------------------
    breakdown: list[tuple[str, Decimal | None, Decimal, Decimal, etree._Element]] = []
    for subtotal in subtotals:
        base = read.amount(
            subtotal, "cbc:TaxableAmount", "VAT category taxable amount", "BR-DEC-19"
        )
        vat = read.amount(subtotal, "cbc:TaxAmount", "VAT category tax amount", "BR-DEC-20")
        need("BR-45", base is not None, "A VAT breakdown row has no taxable amount.")
        need("BR-46", vat is not None, "A VAT breakdown row has no tax amount.")
        node = subtotal.find("cac:TaxCategory", NS)
        category, rate = _category(node, read, "VAT category rate")
        need("BR-47", category, "A VAT breakdown row has no VAT category code.")
        need(
            "BR-48",
            rate is not None or category == "O",
            f"The VAT breakdown row {category} has no rate.",
        )
        if base is not None and vat is not None and node is not None:
            breakdown.append((category, rate, base, vat, node))
            if rate is not None and rate != 0:
                expected = _round(abs(base) * rate / 100)
                need(
                    "BR-CO-17",
                    abs(abs(vat) - expected) < 1,
                    f"VAT {vat} of category {category} is not {base} × {rate} % = {expected}.",
                )

    problems.extend(
        _category_rules(
            breakdown,
            taxed,
            seller_vat,
            seller_tax_ids,
            representative_vat,
            buyer_vat,
            buyer_legal,
            root,
        )
    )

    # --- payment ------------------------------------------------------------------------------
    for means in _all(root, "cac:PaymentMeans"):
        code = _text(means, "cbc:PaymentMeansCode")
        need("BR-49", code, "A payment instruction has no payment means code.")
        account = means.find("cac:PayeeFinancialAccount", NS)
        if account is not None:
            need("BR-50", _text(account, "cbc:ID"), "A credit transfer has no account identifier.")
        if code in ("30", "58"):
            need(
                "BR-61",
                account is not None and _text(account, "cbc:ID"),
                "A credit transfer needs the payee's account identifier (IBAN).",
            )
    for reference in _all(root, "cac:BillingReference"):
        need(
            "BR-55",
            _text(reference, "cac:InvoiceDocumentReference/cbc:ID"),
            "A preceding invoice reference has no invoice number.",
        )
    return problems


def _category_rules(
    breakdown: list[tuple[str, Decimal | None, Decimal, Decimal, etree._Element]],
    taxed: Iterable[_Taxed],
    seller_vat: list[str],
    seller_tax_ids: list[str],
    representative_vat: list[str],
    buyer_vat: list[str],
    buyer_legal: str,
    root: etree._Element,
) -> list[str]:
    problems: list[str] = []
    taxed = list(taxed)
    used = {item.category for item in taxed}
    rows_of: dict[str, list[tuple[Decimal | None, Decimal, Decimal, etree._Element]]] = {}
    for category, rate, base, vat, node in breakdown:
        rows_of.setdefault(category, []).append((rate, base, vat, node))
    seller_identified = bool(seller_vat or seller_tax_ids or representative_vat)

    for code, rules in CATEGORY_RULES.items():
        p, name = rules.prefix, rules.name
        rows = rows_of.get(code, [])
        if code in used:
            if rules.exactly_one and len(rows) != 1:
                problems.append(
                    f"[{p}-01] {name} is used but the VAT breakdown has {len(rows)} rows of it "
                    "(exactly one needed)."
                )
            elif not rules.exactly_one and not rows:
                problems.append(f"[{p}-01] {name} is used but missing from the VAT breakdown.")
            if code == "O":
                if seller_vat or representative_vat or buyer_vat:
                    problems.append(
                        f"[{p}-02] {name} forbids the seller's and the buyer's VAT identifiers."
                    )
            elif rules.seller_vat and not seller_identified:
                problems.append(f"[{p}-02] {name} needs the seller's VAT identifier.")
            if rules.buyer_id == "vat" and not buyer_vat:
                problems.append(f"[{p}-02] {name} needs the buyer's VAT identifier.")
            if rules.buyer_id == "vat_or_legal" and not (buyer_vat or buyer_legal):
                problems.append(
                    f"[{p}-02] {name} needs the buyer's VAT identifier or legal registration "
                    "identifier."
                )
        for item in taxed:
            if item.category != code:
                continue
            if code == "O" and item.rate is not None:
                problems.append(f"[{p}-05] A {item.kind} {name} must carry no VAT rate.")
            elif rules.zero_rate and item.rate != 0:
                problems.append(f"[{p}-05] A {item.kind} {name} must have a VAT rate of 0.")
            elif code == "S" and not (item.rate is not None and item.rate > 0):
                problems.append(f"[{p}-05] A {item.kind} {name} must have a VAT rate above 0.")
        for rate, base, vat, node in rows:
            matching = [t for t in taxed if t.category == code and (code != "S" or t.rate == rate)]
            expected = _round(
                sum((t.amount for t in matching if t.kind != "allowance"), ZERO)
                - sum((t.amount for t in matching if t.kind == "allowance"), ZERO)
            )
            if base != expected:
                problems.append(
                    f"[{p}-08] Taxable amount {base} of {name}"
                    + (f" {rate} %" if code == "S" else "")
                    + f" is not the sum of its lines − allowances + charges = {expected}."
                )
            if code == "S" and rate is not None:
                target = _round(abs(base) * rate / 100)
                if not abs(abs(vat) - target) < 1:
                    problems.append(f"[{p}-09] VAT {vat} is not {base} × {rate} % = {target}.")
            elif vat != 0:
                problems.append(f"[{p}-09] The tax amount of {name} must be 0, not {vat}.")
            has_reason = bool(
                _text(node, "cbc:TaxExemptionReasonCode") or _text(node, "cbc:TaxExemptionReason")
            )
            if rules.reason and not has_reason:
                problems.append(f"[{p}-10] {name} needs an exemption reason or reason code.")
            if not rules.reason and has_reason:
                problems.append(f"[{p}-10] {name} must not carry an exemption reason.")
        if code == "K" and rows:
            if not (
                _text(root, "cac:Delivery/cbc:ActualDeliveryDate")
                or root.find("cac:InvoicePeriod", NS) is not None
            ):
                problems.append(
                    "[BR-IC-11] An intra-community supply needs the delivery date or the "
                    "invoicing period."
                )
            if not _text(
                root,
                "cac:Delivery/cac:DeliveryLocation/cac:Address/cac:Country/cbc:IdentificationCode",
            ):
                problems.append(
                    "[BR-IC-12] An intra-community supply needs the deliver-to country code."
                )
    if "O" in rows_of:
        if len(rows_of) > 1:
            problems.append("[BR-O-11] Not subject to VAT excludes every other VAT breakdown row.")
        if any(item.category != "O" for item in taxed if item.kind == "line"):
            problems.append("[BR-O-12] Not subject to VAT excludes lines of another category.")
    return problems


def check_peppol(xml: bytes) -> list[str]:
    """The Peppol BIS Billing 3.0 rules our export must also meet (a subset, see the ids)."""
    try:
        root = _parse(xml)
    except _Unreadable as error:
        return [str(error)]
    problems: list[str] = []
    profile = _text(root, "cbc:ProfileID")
    if not profile:
        problems.append("[PEPPOL-EN16931-R001] The business process (ProfileID) is missing.")
    elif not PEPPOL_PROFILE.fullmatch(profile):
        problems.append(f"[PEPPOL-EN16931-R007] The business process {profile!r} is not Peppol's.")
    if len(_all(root, "cbc:Note")) > 1:
        problems.append("[PEPPOL-EN16931-R002] More than one note on document level.")
    if not (_text(root, "cbc:BuyerReference") or _text(root, "cac:OrderReference/cbc:ID")):
        problems.append("[PEPPOL-EN16931-R003] A buyer reference or an order reference is needed.")
    for rule, party, who in (
        ("R010", "cac:AccountingCustomerParty", "buyer"),
        ("R020", "cac:AccountingSupplierParty", "seller"),
    ):
        endpoint = root.find(f"{party}/cac:Party/cbc:EndpointID", NS)
        if endpoint is None or not (endpoint.text or "").strip():
            problems.append(f"[PEPPOL-EN16931-{rule}] The {who}'s electronic address is missing.")
        elif not endpoint.get("schemeID"):
            problems.append(
                f"[PEPPOL-EN16931-{rule}] The {who}'s electronic address has no scheme."
            )
    with_subtotals = [
        n for n in _all(root, "cac:TaxTotal") if n.find("cac:TaxSubtotal", NS) is not None
    ]
    if len(with_subtotals) != 1:
        problems.append("[PEPPOL-EN16931-R053] Exactly one tax total with subtotals is needed.")
    currency = _text(root, "cbc:DocumentCurrencyCode")
    tax_currency = _text(root, "cbc:TaxCurrencyCode")
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        found = node.get("currencyID")
        if found is None or found == currency:
            continue
        parent = node.getparent()
        is_accounting_vat = (
            etree.QName(node).localname == "TaxAmount"
            and parent is not None
            and etree.QName(parent).localname == "TaxTotal"
            and found == tax_currency
        )
        if not is_accounting_vat:
            problems.append(
                f"[PEPPOL-EN16931-R051] {etree.QName(node).localname} is in {found}, "
                f"not in {currency}."
            )
            break
    for node in root.iter():
        if isinstance(node.tag, str) and len(node) == 0 and not (node.text or "").strip():
            problems.append(
                f"[PEPPOL-EN16931-R008] The element {etree.QName(node).localname} is empty."
            )
            break
    problems.extend(_line_net_rule(root))
    problems.extend(_peppol_codes_and_formats(root, currency, tax_currency))
    problems.extend(_allowance_rules(root))
    return problems


#: Peppol BIS Billing 3.0 profile: the invoice and credit note type codes it allows (P0100/P0101).
INVOICE_TYPE_CODES = frozenset(
    [
        "71",
        "80",
        "82",
        "84",
        "102",
        "218",
        "219",
        "331",
        "380",
        "382",
        "383",
        "386",
        "388",
        "393",
        "395",
        "553",
        "575",
        "623",
        "780",
        "817",
        "870",
        "875",
        "876",
        "877",
    ]
)
CREDIT_NOTE_TYPE_CODES = frozenset(
    ["81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"]
)
#: Electronic Address Scheme codes accepted by Peppol (CL008).
EAS_CODES = frozenset(
    [
        "0002",
        "0007",
        "0009",
        "0037",
        "0060",
        "0088",
        "0096",
        "0097",
        "0106",
        "0130",
        "0135",
        "0142",
        "0147",
        "0151",
        "0154",
        "0158",
        "0170",
        "0177",
        "0183",
        "0184",
        "0188",
        "0190",
        "0191",
        "0192",
        "0193",
        "0194",
        "0195",
        "0196",
        "0198",
        "0199",
        "0200",
        "0201",
        "0202",
        "0203",
        "0204",
        "0205",
        "0208",
        "0209",
        "0210",
        "0211",
        "0212",
        "0213",
        "0215",
        "0216",
        "0217",
        "0218",
        "0221",
        "0225",
        "0230",
        "0235",
        "0240",
        "9910",
        "9913",
        "9914",
        "9915",
        "9918",
        "9919",
        "9920",
        "9922",
        "9923",
        "9924",
        "9925",
        "9926",
        "9927",
        "9928",
        "9929",
        "9930",
        "9931",
        "9932",
        "9933",
        "9934",
        "9935",
        "9936",
        "9937",
        "9938",
        "9939",
        "9940",
        "9941",
        "9942",
        "9943",
        "9944",
        "9945",
        "9946",
        "9947",
        "9948",
        "9949",
        "9950",
        "9951",
        "9952",
        "9953",
        "9957",
        "9959",
    ]
)
CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
DATE_ELEMENTS = ("IssueDate", "DueDate", "TaxPointDate", "ActualDeliveryDate", "PaymentDueDate")


def _peppol_codes_and_formats(root: etree._Element, currency: str, tax_currency: str) -> list[str]:
    problems: list[str] = []
    if _text(root, "cbc:CustomizationID") != CUSTOMIZATION:
        problems.append("[PEPPOL-EN16931-R004] The specification identifier is not Peppol BIS 3.0.")
    if tax_currency and tax_currency == currency:
        problems.append("[PEPPOL-EN16931-R005] The VAT accounting currency equals the currency.")
    if tax_currency:
        without = [n for n in _all(root, "cac:TaxTotal") if n.find("cac:TaxSubtotal", NS) is None]
        if len(without) != 1:
            problems.append(
                "[PEPPOL-EN16931-R054] With a VAT accounting currency exactly one tax total "
                "without subtotals is needed."
            )
    credit = etree.QName(root).namespace == CREDIT_NOTE_NS
    type_code = _text(root, "cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode")
    allowed = CREDIT_NOTE_TYPE_CODES if credit else INVOICE_TYPE_CODES
    if type_code and type_code not in allowed:
        rule = "P0101" if credit else "P0100"
        problems.append(f"[PEPPOL-EN16931-{rule}] The type code {type_code!r} is not allowed.")
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        name = etree.QName(node).localname
        if name in DATE_ELEMENTS and not ISO_DATE.fullmatch((node.text or "").strip()):
            problems.append(f"[PEPPOL-EN16931-F001] {name} {node.text!r} is not YYYY-MM-DD.")
        if name == "EndpointID" and node.get("schemeID") and node.get("schemeID") not in EAS_CODES:
            problems.append(
                f"[PEPPOL-EN16931-CL008] The electronic address scheme {node.get('schemeID')!r} "
                "is not in the EAS code list."
            )
    return problems


def _allowance_rules(root: etree._Element) -> list[str]:
    """R040 … R043 on document and line allowances/charges, R121 on price base quantities."""
    problems: list[str] = []
    reader = _Reader([])
    nodes = [
        *_all(root, "cac:AllowanceCharge"),
        *_all(root, "cac:InvoiceLine/cac:AllowanceCharge"),
        *_all(root, "cac:CreditNoteLine/cac:AllowanceCharge"),
    ]
    for node in nodes:
        indicator = _text(node, "cbc:ChargeIndicator")
        if indicator not in ("true", "false"):
            problems.append(
                f"[PEPPOL-EN16931-R043] ChargeIndicator {indicator!r} is not true/false."
            )
        base = reader.amount(node, "cbc:BaseAmount", "base amount")
        factor = reader.amount(node, "cbc:MultiplierFactorNumeric", "percentage")
        if factor is not None and base is None:
            problems.append("[PEPPOL-EN16931-R041] A percentage needs its base amount.")
        if base is not None and factor is None:
            problems.append("[PEPPOL-EN16931-R042] A base amount needs its percentage.")
        amount = reader.amount(node, "cbc:Amount", "amount") or ZERO
        if base is not None and factor is not None and abs(amount - base * factor / 100) > CENT * 2:
            problems.append(
                f"[PEPPOL-EN16931-R040] Allowance/charge {amount} is not {base} × {factor} % "
                f"= {_round(base * factor / 100)}."
            )
    for line in [*_all(root, "cac:InvoiceLine"), *_all(root, "cac:CreditNoteLine")]:
        base_quantity = reader.amount(line, "cac:Price/cbc:BaseQuantity", "base quantity")
        if base_quantity is not None and base_quantity <= 0:
            problems.append(
                f"[PEPPOL-EN16931-R121] Line {_text(line, 'cbc:ID')}: base quantity "
                "must be above zero."
            )
    return problems


def _line_net_rule(root: etree._Element) -> list[str]:
    """PEPPOL-EN16931-R120: line net = quantity × price / base quantity + charges − allowances
    (within 0.02)."""
    problems: list[str] = []
    reader = _Reader([])
    for line in [*_all(root, "cac:InvoiceLine"), *_all(root, "cac:CreditNoteLine")]:
        quantity = reader.amount(line, "cbc:InvoicedQuantity", "quantity")
        if quantity is None:
            quantity = reader.amount(line, "cbc:CreditedQuantity", "quantity")
        price = reader.amount(line, "cac:Price/cbc:PriceAmount", "price")
        base_quantity = reader.amount(
            line, "cac:Price/cbc:BaseQuantity", "base quantity"
        ) or Decimal(1)
        net = reader.amount(line, "cbc:LineExtensionAmount", "net")
        if quantity is None or price is None or net is None or base_quantity == 0:
            continue
        adjustments = ZERO
        for node in _all(line, "cac:AllowanceCharge"):
            amount = reader.amount(node, "cbc:Amount", "amount") or ZERO
            charge = _text(node, "cbc:ChargeIndicator").lower() == "true"
            adjustments += amount if charge else -amount
        expected = quantity * price / base_quantity + adjustments
        if abs(net - expected) > Decimal("0.02"):
            problems.append(
                f"[PEPPOL-EN16931-R120] Line {_text(line, 'cbc:ID')}: net {net} is not "
                f"quantity × price ± allowances/charges = {_round(expected)}."
            )
    return problems
