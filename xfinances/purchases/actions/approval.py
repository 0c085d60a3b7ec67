"""Approval of supplier documents, their payment state (set by the payments area) and the
payment batches."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xfinances.core import audit
from xfinances.core.audit import Actor
from xfinances.core.bulk_update import update_rows
from xfinances.core.exceptions import Conflict, InvalidInput, NotAllowed
from xfinances.core.models import Company, User
from xfinances.core.money import (
    MoneyError,
    round_cent,
    to_decimal,
)
from xfinances.core.permissions import ensure_can, role_of
from xfinances.core.roles import can
from xfinances.notifications.actions import notify
from xfinances.purchases import queries
from xfinances.purchases.actions.cleaning import _member, _refresh_payment
from xfinances.purchases.actions.common import (
    invoice_url,
)
from xfinances.purchases.actions.invoices import _ensure_editable, _lock
from xfinances.purchases.models import (
    ApprovalStatus,
    PaymentBatch,
    PaymentBatchItem,
    PaymentBatchStatus,
    PaymentStatus,
    SupplierDocumentKind,
    SupplierInvoice,
    SupplierInvoiceStatus,
)

# --- approval ----------------------------------------------------------------------------------


@transaction.atomic
def request_approval(
    actor: Actor, invoice: SupplierInvoice, approver: User | int | None = None
) -> SupplierInvoice:
    """Send (or send again after a rejection) the document for approval."""
    ensure_can(actor, invoice.company, "purchases.change")
    invoice = _lock(invoice)
    _ensure_editable(invoice)
    chosen = _member(invoice.company, approver, "approver", "purchases.approve")
    before = audit.snapshot(invoice)
    invoice.approval_status = ApprovalStatus.PENDING
    invoice.approver = chosen or invoice.approver
    invoice.approval_reason = ""
    invoice.approval_decided_at = None
    invoice.approval_decided_by = None
    invoice.save()
    audit.record_update(
        actor, invoice.company, "request_supplier_invoice_approval", invoice, before
    )
    _notify_approver(invoice)
    return invoice


def _notify_approver(invoice: SupplierInvoice) -> None:
    if invoice.approver is None:
        return

    with translation.override(invoice.approver.language or "bg"):
        text = _("%(supplier)s № %(number)s waits for your approval.") % {
            "supplier": invoice.supplier.name,
            "number": invoice.supplier_number,
        }
    notify(
        invoice.company, [invoice.approver], "supplier_approval", text, link=invoice_url(invoice)
    )


def _decide(
    actor: Actor, invoice: SupplierInvoice, status: str, reason: str, action: str
) -> SupplierInvoice:
    ensure_can(actor, invoice.company, "purchases.approve")
    invoice = _lock(invoice)
    if invoice.status == SupplierInvoiceStatus.CANCELLED:
        raise Conflict(_("The document is cancelled."))
    if invoice.approval_status != ApprovalStatus.PENDING:
        raise Conflict(_("The document is not waiting for approval."))
    if (
        invoice.approver_id
        and actor.user is not None
        and actor.user.pk != invoice.approver_id
        and not can(queries_role(actor, invoice.company), "company.change")
    ):
        raise NotAllowed(_("Only the chosen approver or an owner can decide."))
    before = audit.snapshot(invoice)
    invoice.approval_status = status
    invoice.approval_reason = reason
    invoice.approval_decided_at = timezone.now()
    invoice.approval_decided_by = actor.user
    invoice.save()
    audit.record_update(actor, invoice.company, action, invoice, before, reason)
    return invoice


def queries_role(actor: Actor, company: Company) -> str | None:

    return role_of(actor.user.pk if actor.user else None, company)


@transaction.atomic
def approve_supplier_invoice(
    actor: Actor, invoice: SupplierInvoice, reason: str = ""
) -> SupplierInvoice:
    return _decide(
        actor, invoice, ApprovalStatus.APPROVED, (reason or "").strip(), "approve_supplier_invoice"
    )


@transaction.atomic
def reject_supplier_invoice(actor: Actor, invoice: SupplierInvoice, reason: str) -> SupplierInvoice:
    if not (reason or "").strip():
        raise InvalidInput({"reason": [_("Say why the document is rejected.")]})
    return _decide(
        actor, invoice, ApprovalStatus.REJECTED, reason.strip(), "reject_supplier_invoice"
    )


# --- payment state (called by the payments area) -----------------------------------------------


@transaction.atomic
def set_paid_amount(actor: Actor, invoice: SupplierInvoice, paid: Decimal) -> SupplierInvoice:
    """Record how much of the document is paid in total (in its currency), as allocated by the
    payments area; recomputes `remaining` and `payment_status`. The caller checks its own
    permission to allocate; this checks the actor may see purchases."""
    ensure_can(actor, invoice.company, "purchases.view")
    invoice = _lock(invoice)
    amount = _check_paid(invoice, paid)
    before = audit.snapshot(invoice)
    invoice.amount_paid = amount
    if invoice.payment_status == PaymentStatus.PAID and amount < invoice.total:
        invoice.payment_status = PaymentStatus.TO_PAY
    _refresh_payment(invoice)
    invoice.save(update_fields=["amount_paid", "remaining", "payment_status"])
    audit.record_update(actor, invoice.company, "set_supplier_invoice_paid", invoice, before)
    return invoice


@transaction.atomic
def set_written_off_amount(
    actor: Actor, invoice: SupplierInvoice, written_off: Decimal
) -> SupplierInvoice:
    """Record how much of the document's unpaid difference is written off in total (in its
    currency), as the payments area's write-offs say; recomputes `remaining` and
    `payment_status` (a write-off of the whole remainder makes it paid). The caller checks
    "payments.change" and the tolerance; this checks the actor may see purchases and that
    paid + written off stays within the total."""
    ensure_can(actor, invoice.company, "purchases.view")
    invoice = _lock(invoice)
    amount = round_cent(written_off)
    if amount < 0:
        raise InvalidInput({"amount": [_("The written-off amount cannot be negative.")]})
    if amount > invoice.amount_written_off and not invoice.is_payable:
        raise Conflict(_("The document is cancelled, rejected or a credit note."))
    if invoice.amount_paid + invoice.amount_credited + amount > invoice.total:
        raise InvalidInput(
            {"amount": [_("Paid and written off together cannot exceed the total.")]}
        )
    before = audit.snapshot(invoice)
    invoice.amount_written_off = amount
    _refresh_payment(invoice)
    invoice.save(update_fields=["amount_written_off", "remaining", "payment_status"])
    audit.record_update(actor, invoice.company, "set_supplier_invoice_written_off", invoice, before)
    return invoice


@transaction.atomic
def set_credited_amount(
    actor: Actor, invoice: SupplierInvoice, credited: Decimal
) -> SupplierInvoice:
    """Record how much of the document a supplier's credit note set off in total (in its
    currency), as the payments area's set-offs say: of an invoice or debit note, what notes
    took off it (`remaining` and `payment_status` follow); of a credit note, what of it is
    used. The caller checks "payments.change"; this checks the actor may see purchases and
    that the settled parts stay within the total."""
    ensure_can(actor, invoice.company, "purchases.view")
    invoice = _lock(invoice)
    amount = round_cent(credited)
    if amount < 0:
        raise InvalidInput({"amount": [_("The credited amount cannot be negative.")]})
    if amount > invoice.amount_credited and invoice.status == SupplierInvoiceStatus.CANCELLED:
        raise Conflict(_("The document is cancelled."))
    if invoice.amount_paid + invoice.amount_written_off + amount > invoice.total:
        raise InvalidInput(
            {"amount": [_("Paid, written off and credited together cannot exceed the total.")]}
        )
    before = audit.snapshot(invoice)
    invoice.amount_credited = amount
    _refresh_payment(invoice)
    invoice.save(update_fields=["amount_credited", "remaining", "payment_status"])
    audit.record_update(actor, invoice.company, "set_supplier_invoice_credited", invoice, before)
    return invoice


def _check_paid(invoice: SupplierInvoice, paid: Decimal) -> Decimal:
    try:
        amount = round_cent(to_decimal(paid))
    except MoneyError:
        raise InvalidInput({"paid": [_("Enter an amount.")]}) from None
    if amount < 0:
        raise InvalidInput({"paid": [_("The paid amount cannot be negative.")]})
    if invoice.kind == SupplierDocumentKind.CREDIT_NOTE and amount:
        raise InvalidInput({"paid": [_("A credit note is not paid to the supplier.")]})
    if invoice.status == SupplierInvoiceStatus.CANCELLED and amount:
        raise Conflict(_("The document is cancelled."))
    return amount


def set_paid_amounts(
    actor: Actor,
    company: Company,
    paid: Mapping[int, Decimal],
    records: audit.Batch,
) -> dict[int, SupplierInvoice]:
    """`set_paid_amount` for many invoices of `company` at once ({invoice id: paid in total}),
    for a bulk allocation of the payments area: the invoices are locked by id (in the
    caller's transaction, after its payments), checked as one by one, and stored with one
    UPDATE per 500; their audit records go into the caller's `records` batch. One refused
    invoice refuses them all (the caller's transaction rolls back)."""
    ensure_can(actor, company, "purchases.view")
    ids = sorted(paid)
    invoices = {
        row.pk: row
        for row in SupplierInvoice.objects.select_for_update()
        .filter(company=company, pk__in=ids)
        .select_related("supplier")
        .order_by("pk")
    }
    if len(invoices) != len(ids):
        raise InvalidInput({"supplier_invoice": [_("No such supplier invoice in this company.")]})
    for pk in ids:
        invoice = invoices[pk]
        invoice.company = company
        amount = _check_paid(invoice, paid[pk])
        before = audit.snapshot(invoice)
        invoice.amount_paid = amount
        if invoice.payment_status == PaymentStatus.PAID and amount < invoice.total:
            invoice.payment_status = PaymentStatus.TO_PAY
        _refresh_payment(invoice)
        records.update("set_supplier_invoice_paid", invoice, before)
    update_rows(
        SupplierInvoice, list(invoices.values()), ["amount_paid", "remaining", "payment_status"]
    )
    return invoices


# --- payment batches ---------------------------------------------------------------------------


@transaction.atomic
def create_payment_batch(
    actor: Actor, company: Company, invoice_ids: Iterable[int], note: str = ""
) -> PaymentBatch:
    """Save the payer's selection for the bank payment file; the invoices become scheduled."""
    ensure_can(actor, company, "purchases.pay")
    ids = sorted({int(i) for i in invoice_ids})
    if not ids:
        raise InvalidInput({"invoices": [_("Choose at least one invoice to pay.")]})
    invoices = list(
        SupplierInvoice.objects.select_for_update()
        .filter(company=company, pk__in=ids)
        .select_related("supplier")
        .order_by("pk")
    )
    if len(invoices) != len(ids):
        raise InvalidInput({"invoices": [_("Some of the chosen invoices do not exist.")]})
    open_ids = set(queries.open_payables(company).filter(pk__in=ids).values_list("pk", flat=True))
    errors = InvalidInput.collect()
    for invoice in invoices:
        if invoice.pk not in open_ids:
            errors.add(
                "invoices",
                _("%(number)s of %(supplier)s has nothing to pay.")
                % {"number": invoice.supplier_number, "supplier": invoice.supplier.name},
            )
        elif invoice.approval_status == ApprovalStatus.PENDING:
            errors.add(
                "invoices",
                _("%(number)s of %(supplier)s is not approved yet.")
                % {"number": invoice.supplier_number, "supplier": invoice.supplier.name},
            )
    errors.raise_if_any()
    taken = PaymentBatchItem.objects.filter(
        company=company, invoice_id__in=ids, batch__status=PaymentBatchStatus.DRAFT
    ).select_related("invoice")
    clash = taken.first()
    if clash is not None:
        raise Conflict(
            _("%(number)s is already in draft payment batch #%(batch)s.")
            % {"number": clash.invoice.supplier_number, "batch": clash.batch_id},
            field="invoices",
        )
    batch = PaymentBatch.objects.create(company=company, created_by=actor.user, note=note[:200])
    for invoice in invoices:
        PaymentBatchItem.objects.create(
            company=company,
            batch=batch,
            invoice=invoice,
            amount=invoice.remaining,
            currency=invoice.currency,
        )
        before = audit.snapshot(invoice)
        invoice.payment_status = PaymentStatus.SCHEDULED
        invoice.save(update_fields=["payment_status"])
        audit.record_update(actor, company, "create_payment_batch", invoice, before)
    audit.record_create(actor, company, "create_payment_batch", batch)
    return batch


@transaction.atomic
def mark_batch_sent(actor: Actor, batch: PaymentBatch) -> PaymentBatch:
    """The batch's payment file was made for the bank: the batch is sent and stays so (its
    invoices stay scheduled until their payments arrive in a statement). Again: no change."""
    company = batch.company
    ensure_can(actor, company, "purchases.pay")
    batch = PaymentBatch.objects.select_for_update().get(company=company, pk=batch.pk)
    if batch.status == PaymentBatchStatus.CANCELLED:
        raise Conflict(_("The payment batch is cancelled."))
    if batch.status == PaymentBatchStatus.EXPORTED:
        return batch
    before = audit.snapshot(batch)
    batch.status = PaymentBatchStatus.EXPORTED
    batch.save(update_fields=["status"])
    audit.record_update(actor, company, "mark_batch_sent", batch, before)
    return batch
