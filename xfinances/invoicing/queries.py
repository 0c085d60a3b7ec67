"""Named reads of sales documents, always scoped to one company."""

from __future__ import annotations

import datetime as dt
import mimetypes
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from xfinances.catalog.models import unit_print_name
from xfinances.core.models import Company
from xfinances.core.printing import template_file
from xfinances.invoicing import pdf
from xfinances.invoicing.epc_qr import EpcPayloadError, epc_payload
from xfinances.invoicing.models import (
    Document,
    DocumentKind,
    DocumentLine,
    DocumentStatus,
    NumberSeries,
    PrintSettings,
    RecurringInvoice,
    RecurringRun,
)
from xfinances.invoicing.pdf import PdfOptions
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

ZERO = Decimal("0.00")


def search_terms(query: str) -> list[str]:
    return [term for term in (query or "").casefold().split() if term]


def documents(
    company: Company,
    *,
    kind: str = "",
    status: str = "",
    party_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    amount_min: Decimal | None = None,
    amount_max: Decimal | None = None,
    overdue_on: dt.date | None = None,
    q: str = "",
) -> QuerySet[Document]:
    """Documents newest first (issue date, then id: the keyset order of the API and UI).

    `overdue_on`: issued invoices and debit notes whose due date is before that day (payments
    are not yet deducted: the payments area narrows this to unpaid ones). `q`: every word in the
    number, recipient name, ЕИК/VAT number or line texts."""
    found = Document.objects.filter(company=company)
    if kind:
        found = found.filter(kind=kind)
    if status:
        found = found.filter(status=status)
    if party_id:
        found = found.filter(party_id=party_id)
    if date_from:
        found = found.filter(issue_date__gte=date_from)
    if date_to:
        found = found.filter(issue_date__lte=date_to)
    if amount_min is not None:
        found = found.filter(total__gte=amount_min)
    if amount_max is not None:
        found = found.filter(total__lte=amount_max)
    if overdue_on is not None:
        found = found.filter(
            status=DocumentStatus.ISSUED,
            kind__in=[DocumentKind.INVOICE, DocumentKind.DEBIT_NOTE],
            due_date__lt=overdue_on,
        )
    for term in search_terms(q):
        found = found.filter(search_text__contains=term)
    return found.order_by("-issue_date", "-id")


def after_cursor(found: QuerySet[Document], issue_date: dt.date, pk: int) -> QuerySet[Document]:
    """The rows after (issue_date, pk) in the newest-first order: a keyset page, no OFFSET.
    `issue_date <= day` is said on its own so PostgreSQL starts the index scan at the cursor
    (with only the OR it walks the index from the newest row: 140 ms a million rows deep)."""
    return found.filter(
        Q(issue_date__lte=issue_date),
        Q(issue_date__lt=issue_date) | Q(issue_date=issue_date, pk__lt=pk),
    )


def document(company: Company, document_id: int) -> Document | None:
    return (
        Document.objects.filter(company=company, pk=document_id)
        .select_related("company", "party", "series", "corrected_document", "proforma")
        .first()
    )


def lines_of(document: Document) -> QuerySet[DocumentLine]:
    return (
        DocumentLine.objects.filter(company_id=document.company_id, document=document)
        .select_related("vat_treatment", "advance_document")
        .order_by("position", "id")
    )


def notes_against(invoice: Document) -> QuerySet[Document]:
    return Document.objects.filter(
        company_id=invoice.company_id, corrected_document=invoice
    ).order_by("issue_date", "id")


def remaining_to_credit(invoice: Document, exclude_id: int | None = None) -> Decimal:
    """What credit notes may still take back from `invoice`, in the invoice's currency:
    its total, plus issued debit notes, minus issued credit notes (voided ones do not count)."""
    issued = notes_against(invoice).filter(status=DocumentStatus.ISSUED)
    if exclude_id is not None:
        issued = issued.exclude(pk=exclude_id)
    sums = {
        row["kind"]: row["amount"] or ZERO
        for row in issued.order_by().values("kind").annotate(amount=Sum("correction_total"))
    }
    return (
        invoice.total
        + sums.get(DocumentKind.DEBIT_NOTE, ZERO)
        - sums.get(DocumentKind.CREDIT_NOTE, ZERO)
    )


def advance_deducted(advance: Document, exclude_document_id: int | None = None) -> Decimal:
    """The base of `advance` already deducted by issued final invoices (a positive amount)."""
    lines = DocumentLine.objects.filter(
        company_id=advance.company_id,
        advance_document=advance,
        document__status=DocumentStatus.ISSUED,
    )
    if exclude_document_id is not None:
        lines = lines.exclude(document_id=exclude_document_id)
    return -(lines.aggregate(total=Sum("net"))["total"] or ZERO)


def series_list(company: Company, group: str = "") -> QuerySet[NumberSeries]:
    found = NumberSeries.objects.filter(company=company)
    if group:
        found = found.filter(group=group)
    return found.order_by("group", "range_start", "id")


def before_cursor(found: QuerySet[Document], issue_date: dt.date, pk: int) -> QuerySet[Document]:
    """The rows before (issue_date, pk) in the newest-first order, nearest first (oldest-first
    order): the previous keyset page of the UI, read backwards; no OFFSET."""
    return found.filter(
        Q(issue_date__gte=issue_date),
        Q(issue_date__gt=issue_date) | Q(issue_date=issue_date, pk__gt=pk),
    ).order_by("issue_date", "id")


# --- the printable record (pdf.py renders it) ---------------------------------------------------

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


