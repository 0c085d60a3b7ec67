"""Supplier payment files: ISO 20022 pain.001 (customer credit transfer initiation). Pure.

`write(payment_file, schema)` renders a `PaymentFile` (the debtor, its account, the transfers)
as pain.001.001.09 (current) or pain.001.001.03 (for banks that still want it) and validates
the result against the ISO schema in `banking/schemas/` before returning it; `check()` lists
what is wrong with the input first, by field, in the user's language.

SEPA rules followed (EPC credit transfer implementation guidelines):
- one end-to-end id per invoice, so the outgoing payment in a later statement finds its invoice;
- the remittance is the invoice's RF creditor reference when it has one (structured:
  `Strd/CdtrRefInf` with type SCOR, issuer ISO), otherwise the invoice number (unstructured),
  never both; at most 140 characters;
- structured creditor addresses (required from November 2026): at least town and country,
  with street, building number and post code when known; at most two free lines (hybrid);
- EUR only; amounts in cents, positive; names and texts in the SEPA Latin character set
  (Cyrillic is transliterated, other characters are replaced).

`sepaxml` (named in DESIGN.md) writes only free-text remittance and address lines, so this
module writes the XML with lxml.

`iban_changed(history, last_paid_iban)` flags a supplier whose IBAN changed recently or differs
from the one its last paid invoice went to, before a file is made.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from lxml import etree
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from xfinances.core import formatting
from xfinances.invoicing.creditor_reference import is_valid_rf

SCHEMAS = ("pain.001.001.09", "pain.001.001.03")
SCHEMA_DIR = Path(__file__).parent / "schemas"
MAX_AMOUNT = Decimal("999999999.99")
CENT = Decimal("0.01")
# Bank codes schwifty's Bulgarian table lacks (shared/domain/banking.md, "Identifiers").
BIC_OVERRIDES = {"BNBG": "BNBGBGSD", "PRCB": "PRCBBGSF"}


class PaymentFileError(ValueError):
    """The input cannot make a valid payment file; `errors` maps fields to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))


@dataclass(frozen=True)
class PostalAddress:
    country: str  # ISO 3166 alpha-2, e.g. "BG"
    town: str
    street: str = ""
    building: str = ""
    postcode: str = ""
    lines: tuple[str, ...] = ()  # free lines of a hybrid address (at most two)


@dataclass(frozen=True)
class Debtor:
    """The paying company and the account the money leaves."""

    name: str
    iban: str
    bic: str = ""  # derived from a Bulgarian IBAN when empty
    address: PostalAddress | None = None


@dataclass(frozen=True)
class Transfer:
    """One supplier invoice paid."""

    creditor_name: str
    creditor_iban: str
    amount: Decimal
    end_to_end_id: str  # one per invoice; see end_to_end_id()
    creditor_address: PostalAddress | None = None
    creditor_bic: str = ""  # optional within SEPA (IBAN only)
    currency: str = "EUR"
    reference: str = ""  # the supplier's RF creditor reference: structured remittance
    invoice_number: str = ""  # otherwise the invoice number, unstructured
    remittance: str = ""  # extra free text after the invoice number


@dataclass(frozen=True)
class PaymentFile:
    message_id: str  # unique per file (≤35)
    created_at: dt.datetime
    execution_date: dt.date
    debtor: Debtor
    transfers: tuple[Transfer, ...]
    batch_booking: bool = True
    initiating_party: str = ""  # the debtor's name when empty


# --------------------------------------------------------------------------- identifiers


def batch_reference(batch_id: int) -> str:
    """A payment batch's part of the end-to-end ids of its file ("B42")."""
    return f"B{batch_id}"


def end_to_end_id(batch_reference: str, item_id: int) -> str:
    """The end-to-end id of one invoice in a payment file: "XF-<batch>-<invoice id>" (≤35,
    SEPA characters). The bank returns it with the outgoing payment; the matching engine takes
    it as the purchase item's reference."""
    batch = re.sub(r"[^A-Za-z0-9]", "", batch_reference)[:16] or "0"
    return f"XF-{batch}-{item_id}"[:35]


def bic_for(iban: str) -> str:
    """The BIC of a (Bulgarian) IBAN's bank, or "" when unknown."""
    try:
        parsed = IBAN(iban)
    except SchwiftyException:
        return ""
    if parsed.country_code == "BG" and parsed.bank_code in BIC_OVERRIDES:
        return BIC_OVERRIDES[parsed.bank_code]
    try:
        bic = parsed.bic
    except SchwiftyException:
        return ""
    return str(bic) if bic else ""


