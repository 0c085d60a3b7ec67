"""The EN 16931 business rules of a UBL 2.1 invoice or credit note that can be checked offline
(see the package docstring for the list), one method per part of the document."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from lxml import etree

from xfinances.accounting.ubl_rules.categories import BreakdownRow, Parties, category_rules
from xfinances.accounting.ubl_rules.common import (
    COUNTRY_PREFIX,
    CREDIT_NOTE_NS,
    NS,
    ZERO,
    _all,
    _category,
    _parse,
    _Reader,
    _round,
    _tax_registration_ids,
    _Taxed,
    _text,
    _Unreadable,
    _vat_ids,
)

_TOTALS = (
    # attribute, element, what, BR-DEC rule
    ("line_total", "cbc:LineExtensionAmount", "Sum of line net amounts", "BR-DEC-09"),
    ("allowance_total", "cbc:AllowanceTotalAmount", "Sum of allowances", "BR-DEC-10"),
    ("charge_total", "cbc:ChargeTotalAmount", "Sum of charges", "BR-DEC-11"),
    ("without_vat", "cbc:TaxExclusiveAmount", "Total without VAT", "BR-DEC-12"),
    ("with_vat", "cbc:TaxInclusiveAmount", "Total with VAT", "BR-DEC-14"),
    ("prepaid", "cbc:PrepaidAmount", "Paid amount", "BR-DEC-16"),
    ("rounding", "cbc:PayableRoundingAmount", "Rounding amount", "BR-DEC-17"),
    ("payable", "cbc:PayableAmount", "Amount due for payment", "BR-DEC-18"),
)


@dataclass
class _Check:
    root: etree._Element
    problems: list[str] = field(default_factory=list)
    totals: dict[str, Decimal | None] = field(default_factory=dict)
    taxed: list[_Taxed] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.read = _Reader(self.problems)
        self.credit = etree.QName(self.root).namespace == CREDIT_NOTE_NS
        self.currency = _text(self.root, "cbc:DocumentCurrencyCode")
        self.seller = self.root.find("cac:AccountingSupplierParty/cac:Party", NS)
        self.buyer = self.root.find("cac:AccountingCustomerParty/cac:Party", NS)

    def need(self, rule: str, present: object, message: str) -> None:
        if not present:
            self.problems.append(f"[{rule}] {message}")

    def header(self) -> None:
        """BR-01 … BR-11: identification, currency, parties and their addresses."""
        root, need = self.root, self.need
        need(
            "BR-01", _text(root, "cbc:CustomizationID"), "The specification identifier is missing."
        )
        need("BR-02", _text(root, "cbc:ID"), "The invoice number is missing.")
        need("BR-03", _text(root, "cbc:IssueDate"), "The issue date is missing.")
        need(
            "BR-04",
            _text(root, "cbc:CreditNoteTypeCode" if self.credit else "cbc:InvoiceTypeCode"),
            "The invoice type code is missing.",
        )
        need("BR-05", self.currency, "The invoice currency code is missing.")
        for rule, party, who in (("BR-06", self.seller, "seller"), ("BR-07", self.buyer, "buyer")):
            need(
                rule,
                _text(party, "cac:PartyLegalEntity/cbc:RegistrationName"),
                f"The {who} name is missing.",
            )
        for rules, party, who in (
            (("BR-08", "BR-09"), self.seller, "seller"),
            (("BR-10", "BR-11"), self.buyer, "buyer"),
        ):
            address = party.find("cac:PostalAddress", NS) if party is not None else None
            need(rules[0], address is not None, f"The {who} postal address is missing.")
            if address is not None:
                need(
                    rules[1],
                    _text(address, "cac:Country/cbc:IdentificationCode"),
                    f"The {who} country code is missing.",
                )

    def document_totals(self) -> None:
        """BR-12 … BR-15 (present) and the BR-DEC rules of the document totals."""
        node = self.root.find("cac:LegalMonetaryTotal", NS)
        for name, path, what, rule in _TOTALS:
            self.totals[name] = self.read.amount(node, path, what, rule)
        self.need(
            "BR-12",
            self.totals["line_total"] is not None,
            "The sum of line net amounts is missing.",
        )
        self.need(
            "BR-13", self.totals["without_vat"] is not None, "The total without VAT is missing."
        )
        self.need("BR-14", self.totals["with_vat"] is not None, "The total with VAT is missing.")
        self.need(
            "BR-15", self.totals["payable"] is not None, "The amount due for payment is missing."
        )

    def identifiers(self) -> Parties:
        """BR-CO-09 (VAT id prefix) and BR-CO-26 (the seller is identified)."""
        seller, buyer = self.seller, self.buyer
        representative = self.root.find("cac:TaxRepresentativeParty", NS)
        parties = Parties(
            seller_vat=_vat_ids(seller),
            seller_tax_ids=_tax_registration_ids(seller),
            representative_vat=_vat_ids(representative),
            buyer_vat=_vat_ids(buyer),
            buyer_legal=_text(buyer, "cac:PartyLegalEntity/cbc:CompanyID"),
        )
        for vat_id in parties.seller_vat + parties.buyer_vat + parties.representative_vat:
            self.need(
                "BR-CO-09",
                COUNTRY_PREFIX.match(vat_id),
                f"The VAT identifier {vat_id!r} does not start with a country code.",
            )
        self.need(
            "BR-CO-26",
            parties.seller_vat
            or _text(seller, "cac:PartyLegalEntity/cbc:CompanyID")
            or _text(seller, "cac:PartyIdentification/cbc:ID"),
            "The seller has no identifier, legal registration identifier or VAT identifier.",
        )
        return parties

    def lines(self) -> Decimal:
        """BR-16, BR-21 … BR-27, BR-CO-04; returns the sum of the line net amounts."""
        need, read = self.need, self.read
        lines = _all(self.root, "cac:CreditNoteLine" if self.credit else "cac:InvoiceLine")
        quantity_tag = "cbc:CreditedQuantity" if self.credit else "cbc:InvoicedQuantity"
        need("BR-16", lines, "The invoice has no lines.")
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
                self.taxed.append(_Taxed("line", net, category, rate))
        return line_sum

    def allowances_and_charges(self) -> tuple[Decimal, Decimal]:
        """BR-31 … BR-38 on document allowances and charges; returns their two sums."""
        need, read = self.need, self.read
        allowance_sum = charge_sum = ZERO
        for node in _all(self.root, "cac:AllowanceCharge"):
            charge = _text(node, "cbc:ChargeIndicator").lower() == "true"
            kind = "charge" if charge else "allowance"
            amount = read.amount(
                node,
                "cbc:Amount",
                f"Document {kind} amount",
                "BR-DEC-05" if charge else "BR-DEC-01",
            )
            need(
                "BR-36" if charge else "BR-31",
                amount is not None,
                f"A document {kind} has no amount.",
            )
            category, rate = _category(
                node.find("cac:TaxCategory", NS), read, f"Document {kind} rate"
            )
            need(
                "BR-37" if charge else "BR-32", category, f"A document {kind} has no VAT category."
            )
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
                self.taxed.append(_Taxed(kind, amount, category, rate))
        return allowance_sum, charge_sum

    def sums(self, line_sum: Decimal, allowance_sum: Decimal, charge_sum: Decimal) -> None:
        """BR-CO-10 … BR-CO-13: the totals are the sums of what they total."""
        t, need = self.totals, self.need
        line_total, allowance_total, charge_total = (
            t["line_total"],
            t["allowance_total"],
            t["charge_total"],
        )
        if line_total is not None:
            need(
                "BR-CO-10",
                line_total == _round(line_sum),
                f"Sum of line net amounts {line_total} is not the sum of the lines "
                f"{_round(line_sum)}.",
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
        without_vat = t["without_vat"]
        if without_vat is not None and line_total is not None:
            expected = _round(line_total - (allowance_total or ZERO) + (charge_total or ZERO))
            need(
                "BR-CO-13",
                without_vat == expected,
                f"Total without VAT {without_vat} is not lines − allowances + charges = "
                f"{expected}.",
            )

    def vat_totals(self) -> list[etree._Element]:
        """BR-CO-14/15/18: one VAT total in the currency, equal to its breakdown; returns the
        breakdown rows (TaxSubtotal)."""
        read, currency = self.read, self.currency
        in_currency = [
            (node, read.amount(node, "cbc:TaxAmount", "Total VAT amount", "BR-DEC-13"))
            for node in _all(self.root, "cac:TaxTotal")
            if (amount := node.find("cbc:TaxAmount", NS)) is not None
            and amount.get("currencyID") == currency
        ]
        if len(in_currency) != 1:
            self.problems.append(
                f"[BR-CO-15] Expected exactly one total VAT amount in "
                f"{currency or 'the currency'}, found {len(in_currency)}."
            )
        subtotals = [s for node, _vat in in_currency for s in _all(node, "cac:TaxSubtotal")]
        self.need("BR-CO-18", subtotals, "The invoice has no VAT breakdown.")
        vat_total = in_currency[0][1] if len(in_currency) == 1 else None
        if vat_total is not None and subtotals:
            subtotal_vat = sum(
                (
                    (read.amount(s, "cbc:TaxAmount", "VAT category tax amount") or ZERO)
                    for s in subtotals
                ),
                ZERO,
            )
            self.need(
                "BR-CO-14",
                vat_total == _round(subtotal_vat),
                f"Total VAT {vat_total} is not the sum of the VAT breakdown "
                f"{_round(subtotal_vat)}.",
            )
        self.totals["vat_total"] = vat_total
        return subtotals

    def payable(self) -> None:
        """BR-CO-15 (with VAT), BR-CO-16 (amount due), BR-CO-25 (due date or terms)."""
        t, need = self.totals, self.need
        with_vat, without_vat, vat_total = t["with_vat"], t["without_vat"], t["vat_total"]
        if with_vat is not None and without_vat is not None and vat_total is not None:
            need(
                "BR-CO-15",
                with_vat == _round(without_vat + vat_total),
                f"Total with VAT {with_vat} is not total without VAT + VAT = "
                f"{_round(without_vat + vat_total)}.",
            )
        payable = t["payable"]
        if payable is not None and with_vat is not None:
            expected = _round(with_vat - (t["prepaid"] or ZERO) + (t["rounding"] or ZERO))
            need(
                "BR-CO-16",
                payable == expected,
                f"Amount due {payable} is not total with VAT − paid + rounding = {expected}.",
            )
        if payable is not None and payable > 0:
            need(
                "BR-CO-25",
                _text(self.root, "cbc:DueDate")
                or _text(self.root, "cac:PaymentMeans/cbc:PaymentDueDate")
                or _text(self.root, "cac:PaymentTerms/cbc:Note"),
                "A positive amount due needs a due date or payment terms.",
            )

    def breakdown(self, subtotals: list[etree._Element]) -> list[BreakdownRow]:
        """BR-45 … BR-48 and BR-CO-17 on each VAT breakdown row."""
        read, need = self.read, self.need
        rows: list[BreakdownRow] = []
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
                rows.append((category, rate, base, vat, node))
                if rate is not None and rate != 0:
                    expected = _round(abs(base) * rate / 100)
                    need(
                        "BR-CO-17",
                        abs(abs(vat) - expected) < 1,
                        f"VAT {vat} of category {category} is not {base} × {rate} % = {expected}.",
                    )
        return rows

    def payment(self) -> None:
        """BR-49/50/61 (payment instructions) and BR-55 (preceding invoice)."""
        need = self.need
        for means in _all(self.root, "cac:PaymentMeans"):
            code = _text(means, "cbc:PaymentMeansCode")
            need("BR-49", code, "A payment instruction has no payment means code.")
            account = means.find("cac:PayeeFinancialAccount", NS)
            if account is not None:
                need(
                    "BR-50",
                    _text(account, "cbc:ID"),
                    "A credit transfer has no account identifier.",
                )
            if code in ("30", "58"):
                need(
                    "BR-61",
                    account is not None and _text(account, "cbc:ID"),
                    "A credit transfer needs the payee's account identifier (IBAN).",
                )
        for reference in _all(self.root, "cac:BillingReference"):
            need(
                "BR-55",
                _text(reference, "cac:InvoiceDocumentReference/cbc:ID"),
                "A preceding invoice reference has no invoice number.",
            )


def check_en16931(xml: bytes) -> list[str]:
    """The EN 16931 rules (listed in the package docstring) the XML breaks; empty when none."""
    try:
        root = _parse(xml)
    except _Unreadable as error:
        return [str(error)]
    check = _Check(root)
    check.header()
    check.document_totals()
    parties = check.identifiers()
    line_sum = check.lines()
    allowance_sum, charge_sum = check.allowances_and_charges()
    check.sums(line_sum, allowance_sum, charge_sum)
    subtotals = check.vat_totals()
    check.payable()
    rows = check.breakdown(subtotals)
    check.problems.extend(category_rules(rows, check.taxed, parties, root))
    check.payment()
    return check.problems
