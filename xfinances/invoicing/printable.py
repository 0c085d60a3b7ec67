"""The immutable record a sales-document PDF is made from.

The invoicing models map an issued (or draft) document to a `PrintableDocument`; `pdf.py`
renders it. Nothing here touches the database: values are typed (Decimal, date), and all
print formatting (1 234,56; 28.11.2026; IBAN groups) happens in `pdf.py`, so the same record
can also feed e-mail bodies or other exports.

Field meanings follow ЗДДС art. 114 (see shared/domain/bg-invoicing.md):

- `title` is the printed document name ("ФАКТУРА", "КРЕДИТНО ИЗВЕСТИЕ" …); `kind` picks the
  English counterpart for bilingual and English prints.
- `number` is the 10-digit number ("0000000042"); empty only for a draft preview.
- Amounts are Decimal in `currency`; `totals` holds the EUR figures when `currency` is not EUR,
  and the original BGN figures when a note corrects a pre-2026 BGN invoice.
- `language`: "bg", "en" or "bg-en" (labels side by side: "Фактура / Invoice").
- `status`: "original", "voided" (printed with a large "АНУЛИРАН" mark) or "draft".
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from xfinances.invoicing.creditor_reference import rf_for_document
from xfinances.invoicing.epc_qr import epc_payload
from xfinances.invoicing.words import amount_in_words

DocumentKind = Literal["invoice", "proforma", "credit_note", "debit_note", "protocol"]
Language = Literal["bg", "en", "bg-en"]
Status = Literal["original", "voided", "draft"]

KINDS: tuple[str, ...] = ("invoice", "proforma", "credit_note", "debit_note", "protocol")
LANGUAGES: tuple[str, ...] = ("bg", "en", "bg-en")
STATUSES: tuple[str, ...] = ("original", "voided", "draft")


class PrintableError(ValueError):
    """A printable record that cannot be printed; the message names the field."""


@dataclass(frozen=True, kw_only=True)
class PrintableParty:
    """Supplier or recipient as printed. `address_lines` are the street lines (no city)."""

    name: str
    name_latin: str = ""
    address_lines: tuple[str, ...] = ()
    city: str = ""
    postcode: str = ""
    country: str = ""  # printed name, e.g. "България"; empty for the home country if preferred
    eik: str = ""  # ЕИК / БУЛСТАТ
    vat_number: str = ""  # "BG123456789" or an EU VAT number
    egn_or_lnch: str = ""  # individuals without ЕИК
    mol: str = ""  # МОЛ

    def __post_init__(self) -> None:
        object.__setattr__(self, "address_lines", tuple(self.address_lines))
        if not (self.name or "").strip():
            raise PrintableError("name: a party needs a name")


@dataclass(frozen=True, kw_only=True)
class PrintableBankAccount:
    iban: str
    bic: str = ""
    bank_name: str = ""


@dataclass(frozen=True, kw_only=True)
class PrintableLine:
    position: int  # 1-based
    description: str
    quantity: Decimal
    unit: str  # printed unit name: "бр.", "час", "кг"
    unit_price: Decimal  # without VAT
    discount_percent: Decimal = Decimal(0)
    net: Decimal = Decimal(0)  # quantity × price − discount, rounded
    vat_rate: Decimal | None = None  # None: no VAT charged (exempt, reverse charge …)
    vat_label: str = ""  # short text for the line's VAT column: "20 %", "0 %", "о.н."


@dataclass(frozen=True, kw_only=True)
class PrintableVatRow:
    """One row of the VAT breakdown."""

    label: str  # "ДДС 20 %", "Обратно начисляване"
    rate: Decimal | None
    base: Decimal
    vat: Decimal
    legal_basis: str = ""  # "чл. 28 от ЗДДС"; empty for taxed rows


@dataclass(frozen=True, kw_only=True)
class PrintableTotals:
    base: Decimal
    vat: Decimal
    total: Decimal
    lines_net: Decimal | None = None  # before a document discount; None when no discount
    document_discount: Decimal = Decimal(0)
    document_discount_percent: Decimal = Decimal(0)
    # When the document currency is not EUR: the EUR figures and the rate (units per 1 EUR).
    eur_base: Decimal | None = None
    eur_vat: Decimal | None = None
    eur_total: Decimal | None = None
    eur_rate: Decimal | None = None
    eur_rate_date: date | None = None
    # A note to a pre-2026 BGN invoice: the BGN figures of the correction.
    bgn_base: Decimal | None = None
    bgn_vat: Decimal | None = None
    bgn_total: Decimal | None = None


@dataclass(frozen=True, kw_only=True)
class PrintableRelatedDocument:
    """The document a credit/debit note corrects (or a proforma an invoice settles)."""

    title: str  # "фактура"
    number: str
    issue_date: date
    reason: str = ""
    currency: str = ""  # "BGN" for a pre-2026 invoice


def _sample_parties() -> tuple[PrintableParty, PrintableParty]:
    supplier = PrintableParty(
        name="Примерна Фирма ЕООД",
        name_latin="Primerna Firma EOOD",
        address_lines=("ул. „Граф Игнатиев“ № 15, ет. 3",),
        city="София",
        postcode="1000",
        country="България",
        eik="206521510",
        vat_number="BG206521510",
        mol="Иван Петров Иванов",
    )
    recipient = PrintableParty(
        name="Клиент Трейд АД",
        name_latin="Client Trade AD",
        address_lines=("бул. „Христо Ботев“ № 42",),
        city="Пловдив",
        postcode="4000",
        country="България",
        eik="115000021",
        vat_number="BG115000021",
        mol="Мария Георгиева",
    )
    return supplier, recipient


def _sample_lines() -> tuple[PrintableLine, ...]:
    return (
        PrintableLine(
            position=1,
            description="Счетоводно обслужване за месец ноември 2026",
            quantity=Decimal("1"),
            unit="бр.",
            unit_price=Decimal("450.00"),
            net=Decimal("450.00"),
            vat_rate=Decimal("20"),
            vat_label="20 %",
        ),
        PrintableLine(
            position=2,
            description="Консултация по данъчно планиране",
            quantity=Decimal("3.5"),
            unit="час",
            unit_price=Decimal("60.00"),
            discount_percent=Decimal("10"),
            net=Decimal("189.00"),
            vat_rate=Decimal("20"),
            vat_label="20 %",
        ),
        PrintableLine(
            position=3,
            description="Хартия за принтер А4, 80 г/м², пакет 500 листа",
            quantity=Decimal("12"),
            unit="пакет",
            unit_price=Decimal("6.4500"),
            net=Decimal("77.40"),
            vat_rate=Decimal("20"),
            vat_label="20 %",
        ),
        PrintableLine(
            position=4,
            description="Доставка на стоки извън ЕС (износ), гр. Скопие",
            quantity=Decimal("2"),
            unit="бр.",
            unit_price=Decimal("125.00"),
            net=Decimal("250.00"),
            vat_rate=Decimal("0"),
            vat_label="0 %",
        ),
        PrintableLine(
            position=5,
            description="Монтаж на оборудване (строително-монтажни работи)",
            quantity=Decimal("8"),
            unit="час",
            unit_price=Decimal("35.00"),
            net=Decimal("280.00"),
            vat_rate=None,
            vat_label="о.н.",
        ),
    )


def _sample_vat_rows() -> tuple[PrintableVatRow, ...]:
    return (
        PrintableVatRow(
            label="ДДС 20 %",
            rate=Decimal("20"),
            base=Decimal("716.40"),
            vat=Decimal("143.28"),
        ),
        PrintableVatRow(
            label="ДДС 0 %",
            rate=Decimal("0"),
            base=Decimal("250.00"),
            vat=Decimal("0.00"),
            legal_basis="чл. 28 от ЗДДС",
        ),
        PrintableVatRow(
            label="Обратно начисляване",
            rate=None,
            base=Decimal("280.00"),
            vat=Decimal("0.00"),
            legal_basis="чл. 163а, ал. 2 от ЗДДС – обратно начисляване",
        ),
    )


@dataclass(frozen=True, kw_only=True)
class PrintableDocument:
    kind: DocumentKind
    title: str
    number: str
    issue_date: date
    supplier: PrintableParty
    recipient: PrintableParty
    lines: tuple[PrintableLine, ...]
    vat_rows: tuple[PrintableVatRow, ...]
    totals: PrintableTotals
    currency: str = "EUR"
    tax_event_date: date | None = None
    due_date: date | None = None
    place_of_issue: str = ""
    payment_method: str = ""  # printed label: "По банков път", "В брой"
    language: Language = "bg"
    amount_in_words: str = ""
    legal_basis_notes: tuple[str, ...] = ()
    related: PrintableRelatedDocument | None = None
    issued_by: str = ""  # "Съставил"
    mol: str = ""  # the supplier's МОЛ signing line; defaults to supplier.mol
    recipient_person: str = ""  # "Получил"
    notes: str = ""
    bank_accounts: tuple[PrintableBankAccount, ...] = ()
    rf_reference: str = ""  # compact "RF34…"; printed in groups
    epc_qr_payload: str | None = None
    status: Status = "original"
    copy_label: str = "Оригинал"
    logo: bytes | None = None
    logo_mime: str = ""  # "image/png", "image/jpeg", "image/svg+xml"
    extra: dict[str, str] = field(default_factory=dict)  # free fields for custom templates

    def __post_init__(self) -> None:
        for name in ("lines", "vat_rows", "legal_basis_notes", "bank_accounts"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if self.kind not in KINDS:
            raise PrintableError(f"kind: {self.kind!r} is not one of {', '.join(KINDS)}")
        if self.language not in LANGUAGES:
            raise PrintableError(f"language: {self.language!r} is not one of bg, en, bg-en")
        if self.status not in STATUSES:
            raise PrintableError(f"status: {self.status!r} is not one of {', '.join(STATUSES)}")
        if self.number and not (len(self.number) == 10 and self.number.isdigit()):
            raise PrintableError(f"number: a document number has 10 digits (got {self.number!r})")
        if not self.number and self.status != "draft":
            raise PrintableError("number: only a draft may be printed without a number")
        if self.logo and not self.logo_mime:
            raise PrintableError("logo_mime: give the logo's type (image/png, image/jpeg …)")

    @classmethod
    def sample(cls, **changes: Any) -> PrintableDocument:
        """A realistic Bulgarian invoice: 20 % lines, a discount, an export line at 0 % and a
        reverse-charge service; EUR; bank transfer with RF reference and EPC QR code."""
        supplier, recipient = _sample_parties()
        lines, vat_rows = _sample_lines(), _sample_vat_rows()
        totals = PrintableTotals(
            base=Decimal("1246.40"),
            vat=Decimal("143.28"),
            total=Decimal("1389.68"),
        )
        number = "0000000042"
        rf = rf_for_document(number)
        account = PrintableBankAccount(
            iban="BG80BNBG96611020345678", bic="BNBGBGSF", bank_name="Българска народна банка"
        )
        base = cls(
            kind="invoice",
            title="ФАКТУРА",
            number=number,
            issue_date=date(2026, 11, 28),
            tax_event_date=date(2026, 11, 27),
            due_date=date(2026, 12, 12),
            place_of_issue="София",
            payment_method="По банков път",
            currency="EUR",
            language="bg",
            supplier=supplier,
            recipient=recipient,
            lines=lines,
            vat_rows=vat_rows,
            totals=totals,
            amount_in_words=amount_in_words(totals.total, "EUR"),
            legal_basis_notes=(
                "Ред 4: чл. 28 от ЗДДС",
                "Ред 5: чл. 163а, ал. 2 от ЗДДС – обратно начисляване",
            ),
            issued_by="Елена Димитрова",
            mol=supplier.mol,
            recipient_person=recipient.mol,
            notes="Моля, посочете номера на фактурата като основание за плащане.",
            bank_accounts=(account,),
            rf_reference=rf,
            epc_qr_payload=epc_payload(
                supplier.name_latin or supplier.name,
                account.iban,
                totals.total,
                bic=account.bic,
                reference_rf=rf,
            ),
        )
        return replace(base, **changes)


@dataclass(frozen=True, kw_only=True)
class PrintableAnnulmentProtocol:
    """A bilateral protocol annulling an issued document (ЗДДС art. 116 practice)."""

    supplier: PrintableParty
    recipient: PrintableParty
    voided_title: str  # "фактура"
    voided_number: str
    voided_date: date
    reason: str
    place: str
    protocol_date: date
    voided_total: Decimal | None = None
    currency: str = "EUR"
    new_document_title: str = ""
    new_document_number: str = ""
    new_document_date: date | None = None
    protocol_number: str = ""
    language: Language = "bg"
    supplier_signatory: str = ""  # defaults to supplier.mol
    recipient_signatory: str = ""  # defaults to recipient.mol

    def __post_init__(self) -> None:
        if not (self.reason or "").strip():
            raise PrintableError("reason: an annulment protocol states the reason")
        if not (len(self.voided_number) == 10 and self.voided_number.isdigit()):
            raise PrintableError("voided_number: a document number has 10 digits")
        if self.new_document_number and self.new_document_date is None:
            raise PrintableError("new_document_date: give the date of the new document")

    @classmethod
    def sample(cls, **changes: Any) -> PrintableAnnulmentProtocol:
        doc = PrintableDocument.sample()
        base = cls(
            supplier=doc.supplier,
            recipient=doc.recipient,
            voided_title="фактура",
            voided_number=doc.number,
            voided_date=doc.issue_date,
            voided_total=doc.totals.total,
            currency=doc.currency,
            reason="Грешно посочен получател на доставката",
            place="София",
            protocol_date=date(2026, 12, 2),
            new_document_title="фактура",
            new_document_number="0000000047",
            new_document_date=date(2026, 12, 2),
        )
        return replace(base, **changes)


__all__ = [
    "PrintableAnnulmentProtocol",
    "PrintableBankAccount",
    "PrintableDocument",
    "PrintableError",
    "PrintableLine",
    "PrintableParty",
    "PrintableRelatedDocument",
    "PrintableTotals",
    "PrintableVatRow",
]