# --------------------------------------------------------------------------- text

_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
    "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch",
    "ш": "sh", "щ": "sht", "ъ": "a", "ь": "y", "ю": "yu", "я": "ya", "ѝ": "i",
}  # fmt: skip
_REPLACE = {"&": "+", "№": "No", "„": "", "“": "", "”": "", '"': "", "«": "", "»": "", "_": "-"}
_FINAL_IA = re.compile(r"ия\b|ИЯ\b", re.IGNORECASE)
_NOT_SEPA = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")


def sepa_text(value: str, limit: int) -> str:
    """`value` in the SEPA Latin character set, at most `limit` characters: Bulgarian Cyrillic
    transliterated (keeping capitals), a few signs replaced, anything else a space."""
    out = []
    # The Transliteration Act: "ия" ending a word is "ia" ("София" → "Sofia").
    value = _FINAL_IA.sub(lambda m: "ИA" if m.group().isupper() else "иa", value or "")
    for char in value:
        lower = char.lower()
        if lower in _TRANSLIT:
            latin = _TRANSLIT[lower]
            if char != lower:
                latin = latin.upper() if len(latin) == 1 or value.isupper() else latin.title()
            out.append(latin)
        else:
            out.append(_REPLACE.get(char, char))
    text = _NOT_SEPA.sub(" ", "".join(out))
    return re.sub(r"\s+", " ", text).strip()[:limit].strip()


_E2E = re.compile(r"^[A-Za-z0-9/\-?:().,'+ ]{1,35}$")


# --------------------------------------------------------------------------- checks


def _check_iban(value: str, field: str, errors: dict[str, list[str]]) -> str:
    try:
        return str(IBAN(value).compact)
    except SchwiftyException:
        errors.setdefault(field, []).append(_("%(iban)s is not a valid IBAN.") % {"iban": value})
        return ""


def _check_bic(value: str, field: str, errors: dict[str, list[str]]) -> str:
    if not value:
        return ""
    try:
        return str(BIC(value).compact)
    except SchwiftyException:
        errors.setdefault(field, []).append(_("%(bic)s is not a valid BIC.") % {"bic": value})
        return ""


def _check_address(address: PostalAddress | None, field: str, errors: dict[str, list[str]]) -> None:
    if address is None or not address.town.strip() or not address.country.strip():
        errors.setdefault(field, []).append(
            _("A structured address with at least the town and the country is required.")
        )
        return
    if not re.fullmatch(r"[A-Z]{2}", address.country):
        errors.setdefault(field, []).append(
            _("The country must be a two-letter ISO code such as BG.")
        )
    if len(address.lines) > 2:
        errors.setdefault(field, []).append(_("At most two free address lines are allowed."))


def check(payment_file: PaymentFile) -> dict[str, list[str]]:
    """What is wrong with the input, by field ("transfers[2].creditor_iban"); empty if fine."""
    errors: dict[str, list[str]] = {}
    if not payment_file.message_id or not _E2E.match(payment_file.message_id):
        errors["message_id"] = [_("The message id must be 1–35 Latin letters, digits or signs.")]
    if not payment_file.debtor.name.strip():
        errors["debtor.name"] = [_("The paying company's name is missing.")]
    _check_iban(payment_file.debtor.iban, "debtor.iban", errors)
    _check_bic(payment_file.debtor.bic, "debtor.bic", errors)
    if not payment_file.transfers:
        errors["transfers"] = [_("There is nothing to pay.")]
    seen: set[str] = set()
    for k, transfer in enumerate(payment_file.transfers):
        at = f"transfers[{k}]"
        if not transfer.creditor_name.strip():
            errors[f"{at}.creditor_name"] = [_("The supplier's name is missing.")]
        _check_iban(transfer.creditor_iban, f"{at}.creditor_iban", errors)
        _check_bic(transfer.creditor_bic, f"{at}.creditor_bic", errors)
        _check_address(transfer.creditor_address, f"{at}.creditor_address", errors)
        if transfer.currency != "EUR":
            errors[f"{at}.currency"] = [_("SEPA credit transfers are in EUR only.")]
        amount = transfer.amount
        if not isinstance(amount, Decimal) or not amount.is_finite():
            errors[f"{at}.amount"] = [_("The amount must be a number.")]
        elif amount <= 0 or amount > MAX_AMOUNT or amount != amount.quantize(CENT):
            errors[f"{at}.amount"] = [
                _("The amount must be positive, in cents, and at most 999,999,999.99.")
            ]
        e2e = transfer.end_to_end_id
        if not _E2E.match(e2e or "") or e2e.startswith("/") or "//" in e2e:
            errors[f"{at}.end_to_end_id"] = [
                _("The end-to-end id must be 1–35 Latin letters, digits or signs.")
            ]
        elif e2e in seen:
            errors[f"{at}.end_to_end_id"] = [_("Each invoice needs its own end-to-end id.")]
        seen.add(e2e)
        if transfer.reference and not is_valid_rf(transfer.reference):
            errors[f"{at}.reference"] = [
                _("%(ref)s is not a valid RF creditor reference.") % {"ref": transfer.reference}
            ]
        if not transfer.reference and not (transfer.invoice_number or transfer.remittance):
            errors[f"{at}.invoice_number"] = [
                _("Give the invoice number or its RF reference for the remittance.")
            ]
    return errors


