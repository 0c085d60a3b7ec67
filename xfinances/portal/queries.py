"""Named reads of the portal. Every read of a client's data takes the portal session's company
AND party; nothing here trusts an id from a URL on its own."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xfinances.core.models import Company, CompanyBankAccount, hash_token
from xfinances.invoicing.creditor_reference import CreditorReferenceError, format_rf
from xfinances.invoicing.epc_qr import EpcPayloadError, epc_payload, epc_qr_svg
from xfinances.invoicing.events import ElectronicInvoice, electronic_invoice_of
from xfinances.invoicing.models import Document, DocumentKind, DocumentStatus
from xfinances.parties.models import Party
from xfinances.payments.aging import AGING_BUCKETS, aging_bucket
from xfinances.payments.queries import (
    PaymentStatus,
    document_payment_status,
    document_payment_statuses,
)
from xfinances.portal.models import (
    DocumentPublication,
    DocumentResponse,
    PortalAccessLog,
    PortalSession,
    PortalSettings,
)

ZERO = Decimal("0.00")


class PortalStatus:
    UNPAID = "unpaid"
    PARTLY_PAID = "partly_paid"
    PAID = "paid"
    OVERDUE = "overdue"
    VOIDED = "voided"
    NOT_PAYABLE = "not_payable"

    LABELS = {
        UNPAID: _("Unpaid"),
        PARTLY_PAID: _("Partly paid"),
        PAID: _("Paid"),
        OVERDUE: _("Overdue"),
        VOIDED: _("Voided"),
        NOT_PAYABLE: _("Issued"),
    }


# Kinds the client owes money on. A credit note lowers what is owed; a proforma and a
# protocol are not claims.
PAYABLE_KINDS = (DocumentKind.INVOICE, DocumentKind.DEBIT_NOTE)
STATEMENT_KINDS = (DocumentKind.INVOICE, DocumentKind.DEBIT_NOTE, DocumentKind.CREDIT_NOTE)


def document_status(
    document: Document,
    today: dt.date,
    payment: tuple[str, Decimal, Decimal] | None = None,
) -> str:
    """The status the client sees. THE one place of this mapping.

    voided → voided; proformas, protocols and credit notes → not payable; an invoice or debit
    note from the payments area (`payments.queries.document_payment_status`): settled in full
    (paid, written off, overpaid) → paid; something left and past its due date → overdue;
    partly paid; unpaid. `payment` is that (status, paid, remaining) when the caller read it
    already (lists read them in one query)."""

    if document.status == DocumentStatus.VOIDED:
        return PortalStatus.VOIDED
    if document.kind not in PAYABLE_KINDS:
        return PortalStatus.NOT_PAYABLE
    status, _paid, remaining = payment or document_payment_status(document, today)
    if status == PaymentStatus.VOIDED:
        return PortalStatus.VOIDED
    if status == PaymentStatus.NOT_PAYABLE:
        return PortalStatus.NOT_PAYABLE
    if status in (PaymentStatus.PAID, PaymentStatus.WRITTEN_OFF, PaymentStatus.OVERPAID):
        return PortalStatus.PAID
    if remaining > 0 and document.due_date is not None and document.due_date < today:
        return PortalStatus.OVERDUE
    if status == PaymentStatus.PARTLY_PAID:
        return PortalStatus.PARTLY_PAID
    return PortalStatus.UNPAID


def statuses_of(documents: list[Document], today: dt.date) -> dict[int, str]:
    """`document_status` of many documents with their payment states read in one query."""

    payments = document_payment_statuses(documents)
    return {d.pk: document_status(d, today, payments[d.pk]) for d in documents}


def open_amount(document: Document, today: dt.date) -> Decimal:
    """What the client still owes on the document (remaining), 0 when nothing is open."""

    if document_status(document, today) in (PortalStatus.VOIDED, PortalStatus.NOT_PAYABLE):
        return ZERO
    return max(document_payment_status(document, today)[2], ZERO)


def settings_of(company: Company) -> PortalSettings:
    return PortalSettings.objects.filter(company=company).first() or PortalSettings(company=company)


def session_for(company: Company, raw_key: str) -> PortalSession | None:
    """The live portal session of `company` with this raw key, or None."""
    if not raw_key or len(raw_key) > 100:
        return None
    return (
        PortalSession.objects.select_related("party", "company")
        .filter(
            company=company,
            key_hash=hash_token(raw_key),
            ended_at__isnull=True,
            expires_at__gt=timezone.now(),
            party__is_archived=False,
        )
        .first()
    )


def visible_documents(company: Company, party: Party | int) -> QuerySet[Document]:
    """Documents the party sees in the portal: issued or voided, of this company and party,
    published (auto-publish, or a publication row) and not withdrawn. Newest first."""
    party_id = party if isinstance(party, int) else party.pk
    publications = DocumentPublication.objects.filter(company=company, document=OuterRef("pk"))
    found = Document.objects.filter(
        company=company,
        party_id=party_id,
        status__in=[DocumentStatus.ISSUED, DocumentStatus.VOIDED],
    ).annotate(
        _published=Exists(publications.filter(withdrawn_at__isnull=True)),
        _withdrawn=Exists(publications.filter(withdrawn_at__isnull=False)),
    )
    if settings_of(company).auto_publish:
        found = found.filter(_withdrawn=False)
    else:
        found = found.filter(_published=True)
    return found.order_by("-issue_date", "-id")


def visible_document(company: Company, party: Party | int, document_id: int) -> Document | None:
    return visible_documents(company, party).filter(pk=document_id).first()


def is_published(document: Document) -> bool:
    return (
        visible_documents(document.company, document.party_id or 0).filter(pk=document.pk).exists()
    )


def responses_by_document(company: Company, document_ids: list[int]) -> dict[int, DocumentResponse]:
    return {
        r.document_id: r
        for r in DocumentResponse.objects.filter(company=company, document_id__in=document_ids)
    }


def response_to(document: Document) -> DocumentResponse | None:
    return DocumentResponse.objects.filter(
        company_id=document.company_id, document=document
    ).first()


def access_log_of_document(document: Document, limit: int = 20) -> list[PortalAccessLog]:
    return list(
        PortalAccessLog.objects.filter(company_id=document.company_id, document=document).order_by(
            "-at", "-id"
        )[:limit]
    )


def access_log_of_party(company: Company, party: Party, limit: int = 50) -> list[PortalAccessLog]:
    return list(
        PortalAccessLog.objects.filter(company=company, party=party).order_by("-at", "-id")[:limit]
    )


# --- account statement ---------------------------------------------------------------------------


@dataclass
class StatementLine:
    document: Document
    status: str
    amount: Decimal  # signed: a credit note is negative
    open_amount: Decimal
    bucket: str


@dataclass
class CurrencyStatement:
    currency: str
    lines: list[StatementLine] = field(default_factory=list)
    balance: Decimal = ZERO
    overdue: Decimal = ZERO
    aging: dict[str, Decimal] = field(default_factory=dict)

    @property
    def aging_rows(self) -> list[tuple[str, object, Decimal]]:
        return [(key, label, self.aging.get(key, ZERO)) for key, label in AGING_BUCKETS]


def statement(company: Company, party: Party | int, today: dt.date) -> list[CurrencyStatement]:
    """The account statement per currency: documents with totals, their open amounts from the
    payments area (an invoice's remaining; a credit note's unused rest lowers the balance),
    the balance (sum of open amounts) and aging of the open amounts by days past due."""

    by_currency: dict[str, CurrencyStatement] = {}
    found = list(
        visible_documents(company, party)
        .filter(kind__in=STATEMENT_KINDS)
        .order_by("issue_date", "id")
    )
    payments = document_payment_statuses(found)
    for document in found:
        payment = payments[document.pk]
        status = document_status(document, today, payment)
        sign = -1 if document.kind == DocumentKind.CREDIT_NOTE else 1
        amount = document.total * sign
        open_amount = ZERO if status == PortalStatus.VOIDED else payment[2] * sign
        bucket = aging_bucket(document.due_date if sign > 0 else None, today)
        entry = by_currency.setdefault(document.currency, CurrencyStatement(document.currency))
        entry.lines.append(StatementLine(document, status, amount, open_amount, bucket))
        entry.balance += open_amount
        if status == PortalStatus.OVERDUE:
            entry.overdue += open_amount
        entry.aging[bucket] = entry.aging.get(bucket, ZERO) + open_amount
    return sorted(by_currency.values(), key=lambda s: (s.currency != "EUR", s.currency))


# --- how to pay ---------------------------------------------------------------------------------


@dataclass
class PaymentInstructions:
    name: str
    iban: str
    bic: str
    bank_name: str
    amount: Decimal
    currency: str
    rf_reference: str
    rf_printed: str
    qr_svg: str


def payment_instructions(document: Document, today: dt.date) -> PaymentInstructions | None:
    """IBAN/BIC, RF reference, amount and the EPC QR (EUR only) for an open payable document."""

    if document_status(document, today) not in (
        PortalStatus.UNPAID,
        PortalStatus.PARTLY_PAID,
        PortalStatus.OVERDUE,
    ):
        return None
    due = open_amount(document, today)
    if due <= 0:
        return None
    accounts = [a for a in (document.supplier_bank_accounts or []) if a.get("iban")]
    account = accounts[0] if accounts else None
    if account is None:
        bank = (
            CompanyBankAccount.objects.filter(company_id=document.company_id)
            .filter(Q(currency=document.currency) | Q(is_default=True))
            .order_by("-is_default", "id")
            .first()
        )
        if bank is None:
            return None
        account = {"iban": bank.iban, "bic": bank.bic, "bank_name": bank.bank_name}
    name = document.supplier_name or document.company.name
    reference = document.rf_reference or ""
    try:
        printed = format_rf(reference) if reference else ""
    except CreditorReferenceError:
        printed, reference = "", ""
    svg = ""
    if document.currency == "EUR":
        try:
            payload = epc_payload(
                name,
                account["iban"],
                due,
                bic=account.get("bic", ""),
                reference_rf=reference,
                text="" if reference else f"{document.number}",
            )
            svg = epc_qr_svg(payload)
        except EpcPayloadError:
            svg = ""
    return PaymentInstructions(
        name=name,
        iban=account["iban"],
        bic=account.get("bic", ""),
        bank_name=account.get("bank_name", ""),
        amount=due,
        currency=document.currency,
        rf_reference=reference,
        rf_printed=printed,
        qr_svg=svg,
    )


def electronic_invoice(document: Document) -> ElectronicInvoice | None:
    """The document's machine-readable form (UBL), if an app above invoicing provides one."""
    return electronic_invoice_of(document)
