"""REST: /api/v1/supplier-invoices. Thin: checks the role, calls actions."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from xfinances.core.api_auth import require
from xfinances.core.exceptions import InvalidInput
from xfinances.core.schemas import InputSchema
from xfinances.core.tenancy import CompanyRequest
from xfinances.core.text_limits import limits_of
from xfinances.purchases import actions, queries
from xfinances.purchases.inputs import SupplierInvoiceInput
from xfinances.purchases.models import SupplierInvoice

router = Router(tags=["supplier invoices"])
MAX_LIMIT = 200


class VatRowIn(InputSchema):
    vat_rate: Decimal | str
    base: Decimal | str
    vat: Decimal | str
    vat_credit: str = "full"


class VatRowOut(Schema):
    vat_rate: Decimal
    vat_credit: str
    base: Decimal
    vat: Decimal
    eur_base: Decimal
    eur_vat: Decimal


class SupplierInvoiceIn(InputSchema, action_input=SupplierInvoiceInput):
    """A supplier document. `supplier` is the id of a party (GET /parties); `rows` carry base and
    VAT per rate as printed on the document (positive also for credit notes)."""

    # The fields are SupplierInvoiceInput's; each is declared here with the type the API has
    # always published for it (ids as integers, rows as objects), the required ones with
    # `Field(...)` (the input's own defaults are for its readers' messages).
    text_limits = limits_of(SupplierInvoice, "supplier_number", "description", "payment_reference")
    supplier: int = Field(...)
    kind: str = "invoice"
    supplier_number: str = Field(...)
    issue_date: dt.date = Field(...)
    tax_event_date: dt.date | None = None
    received_date: dt.date | None = None
    due_date: dt.date | None = None
    currency: str = "EUR"
    exchange_rate: Decimal | str | None = None
    rows: list[VatRowIn] = Field(...)
    corrected_invoice: int | None = None
    category: int | None = None
    description: str = ""
    responsible: int | None = None
    approval_required: bool = False
    approver: int | None = None
    supplier_iban: str = ""
    payment_reference: str = ""


class SupplierInvoicePatch(InputSchema):
    # The fields of SupplierInvoiceInput a registered document may change.
    text_limits = SupplierInvoiceIn.text_limits

    supplier_number: str | None = None
    issue_date: dt.date | None = None
    tax_event_date: dt.date | None = None
    received_date: dt.date | None = None
    due_date: dt.date | None = None
    exchange_rate: Decimal | str | None = None
    rows: list[VatRowIn] | None = None
    category: int | None = None
    description: str | None = None
    responsible: int | None = None
    approver: int | None = None
    supplier_iban: str | None = None
    payment_reference: str | None = None


class SupplierInvoiceOut(Schema):
    id: int
    supplier: int
    supplier_name: str
    kind: str
    status: str
    supplier_number: str
    issue_date: dt.date
    tax_event_date: dt.date
    received_date: dt.date
    due_date: dt.date | None
    currency: str
    exchange_rate: Decimal
    total_base: Decimal
    total_vat: Decimal
    total: Decimal
    eur_total: Decimal
    amount_paid: Decimal
    amount_credited: Decimal
    remaining: Decimal
    payment_status: str
    approval_status: str
    approver: int | None
    approval_reason: str
    responsible: int | None
    category: int | None
    corrected_invoice: int | None
    ledger: dict[str, Decimal]
    vat_warnings: list[str]
    rows: list[VatRowOut]
    attachments: list[dict[str, Any]]


class SupplierInvoicePage(Schema):
    count: int
    items: list[SupplierInvoiceOut]


class ReasonIn(InputSchema):
    reason: str = ""


class ApprovalRequestIn(InputSchema):
    approver: int | None = None


class UblIn(InputSchema):
    """The XML file, base64-encoded."""

    filename: str = "invoice.xml"
    content_base64: str

    long_text_fields: ClassVar[frozenset[str]] = frozenset({"content_base64"})


class BatchIn(InputSchema):
    invoices: list[int]
    note: str = ""


def _invoice(request: CompanyRequest, supplier_invoice_id: int) -> SupplierInvoice:
    found = queries.supplier_invoice(request.company, supplier_invoice_id)
    if found is None:
        raise Http404
    return found


def _out(invoice: SupplierInvoice) -> dict[str, Any]:
    return {
        "id": invoice.pk,
        "supplier": invoice.supplier_id,
        "supplier_name": invoice.supplier.name,
        **{
            name: getattr(invoice, name)
            for name in (
                "kind",
                "status",
                "supplier_number",
                "issue_date",
                "tax_event_date",
                "received_date",
                "due_date",
                "currency",
                "exchange_rate",
                "total_base",
                "total_vat",
                "total",
                "eur_total",
                "amount_paid",
                "amount_credited",
                "remaining",
                "payment_status",
                "approval_status",
                "approval_reason",
                "vat_warnings",
            )
        },
        "approver": invoice.approver_id,
        "responsible": invoice.responsible_id,
        "category": invoice.category_id,
        "corrected_invoice": invoice.corrected_invoice_id,
        "ledger": {
            "03-30": invoice.ledger_no_credit,
            "03-31": invoice.ledger_full_base,
            "03-41": invoice.ledger_full_vat,
            "03-32": invoice.ledger_partial_base,
            "03-42": invoice.ledger_partial_vat,
        },
        "rows": list(invoice.vat_rows.all()),
        "attachments": [
            {"id": a.pk, "filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in invoice.attachments.all()
        ],
    }


def _data(body: Schema, exclude_unset: bool = False) -> dict[str, Any]:
    """The raw fields for `SupplierInvoiceInput`; a null rate or rows list is not given."""
    data = body.dict(exclude_unset=exclude_unset)
    for name in ("exchange_rate", "rows"):
        if data.get(name) is None:
            data.pop(name, None)
    if "rows" in data:
        data["rows"] = [dict(row) for row in data["rows"]]
    return data


@router.get("", response=SupplierInvoicePage, summary="List supplier documents")
def list_supplier_invoices(
    request: CompanyRequest,
    q: str = "",
    supplier: int | None = None,
    kind: str = "",
    status: str = "",
    payment_status: str = "",
    approval_status: str = "",
    due_until: dt.date | None = None,
    offset: int = 0,
    limit: int = 50,
) -> dict[str, Any]:
    require(request, "purchases.view")
    found = queries.supplier_invoices(
        request.company,
        q=q,
        supplier_id=supplier,
        kind=kind,
        status=status,
        payment_status=payment_status,
        approval_status=approval_status,
        due_until=due_until,
    ).prefetch_related("vat_rows", "attachments")
    offset, limit = max(offset, 0), min(max(limit, 1), MAX_LIMIT)
    return {"count": found.count(), "items": [_out(i) for i in found[offset : offset + limit]]}


@router.post("", response={201: SupplierInvoiceOut}, summary="Register a supplier document")
def create_supplier_invoice(request: CompanyRequest, body: SupplierInvoiceIn) -> Status:
    """409 when the same supplier's document with the same number is already registered."""
    require(request, "purchases.change")
    invoice = actions.register_supplier_invoice(
        request.actor, request.company, SupplierInvoiceInput.read(_data(body))
    )
    return Status(201, _out(invoice))