# --------------------------------------------------------------------------- writing


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str):
    element = etree.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def _amount(value: Decimal) -> str:
    return f"{value.quantize(CENT):f}"


def write(payment_file: PaymentFile, schema: str = "pain.001.001.09") -> bytes:
    """The pain.001 file (UTF-8 bytes), validated against the ISO schema.
    Raises PaymentFileError naming the fields when the input is wrong."""
    if schema not in SCHEMAS:
        message = _("Unknown payment file format %(format)s.") % {"format": schema}
        raise PaymentFileError({"schema": [message]})
    errors = check(payment_file)
    if errors:
        raise PaymentFileError(errors)
    debtor = payment_file.debtor
    debtor_iban = str(IBAN(debtor.iban).compact)
    debtor_bic = str(BIC(debtor.bic).compact) if debtor.bic else bic_for(debtor_iban)
    transfers = payment_file.transfers
    total = sum((t.amount for t in transfers), Decimal(0))

    namespace = f"urn:iso:std:iso:20022:tech:xsd:{schema}"
    root = etree.Element(f"{{{namespace}}}Document", nsmap={None: namespace})
    initiation = etree.SubElement(root, f"{{{namespace}}}CstmrCdtTrfInitn")
    # Children take the default namespace from their tag; build with Clark names below.
    ns = f"{{{namespace}}}"

    def sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str):
        return _sub(parent, ns + tag, text, **attrs)

    header = sub(initiation, "GrpHdr")
    sub(header, "MsgId", payment_file.message_id)
    sub(header, "CreDtTm", payment_file.created_at.replace(microsecond=0).isoformat())
    sub(header, "NbOfTxs", str(len(transfers)))
    sub(header, "CtrlSum", _amount(total))
    sub(sub(header, "InitgPty"), "Nm", sepa_text(payment_file.initiating_party or debtor.name, 70))

    info = sub(initiation, "PmtInf")
    sub(info, "PmtInfId", payment_file.message_id)
    sub(info, "PmtMtd", "TRF")
    sub(info, "BtchBookg", "true" if payment_file.batch_booking else "false")
    sub(info, "NbOfTxs", str(len(transfers)))
    sub(info, "CtrlSum", _amount(total))
    sub(sub(sub(info, "PmtTpInf"), "SvcLvl"), "Cd", "SEPA")
    execution = payment_file.execution_date.isoformat()
    if schema.endswith(".09"):
        sub(sub(info, "ReqdExctnDt"), "Dt", execution)
    else:
        sub(info, "ReqdExctnDt", execution)
    debtor_node = sub(info, "Dbtr")
    sub(debtor_node, "Nm", sepa_text(debtor.name, 70))
    _address_ns(debtor_node, debtor.address, ns)
    sub(sub(sub(info, "DbtrAcct"), "Id"), "IBAN", debtor_iban)
    _agent_ns(info, "DbtrAgt", debtor_bic, schema, ns)
    sub(info, "ChrgBr", "SLEV")

    for transfer in transfers:
        node = sub(info, "CdtTrfTxInf")
        sub(sub(node, "PmtId"), "EndToEndId", transfer.end_to_end_id)
        sub(sub(node, "Amt"), "InstdAmt", _amount(transfer.amount), Ccy=transfer.currency)
        if transfer.creditor_bic:
            _agent_ns(node, "CdtrAgt", str(BIC(transfer.creditor_bic).compact), schema, ns)
        creditor = sub(node, "Cdtr")
        sub(creditor, "Nm", sepa_text(transfer.creditor_name, 70))
        _address_ns(creditor, transfer.creditor_address, ns)
        sub(sub(sub(node, "CdtrAcct"), "Id"), "IBAN", str(IBAN(transfer.creditor_iban).compact))
        remittance = sub(node, "RmtInf")
        if transfer.reference:
            reference = sub(sub(remittance, "Strd"), "CdtrRefInf")
            kind = sub(reference, "Tp")
            sub(sub(kind, "CdOrPrtry"), "Cd", "SCOR")
            sub(kind, "Issr", "ISO")
            sub(reference, "Ref", "".join(transfer.reference.split()).upper())
        else:
            text = " ".join(
                t for t in (f"INV {transfer.invoice_number}".strip(), transfer.remittance) if t
            )
            if not transfer.invoice_number:
                text = transfer.remittance
            sub(remittance, "Ustrd", sepa_text(text, 140))

    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    validate(xml, schema)
    return xml


