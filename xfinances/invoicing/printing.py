"""What a stored sales document prints: its printable record, the company's print options and
the PDF made now.

`printable_for(document)` maps a document (its frozen supplier and recipient snapshots, lines
and VAT rows) to the `PrintableDocument` that `pdf.py` renders; `annulment_protocol_for` does
the same for the protocol of a voided document. The reads they need are named in queries.py;
`pdf.py` and `printable.py` stay free of the database.
"""

from __future__ import annotations

from typing import cast

from django.utils import timezone

from xfinances.catalog.models import VatTreatment, unit_print_name
from xfinances.core import formatting
from xfinances.core.models import Company
from xfinances.core.printing import template_file
from xfinances.invoicing import pdf, printable
from xfinances.invoicing.epc_qr import EpcPayloadError, epc_payload
from xfinances.invoicing.models import Document, DocumentKind, DocumentStatus, DocumentVatGroup
from xfinances.invoicing.pdf import PdfOptions, number_language
from xfinances.invoicing.printable import (
    PrintableAnnulmentProtocol,
    PrintableBankAccount,
    PrintableDocument,
    PrintableLine,
    PrintableParty,
    PrintableRelatedDocument,
    PrintableTotals,
    PrintableVatRow,
)
from xfinances.invoicing.queries import company_logo, lines_of, print_settings

TITLES: dict[str, str] = {
    DocumentKind.INVOICE: "ФАКТУРА",
    DocumentKind.PROFORMA: "ПРОФОРМА ФАКТУРА",
    DocumentKind.CREDIT_NOTE: "КРЕДИТНО ИЗВЕСТИЕ",
    DocumentKind.DEBIT_NOTE: "ДЕБИТНО ИЗВЕСТИЕ",
    DocumentKind.PROTOCOL: "ПРОТОКОЛ ПО ЧЛ. 117 ОТ ЗДДС",
}
PAYMENT_LABELS: dict[str, str] = {
    "bank_transfer": "По банков път",
    "cash": "В брой",
    "card": "С карта",
    "offset": "Прихващане",
    "cash_on_delivery": "Наложен платеж",
}
COUNTRY_NAMES = {"BG": "България"}


def _printable_party(document: Document, prefix: str) -> PrintableParty:

    def value(name: str) -> str:
        return str(getattr(document, f"{prefix}_{name}", "") or "")

    person_id = value("egn") or value("lnch") if prefix == "recipient" else ""
    return PrintableParty(
        name=value("name") or "—",
        name_latin=value("name_latin"),
        address_lines=(value("address"),) if value("address") else (),
        city=value("city"),
        postcode=value("postcode"),
        country=COUNTRY_NAMES.get(value("country"), value("country")),
        eik=value("eik"),
        vat_number=value("vat_number"),
        egn_or_lnch=person_id,
        mol=value("mol"),
    )


def pdf_options(company: Company) -> PdfOptions:
    """The `pdf.PdfOptions` the company's documents print with."""

    chosen = print_settings(company)
    return PdfOptions(
        accent_colour=chosen.accent_colour,
        show_logo=chosen.show_logo,
        show_qr=chosen.show_qr,
        show_bgn_equivalent=chosen.show_bgn_equivalent,
        show_signatures=chosen.show_signatures,
        footer_text=chosen.footer_text,
        template=template_file(chosen.custom_template) if chosen.custom_template else None,
    )


def document_pdf(document: Document) -> bytes:
    """The document's PDF made now from its data and the company's print settings (nothing
    stored): what the worker stores, and what a preview or a not-yet-stored PDF shows."""

    options = pdf_options(document.company)
    return bytes(pdf.render_document_pdf(printable_for(document), options=options))


def _treatment_name(treatment: VatTreatment, language: str) -> str:
    if language == "en" and treatment.name_en:
        return treatment.name_en
    return treatment.name


def _printable_lines(document: Document) -> tuple[PrintableLine, ...]:
    unit_language = number_language(document.language)  # English figures only in English
    return tuple(
        PrintableLine(
            position=line.position,
            description=line.description,
            quantity=line.quantity,
            unit=unit_print_name(line.unit, unit_language),
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            net=line.net,
            vat_rate=line.vat_rate,
            vat_label=(
                f"{formatting.percent(line.vat_rate, unit_language)} %"
                if line.vat_rate is not None
                else "—"
            ),
        )
        for line in lines_of(document)
    )


def _vat_rows(groups: list[DocumentVatGroup], language: str) -> tuple[PrintableVatRow, ...]:
    unit_language = number_language(language)
    vat_word = "VAT" if language == "en" else "ДДС"
    return tuple(
        PrintableVatRow(
            label=(
                f"{vat_word} {formatting.percent(group.vat_rate, unit_language)} %"
                if group.vat_rate is not None
                else _treatment_name(group.vat_treatment, language)
            ),
            rate=group.vat_rate,
            base=group.base,
            vat=group.vat,
            legal_basis=group.legal_basis,
        )
        for group in groups
    )