@router.get("/due-this-week", response=list[SupplierInvoiceOut], summary="Payments due this week")
def due_this_week(request: CompanyRequest) -> list[dict[str, Any]]:
    require(request, "purchases.view")
    found = queries.due_this_week(request.company, timezone.localdate())
    return [_out(i) for i in found]


@router.post("/payment-batches", response={201: dict[str, Any]}, summary="Save a payment selection")
def create_payment_batch(request: CompanyRequest, body: BatchIn) -> Status:
    require(request, "purchases.pay")
    batch = actions.create_payment_batch(
        request.actor,
        request.company,
        body.invoices,
        body.note,
    )
    items = [
        {"invoice": i.invoice_id, "amount": i.amount, "currency": i.currency}
        for i in batch.items.all()
    ]
    return Status(201, {"id": batch.pk, "status": batch.status, "items": items})


@router.post("/import-ubl", response=dict[str, Any], summary="Read a UBL XML (preview, no write)")
def import_ubl(request: CompanyRequest, body: UblIn) -> dict[str, Any]:
    """Returns the document read from the XML, the matching supplier (if any) and an
    `import_id`; POST / with `import_id`… is done by the UI; API callers send the fields."""
    require(request, "purchases.change")
    try:
        content = base64.b64decode(body.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput({"content_base64": [_("Not valid base64.")]}) from None
    staged, result = actions.stage_ubl_import(
        request.actor,
        request.company,
        body.filename,
        content,
    )
    if result.document is None:
        raise InvalidInput({"content_base64": list(result.errors)})
    doc = result.document
    supplier = queries.supplier_by_identifier(
        request.company, doc.supplier.vat_number, doc.supplier.eik
    )
    return {
        "import_id": staged.pk if staged else None,
        "warnings": result.warnings,
        "supplier_id": supplier.pk if supplier else None,
        "supplier": dict(doc.supplier.__dict__),
        "kind": doc.kind,
        "supplier_number": doc.number,
        "issue_date": doc.issue_date,
        "tax_event_date": doc.tax_event_date,
        "due_date": doc.due_date,
        "currency": doc.currency,
        "rows": [{"vat_rate": r.vat_rate, "base": r.base, "vat": r.vat} for r in doc.rows],
        "total": doc.total,
        "attachments": [a.filename for a in doc.attachments],
    }


@router.get("/{int:supplier_invoice_id}", response=SupplierInvoiceOut, summary="Read one")
def read_supplier_invoice(request: CompanyRequest, supplier_invoice_id: int) -> dict[str, Any]:
    require(request, "purchases.view")
    return _out(_invoice(request, supplier_invoice_id))


@router.patch("/{int:supplier_invoice_id}", response=SupplierInvoiceOut, summary="Change fields")
def patch_supplier_invoice(
    request: CompanyRequest, supplier_invoice_id: int, body: SupplierInvoicePatch
) -> dict[str, Any]:
    require(request, "purchases.change")
    invoice = actions.update_supplier_invoice(
        request.actor,
        _invoice(request, supplier_invoice_id),
        SupplierInvoiceInput.read_changes(_data(body, exclude_unset=True)),
    )
    return _out(invoice)


@router.post("/{int:supplier_invoice_id}/approve", response=SupplierInvoiceOut, summary="Approve")
def approve(request: CompanyRequest, supplier_invoice_id: int, body: ReasonIn) -> dict[str, Any]:
    require(request, "purchases.approve")
    invoice = actions.approve_supplier_invoice(
        request.actor,
        _invoice(request, supplier_invoice_id),
        body.reason,
    )
    return _out(invoice)


@router.post("/{int:supplier_invoice_id}/reject", response=SupplierInvoiceOut, summary="Reject")
def reject(request: CompanyRequest, supplier_invoice_id: int, body: ReasonIn) -> dict[str, Any]:
    require(request, "purchases.approve")
    invoice = actions.reject_supplier_invoice(
        request.actor,
        _invoice(request, supplier_invoice_id),
        body.reason,
    )
    return _out(invoice)


@router.post(
    "/{int:supplier_invoice_id}/request-approval",
    response=SupplierInvoiceOut,
    summary="Send for approval",
)
def request_approval(
    request: CompanyRequest, supplier_invoice_id: int, body: ApprovalRequestIn
) -> dict[str, Any]:
    require(request, "purchases.change")
    invoice = actions.request_approval(
        request.actor,
        _invoice(request, supplier_invoice_id),
        body.approver,
    )
    return _out(invoice)


@router.post("/{int:supplier_invoice_id}/cancel", response=SupplierInvoiceOut, summary="Cancel")
def cancel(request: CompanyRequest, supplier_invoice_id: int, body: ReasonIn) -> dict[str, Any]:
    require(request, "purchases.change")
    invoice = actions.cancel_supplier_invoice(
        request.actor,
        _invoice(request, supplier_invoice_id),
        body.reason,
    )
    return _out(invoice)