def _address_ns(parent: etree._Element, address: PostalAddress | None, ns: str) -> None:
    if address is None:
        return
    node = _sub(parent, ns + "PstlAdr")
    # Element order follows PostalAddress6 (.03) and PostalAddress24 (.09), which agree here.
    for tag, value, limit in (
        ("StrtNm", address.street, 70),
        ("BldgNb", address.building, 16),
        ("PstCd", address.postcode, 16),
        ("TwnNm", address.town, 35),
        ("Ctry", address.country, 2),
    ):
        text = sepa_text(value, limit)
        if text:
            _sub(node, ns + tag, text)
    for line in address.lines[:2]:
        text = sepa_text(line, 70)
        if text:
            _sub(node, ns + "AdrLine", text)


def _agent_ns(parent: etree._Element, tag: str, bic: str, schema: str, ns: str) -> None:
    institution = _sub(_sub(parent, ns + tag), ns + "FinInstnId")
    if bic:
        _sub(institution, ns + ("BICFI" if schema.endswith(".09") else "BIC"), bic)
    else:
        _sub(_sub(institution, ns + "Othr"), ns + "Id", "NOTPROVIDED")


# --------------------------------------------------------------------------- validation


@functools.cache
def _schema(schema: str) -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / f"{schema}.xsd"), parser))


def validate(xml: bytes, schema: str = "pain.001.001.09") -> None:
    """Raise PaymentFileError with the schema's complaints (line: message) when `xml` is not
    a valid `schema` document."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        document = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as error:
        raise PaymentFileError({"file": [str(error)]}) from None
    checker = _schema(schema)
    try:
        valid = checker.validate(document)
    except etree.Error as error:  # e.g. an entity reference left unexpanded
        raise PaymentFileError({"file": [str(error)]}) from None
    if not valid:
        problems = [f"line {e.line}: {e.message}" for e in checker.error_log]
        raise PaymentFileError({"file": problems})


# --------------------------------------------------------------------------- IBAN changes


@dataclass(frozen=True)
class IbanRecord:
    """An IBAN a supplier gave us and the day we recorded it."""

    iban: str
    since: dt.date


@dataclass(frozen=True)
class IbanFlag:
    iban: str  # the IBAN the file would pay
    previous: str  # the one paid before (or recorded before)
    reason: str


def _compact(iban: str) -> str:
    return "".join((iban or "").split()).upper()


def iban_changed(
    supplier_iban_history: Sequence[IbanRecord],
    last_paid_iban: str | None,
    *,
    today: dt.date | None = None,
    recent_days: int = 30,
) -> IbanFlag | None:
    """A flag when the supplier's current IBAN (the latest in its history) differs from the one
    its last paid invoice went to, or replaced another within `recent_days` of `today`;
    None when nothing changed. Paying a flagged supplier needs an owner's confirmation."""
    if not supplier_iban_history:
        return None
    history = sorted(supplier_iban_history, key=lambda r: r.since)
    current = history[-1]
    now = _compact(current.iban)
    paid = _compact(last_paid_iban or "")
    if paid and paid != now:
        return IbanFlag(
            now,
            paid,
            _("The IBAN differs from the one the last paid invoice went to (%(old)s).")
            % {"old": paid},
        )
    earlier = [r for r in history[:-1] if _compact(r.iban) != now]
    days = (today - current.since).days if today is not None else recent_days + 1
    if earlier and days <= recent_days:
        return IbanFlag(
            now,
            _compact(earlier[-1].iban),
            ngettext(
                "The IBAN changed on %(day)s, %(days)d day ago.",
                "The IBAN changed on %(day)s, %(days)d days ago.",
                days,
            )
            % {"day": formatting.date(current.since), "days": days},
        )
    return None