def _printable_totals(document: Document) -> PrintableTotals:
    # The EUR equivalent prints for a foreign-currency document; the BGN figures for a note
    # that corrects a BGN invoice (issued in EUR since the euro day).
    foreign = document.currency != "EUR"
    bgn = document.original_currency == "BGN"
    return PrintableTotals(
        base=document.base,
        vat=document.vat,
        total=document.total,
        lines_net=document.lines_net if document.document_discount else None,
        document_discount=document.document_discount,
        document_discount_percent=document.document_discount_percent,
        eur_base=document.eur_base if foreign else None,
        eur_vat=document.eur_vat if foreign else None,
        eur_total=document.eur_total if foreign else None,
        eur_rate=document.exchange_rate if foreign else None,
        eur_rate_date=document.exchange_rate_date if foreign else None,
        bgn_base=document.original_base if bgn else None,
        bgn_vat=document.original_vat if bgn else None,
        bgn_total=document.original_total if bgn else None,
    )


def _printable_related(document: Document) -> PrintableRelatedDocument | None:
    if not (document.corrected_document_id and document.corrected_issue_date):
        return None
    return PrintableRelatedDocument(
        title="фактура",
        number=document.corrected_number,
        issue_date=document.corrected_issue_date,
        reason=document.note_reason,
        currency=document.original_currency,
    )


def _bank_accounts(document: Document) -> tuple[PrintableBankAccount, ...]:
    return tuple(
        PrintableBankAccount(
            iban=a.get("iban", ""), bic=a.get("bic", ""), bank_name=a.get("bank_name", "")
        )
        for a in document.supplier_bank_accounts or []
        if a.get("iban")
    )


def _epc_qr(document: Document, accounts: tuple[PrintableBankAccount, ...]) -> str | None:
    """The EPC payment QR of an issued document that asks for a EUR bank transfer."""
    if not (
        accounts
        and document.currency == "EUR"
        and document.payment_method == "bank_transfer"
        and document.kind in (DocumentKind.INVOICE, DocumentKind.DEBIT_NOTE, DocumentKind.PROFORMA)
        and document.status == DocumentStatus.ISSUED
        and document.total > 0
    ):
        return None
    try:
        return epc_payload(
            document.supplier_name,
            accounts[0].iban,
            document.total,
            bic=accounts[0].bic,
            reference_rf=document.rf_reference,
        )
    except EpcPayloadError:
        return None


def printable_for(document: Document) -> PrintableDocument:
    """The `PrintableDocument` of a document (from its frozen snapshots, lines and VAT rows)."""

    logo, logo_mime = company_logo(document.company)
    groups = list(document.vat_groups.select_related("vat_treatment").order_by("id"))
    accounts = _bank_accounts(document)
    status = {"draft": "draft", "voided": "voided"}.get(document.status, "original")
    bases = tuple(dict.fromkeys(g.legal_basis for g in groups if g.legal_basis))
    return PrintableDocument(
        kind=cast(printable.DocumentKind, document.kind),
        title=TITLES.get(document.kind, document.kind),
        number=document.number or "",
        issue_date=document.issue_date,
        supplier=_printable_party(document, "supplier"),
        recipient=_printable_party(document, "recipient"),
        lines=_printable_lines(document),
        vat_rows=_vat_rows(groups, document.language),
        totals=_printable_totals(document),
        currency=document.currency,
        tax_event_date=document.tax_event_date,
        due_date=document.due_date,
        place_of_issue=document.place_of_issue,
        payment_method=PAYMENT_LABELS.get(document.payment_method, ""),
        language=cast(printable.Language, document.language),
        amount_in_words=document.amount_in_words,
        legal_basis_notes=bases,
        related=_printable_related(document),
        issued_by=document.issued_by_name,
        mol=document.supplier_mol,
        recipient_person=document.recipient_mol,
        notes="\n".join(part for part in (document.notes, document.terms) if part),
        bank_accounts=accounts,
        rf_reference=document.rf_reference,
        epc_qr_payload=_epc_qr(document, accounts),
        status=cast(printable.Status, status),
        copy_label="Коригиран" if document.corrected_after_delivery_at else "Оригинал",
        logo=logo or None,
        logo_mime=logo_mime,
    )


def annulment_protocol_for(document: Document) -> PrintableAnnulmentProtocol:
    """The `PrintableAnnulmentProtocol` of a voided document (ЗДДС art. 116), from its frozen
    supplier and recipient snapshots."""

    def party(prefix: str) -> PrintableParty:
        return PrintableParty(
            name=getattr(document, f"{prefix}_name") or "—",
            address_lines=tuple(a for a in [getattr(document, f"{prefix}_address")] if a),
            city=getattr(document, f"{prefix}_city"),
            postcode=getattr(document, f"{prefix}_postcode"),
            eik=getattr(document, f"{prefix}_eik"),
            vat_number=getattr(document, f"{prefix}_vat_number"),
            mol=getattr(document, f"{prefix}_mol"),
        )

    voided_on = (
        timezone.localtime(document.voided_at).date()
        if document.voided_at
        else timezone.localdate()
    )
    return PrintableAnnulmentProtocol(
        supplier=party("supplier"),
        recipient=party("recipient"),
        voided_title=str(document.get_kind_display()).lower(),
        voided_number=document.number or "",
        voided_date=document.issue_date,
        voided_total=document.total,
        currency=document.currency,
        reason=document.void_reason or "—",
        place=document.place_of_issue or document.supplier_city,
        protocol_date=voided_on,
        language="en" if document.language == "en" else "bg",
    )