def _printable_party(document: Document, prefix: str) -> Any:

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


def print_settings(company: Company) -> PrintSettings:
    """The company's print settings; an unsaved row of defaults when it never set them."""
    found = PrintSettings.objects.filter(company=company).first()
    return found if found is not None else PrintSettings(company=company)


def pdf_options(company: Company) -> Any:
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


def company_logo(company: Company) -> tuple[bytes, str]:
    """The company logo's bytes and MIME type, or (b"", "") when it has none, the file is gone
    or it is not an image a PDF can hold (a document still prints, without it)."""
    if not company.logo:
        return b"", ""
    try:
        with company.logo.open("rb") as file:
            data = file.read()
    except OSError:
        return b"", ""
    mime = mimetypes.guess_type(company.logo.name)[0] or ""
    if mime not in PRINTABLE_LOGO_TYPES:
        return b"", ""
    return data, mime


PRINTABLE_LOGO_TYPES = ("image/png", "image/jpeg", "image/gif", "image/svg+xml", "image/webp")


def printable_for(document: Document) -> Any:
    """The `PrintableDocument` of a document (from its frozen snapshots, lines and VAT rows)."""

    language = document.language
    unit_language = "en" if language == "en" else "bg"
    logo, logo_mime = company_logo(document.company)
    lines = [
        PrintableLine(
            position=line.position,
            description=line.description,
            quantity=line.quantity,
            unit=unit_print_name(line.unit, unit_language),
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            net=line.net,
            vat_rate=line.vat_rate,
            vat_label=f"{line.vat_rate.normalize():f} %" if line.vat_rate is not None else "—",
        )
        for line in lines_of(document)
    ]
    groups = list(document.vat_groups.select_related("vat_treatment").order_by("id"))
    vat_rows = [
        PrintableVatRow(
            label=(
                f"ДДС {group.vat_rate.normalize():f} %"
                if group.vat_rate is not None
                else group.vat_treatment.name
            ),
            rate=group.vat_rate,
            base=group.base,
            vat=group.vat,
            legal_basis=group.legal_basis,
        )
        for group in groups
    ]
    foreign = document.currency != "EUR"
    totals = PrintableTotals(
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
        bgn_base=document.original_base if document.original_currency == "BGN" else None,
        bgn_vat=document.original_vat if document.original_currency == "BGN" else None,
        bgn_total=document.original_total if document.original_currency == "BGN" else None,
    )
    related = None
    if document.corrected_document_id and document.corrected_issue_date:
        related = PrintableRelatedDocument(
            title="фактура",
            number=document.corrected_number,
            issue_date=document.corrected_issue_date,
            reason=document.note_reason,
            currency=document.original_currency,
        )
    accounts = [
        PrintableBankAccount(
            iban=a.get("iban", ""), bic=a.get("bic", ""), bank_name=a.get("bank_name", "")
        )
        for a in document.supplier_bank_accounts or []
        if a.get("iban")
    ]
    qr = None
    if (
        accounts
        and document.currency == "EUR"
        and document.payment_method == "bank_transfer"
        and document.kind in (DocumentKind.INVOICE, DocumentKind.DEBIT_NOTE, DocumentKind.PROFORMA)
        and document.status == DocumentStatus.ISSUED
        and document.total > 0
    ):
        try:
            qr = epc_payload(
                document.supplier_name,
                accounts[0].iban,
                document.total,
                bic=accounts[0].bic,
                reference_rf=document.rf_reference,
            )
        except EpcPayloadError:
            qr = None
    status = {"draft": "draft", "voided": "voided"}.get(document.status, "original")
    bases = tuple(dict.fromkeys(g.legal_basis for g in groups if g.legal_basis))
    return PrintableDocument(
        kind=document.kind,  # type: ignore[arg-type]
        title=TITLES.get(document.kind, document.kind),
        number=document.number or "",
        issue_date=document.issue_date,
        supplier=_printable_party(document, "supplier"),
        recipient=_printable_party(document, "recipient"),
        lines=tuple(lines),
        vat_rows=tuple(vat_rows),
        totals=totals,
        currency=document.currency,
        tax_event_date=document.tax_event_date,
        due_date=document.due_date,
        place_of_issue=document.place_of_issue,
        payment_method=PAYMENT_LABELS.get(document.payment_method, ""),
        language=language,  # type: ignore[arg-type]
        amount_in_words=document.amount_in_words,
        legal_basis_notes=bases,
        related=related,
        issued_by=document.issued_by_name,
        mol=document.supplier_mol,
        recipient_person=document.recipient_mol,
        notes="\n".join(part for part in (document.notes, document.terms) if part),
        bank_accounts=tuple(accounts),
        rf_reference=document.rf_reference,
        epc_qr_payload=qr,
        status=status,  # type: ignore[arg-type]
        logo=logo or None,
        logo_mime=logo_mime,
    )


def annulment_protocol_for(document: Document) -> Any:
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


def recurring_invoices(company: Company) -> QuerySet[RecurringInvoice]:
    return (
        RecurringInvoice.objects.filter(company=company)
        .select_related("party")
        .order_by("name", "id")
    )


def recurring_invoice(company: Company, template_id: int) -> RecurringInvoice | None:
    return (
        RecurringInvoice.objects.filter(company=company, pk=template_id)
        .select_related("company", "party", "created_by")
        .first()
    )


def recurring_runs(template: RecurringInvoice) -> QuerySet[RecurringRun]:
    return (
        RecurringRun.objects.filter(company_id=template.company_id, template=template)
        .select_related("document")
        .order_by("-period_start", "-id")
    )
