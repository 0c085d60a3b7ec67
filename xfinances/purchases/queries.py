"""Named reads of the purchases area. Every query is scoped to one company."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import F, Q, QuerySet

from xfinances.core.models import Company, Membership, User
from xfinances.core.roles import PERMISSIONS, Role
from xfinances.parties.models import Party
from xfinances.purchases.models import (
    ApprovalStatus,
    PaymentBatch,
    PaymentBatchItem,
    PaymentStatus,
    PurchaseCategory,
    PurchaseSettings,
    SupplierDocumentKind,
    SupplierInvoice,
    SupplierInvoiceAttachment,
    SupplierInvoiceImport,
    SupplierInvoiceStatus,
)


def settings_of(company: Company) -> PurchaseSettings:
    """The company's settings, or the defaults (unsaved) when it never changed them."""
    return PurchaseSettings.objects.filter(company=company).first() or PurchaseSettings(
        company=company
    )


def categories(company: Company, active_only: bool = False) -> QuerySet[PurchaseCategory]:
    found = PurchaseCategory.objects.filter(company=company)
    return found.filter(is_active=True) if active_only else found


def category(company: Company, category_id: int) -> PurchaseCategory | None:
    return PurchaseCategory.objects.filter(company=company, pk=category_id).first()


def supplier_invoices(
    company: Company,
    *,
    q: str = "",
    supplier_id: int | None = None,
    status: str = "",
    payment_status: str = "",
    approval_status: str = "",
    kind: str = "",
    due_until: dt.date | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[SupplierInvoice]:
    found = SupplierInvoice.objects.filter(company=company).select_related(
        "supplier", "category", "responsible", "approver"
    )
    if q:
        found = found.filter(
            Q(supplier_number__icontains=q.strip())
            | Q(supplier__search_text__contains=q.strip().lower())
            | Q(description__icontains=q.strip())
        )
    if supplier_id:
        found = found.filter(supplier_id=supplier_id)
    if status:
        found = found.filter(status=status)
    if payment_status:
        found = found.filter(payment_status=payment_status)
    if approval_status:
        found = found.filter(approval_status=approval_status)
    if kind:
        found = found.filter(kind=kind)
    if due_until:
        found = found.filter(due_date__lte=due_until)
    if date_from:
        found = found.filter(issue_date__gte=date_from)
    if date_to:
        found = found.filter(issue_date__lte=date_to)
    return found.order_by("-issue_date", "-id")


def supplier_invoice(company: Company, invoice_id: int) -> SupplierInvoice | None:
    return (
        SupplierInvoice.objects.filter(company=company, pk=invoice_id)
        .select_related("supplier", "category", "responsible", "approver", "corrected_invoice")
        .first()
    )


def attachment(company: Company, attachment_id: int) -> SupplierInvoiceAttachment | None:
    return SupplierInvoiceAttachment.objects.filter(company=company, pk=attachment_id).first()


def pending_import(company: Company, import_id: int) -> SupplierInvoiceImport | None:
    return SupplierInvoiceImport.objects.filter(
        company=company, pk=import_id, invoice__isnull=True
    ).first()


def payment_batches(company: Company) -> QuerySet[PaymentBatch]:
    return PaymentBatch.objects.filter(company=company).prefetch_related("items")


def payment_batch(company: Company, batch_id: int) -> PaymentBatch | None:
    return PaymentBatch.objects.filter(company=company, pk=batch_id).first()


def payment_batch_items(company: Company, batch: PaymentBatch) -> QuerySet[PaymentBatchItem]:
    return (
        PaymentBatchItem.objects.filter(company=company, batch=batch)
        .select_related("invoice__supplier")
        .prefetch_related("invoice__supplier__bank_accounts")
        .order_by("invoice_id")
    )


def open_payables(company: Company) -> QuerySet[SupplierInvoice]:
    """Registered invoices and debit notes with money still to pay, not rejected."""
    return (
        SupplierInvoice.objects.filter(
            company=company,
            status=SupplierInvoiceStatus.REGISTERED,
            payment_status__in=[PaymentStatus.TO_PAY, PaymentStatus.SCHEDULED],
            remaining__gt=0,
        )
        .exclude(kind=SupplierDocumentKind.CREDIT_NOTE)
        .exclude(approval_status=ApprovalStatus.REJECTED)
    )


def week_end(today: dt.date) -> dt.date:
    """The Sunday of `today`'s week."""
    return today + dt.timedelta(days=6 - today.weekday())


def due_this_week(company: Company, today: dt.date) -> QuerySet[SupplierInvoice]:
    """What the payer should pay by Sunday: open payables due by then (overdue included)."""
    return (
        open_payables(company)
        .filter(due_date__lte=week_end(today))
        .select_related("supplier", "responsible")
        .order_by("due_date", "id")
    )


def unused_credit_notes(
    company: Company, supplier_ids: Iterable[int]
) -> dict[int, list[SupplierInvoice]]:
    """Per supplier of `supplier_ids`: its registered credit notes not yet set off in full
    against an invoice (what we owe it is less than its open invoices say until they are)."""
    found: dict[int, list[SupplierInvoice]] = {}
    notes = (
        SupplierInvoice.objects.filter(
            company=company,
            supplier_id__in=set(supplier_ids),
            kind=SupplierDocumentKind.CREDIT_NOTE,
            status=SupplierInvoiceStatus.REGISTERED,
            amount_credited__lt=F("total"),
        )
        .annotate(left=F("total") - F("amount_credited"))
        .order_by("issue_date", "id")
    )
    for note in notes:
        found.setdefault(note.supplier_id, []).append(note)
    return found


def suppliers(company: Company) -> QuerySet[Party]:
    return Party.objects.filter(company=company, is_archived=False, is_supplier=True)


def supplier_by_identifier(company: Company, vat_number: str, eik: str) -> Party | None:
    """A party of the company whose VAT number or ЕИК matches (archived ones too)."""
    found = Party.objects.filter(company=company)
    if vat_number:
        match = found.filter(vat_number__iexact=vat_number).order_by("is_archived", "pk").first()
        if match is not None:
            return match
    if eik:
        return found.filter(eik=eik).order_by("is_archived", "pk").first()
    return None


def members(company: Company) -> QuerySet[User]:
    return User.objects.filter(memberships__company=company, is_active=True).order_by("email")


def approvers(company: Company) -> QuerySet[User]:
    roles = [str(role) for role in PERMISSIONS["purchases.approve"]]
    return members(company).filter(memberships__role__in=roles)


def owner_ids(company: Company) -> list[int]:
    return list(
        Membership.objects.filter(
            company=company, role=Role.OWNER, user__is_active=True
        ).values_list("user_id", flat=True)
    )
