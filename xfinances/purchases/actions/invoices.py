"""Registering, editing and cancelling supplier documents, and their attachments."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.core import audit, edit_guards, events
from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.inputs import Changes
from xfinances.core.models import Company
from xfinances.core.permissions import ensure_can
from xfinances.purchases import queries
from xfinances.purchases.actions.cleaning import (
    _apply_amounts,
    _check_duplicate,
    _clean_invoice,
    _refresh_payment,
    _save_unique,
)
from xfinances.purchases.actions.common import (
    ATTACHMENT_SIGNATURES,
    attachment_max_bytes,
)
from xfinances.purchases.events import SupplierDocumentRegistered
from xfinances.purchases.inputs import SupplierInvoiceInput
from xfinances.purchases.models import (
    ZERO,
    ApprovalStatus,
    SupplierInvoice,
    SupplierInvoiceAttachment,
    SupplierInvoiceStatus,
)
from xfinances.purchases.ubl import read_ubl


@transaction.atomic
def register_supplier_invoice(
    actor: Actor,
    company: Company,
    data: SupplierInvoiceInput,
    *,
    attachments: Iterable[tuple[str, bytes]] = (),
    import_id: int | None = None,
) -> SupplierInvoice:
    """Register an incoming invoice, credit or debit note (see `SupplierInvoiceInput`). A
    duplicate (same supplier, kind and number key among non-cancelled documents) is refused
    with a Conflict linking to it."""
    ensure_can(actor, company, "purchases.change")
    clean = _clean_invoice(company, data.given(), None)
    _check_duplicate(company, clean.fields, None)
    invoice = SupplierInvoice(company=company, created_by=actor.user, **clean.fields)
    invoice.vat_warnings = clean.warnings
    if clean.approval_required:
        invoice.approval_status = ApprovalStatus.PENDING
        invoice.approver = clean.approver
    _refresh_payment(invoice)
    _save_unique(invoice)
    _apply_amounts(invoice, clean.rows)
    _refresh_payment(invoice)
    invoice.save()
    audit.record_create(actor, company, "register_supplier_invoice", invoice)
    staged = queries.pending_import(company, import_id) if import_id else None
    files = list(attachments)
    if staged is not None:
        files.append((staged.filename, bytes(staged.content)))
        parsed = read_ubl(bytes(staged.content))
        if parsed.document is not None:
            files.extend((a.filename, a.content) for a in parsed.document.attachments)
        staged.invoice = invoice
        staged.save(update_fields=["invoice"])
    for filename, content in files:
        _add_attachment(actor, invoice, filename, content)
    events.emit(SupplierDocumentRegistered(actor, invoice))
    return invoice


def _lock(invoice: SupplierInvoice) -> SupplierInvoice:
    return (
        SupplierInvoice.objects.select_for_update()
        .select_related("company", "supplier")
        .get(pk=invoice.pk, company_id=invoice.company_id)
    )


def _ensure_editable(invoice: SupplierInvoice) -> None:
    if invoice.status == SupplierInvoiceStatus.CANCELLED:
        raise Conflict(_("The document is cancelled."))
    if invoice.is_locked:
        raise Conflict(_("The document was exported to accounting and is locked."))
    edit_guards.ensure_editable(invoice)


@transaction.atomic
def update_supplier_invoice(
    actor: Actor, invoice: SupplierInvoice, changes: Changes[SupplierInvoiceInput]
) -> SupplierInvoice:
    """Change the given fields of a document (`SupplierInvoiceInput.read_changes`); the others
    stay as stored, and the whole document is checked again."""
    ensure_can(actor, invoice.company, "purchases.change")
    invoice = _lock(invoice)
    _ensure_editable(invoice)
    company = invoice.company
    clean = _clean_invoice(company, dict(changes.items()), invoice)
    _check_duplicate(company, clean.fields, invoice.pk)
    settled = invoice.amount_paid + invoice.amount_written_off + invoice.amount_credited
    if clean.fields["total"] < settled:  # a credit note: what it already set off
        raise InvalidInput({"rows": [_("The total cannot be less than what was already paid.")]})
    before = audit.snapshot(invoice)
    old_total = invoice.total
    for name, value in clean.fields.items():
        setattr(invoice, name, value)
    invoice.vat_warnings = clean.warnings
    if not clean.approval_required:
        invoice.approval_status = ApprovalStatus.NOT_REQUIRED
    elif invoice.approval_status == ApprovalStatus.NOT_REQUIRED or (
        invoice.approval_status == ApprovalStatus.APPROVED and invoice.total != old_total
    ):
        invoice.approval_status = ApprovalStatus.PENDING
        invoice.approval_decided_at = None
        invoice.approval_decided_by = None
    invoice.approver = clean.approver
    _apply_amounts(invoice, clean.rows)
    _refresh_payment(invoice)
    invoice.version += 1
    _save_unique(invoice)
    audit.record_update(actor, company, "update_supplier_invoice", invoice, before)
    return invoice


@transaction.atomic
def cancel_supplier_invoice(
    actor: Actor, invoice: SupplierInvoice, reason: str = ""
) -> SupplierInvoice:
    """Cancel a wrongly entered document (it leaves the ledger and the alerts)."""
    ensure_can(actor, invoice.company, "purchases.change")
    invoice = _lock(invoice)
    _ensure_editable(invoice)
    if invoice.amount_paid > 0 or invoice.amount_written_off > 0:
        raise Conflict(_("Payments are allocated to this document; remove them first."))
    if invoice.amount_credited > 0:
        raise Conflict(_("A credit note is set off against this document; undo it first."))
    if not (reason or "").strip():
        raise InvalidInput({"reason": [_("Say why the document is cancelled.")]})
    before = audit.snapshot(invoice)
    invoice.status = SupplierInvoiceStatus.CANCELLED
    invoice.cancelled_at = timezone.now()
    invoice.cancel_reason = reason.strip()
    invoice.remaining = ZERO
    invoice.save()
    audit.record_update(actor, invoice.company, "cancel_supplier_invoice", invoice, before, reason)
    return invoice


# --- attachments -------------------------------------------------------------------------------


def _content_type(content: bytes) -> str | None:
    return next((kind for magic, kind in ATTACHMENT_SIGNATURES if content.startswith(magic)), None)


def _add_attachment(
    actor: Actor, invoice: SupplierInvoice, filename: str, content: bytes
) -> SupplierInvoiceAttachment:
    name = os.path.basename((filename or "").replace("\\", "/")).strip()[:150] or "document"
    if not content:
        raise InvalidInput({"file": [_("The file is empty.")]})
    if len(content) > attachment_max_bytes():
        raise InvalidInput(
            {
                "file": [
                    _("The file is larger than %(mb)s MB.")
                    % {"mb": attachment_max_bytes() // (1024 * 1024)}
                ]
            }
        )
    content_type = _content_type(content)
    if content_type is None:
        raise InvalidInput({"file": [_("Attach a PDF, an image (PNG, JPEG, TIFF) or a UBL XML.")]})
    digest = hashlib.sha256(content).hexdigest()
    item = SupplierInvoiceAttachment(
        company=invoice.company,
        invoice=invoice,
        filename=name,
        content_type=content_type,
        size=len(content),
        sha256=digest,
        uploaded_by=actor.user,
    )
    item.file.save(name, ContentFile(content), save=False)
    item.save()
    audit.record_event(
        actor, invoice.company, "add_supplier_invoice_attachment", invoice, {"file": name}
    )
    return item


@transaction.atomic
def add_attachment(
    actor: Actor, invoice: SupplierInvoice, filename: str, content: bytes
) -> SupplierInvoiceAttachment:
    ensure_can(actor, invoice.company, "purchases.change")
    if invoice.status == SupplierInvoiceStatus.CANCELLED:
        raise Conflict(_("The document is cancelled."))
    return _add_attachment(actor, invoice, filename, content)


@transaction.atomic
def remove_attachment(actor: Actor, item: SupplierInvoiceAttachment) -> None:
    invoice = item.invoice
    ensure_can(actor, invoice.company, "purchases.change")
    _ensure_editable(invoice)
    audit.record_event(
        actor,
        invoice.company,
        "remove_supplier_invoice_attachment",
        invoice,
        {"file": item.filename},
    )
    item.delete()
