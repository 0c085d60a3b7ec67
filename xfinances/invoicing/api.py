"""REST: sales documents under /api/v1/documents. Thin: checks the role, calls actions/queries.

Money is sent and returned as decimal strings ("120.00"). Lists are keyset-paginated newest
first: pass `next_cursor` back as `cursor`. `Idempotency-Key` on create and issue makes retries
safe: the same key and body return the first result; the same key with another body is a 409.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import FileResponse, Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from xfinances.core.api_auth import require
from xfinances.core.exceptions import InvalidInput
from xfinances.core.idempotency import idempotent
from xfinances.core.schemas import InputSchema
from xfinances.core.tenancy import CompanyRequest
from xfinances.core.text_limits import limits_of
from xfinances.invoicing import actions, lifecycle, printing, queries
from xfinances.invoicing.inputs import DraftInput, LineInput
from xfinances.invoicing.models import (
    Document,
    DocumentKind,
    DocumentStatus,
)
from xfinances.invoicing.payment_state import PAYMENT_STATUS_FILTER_VALUES

router = Router(tags=["documents"])

MAX_LIMIT = 200


@dataclass(frozen=True, kw_only=True)
class LineIn(LineInput):
    # A line as the API takes it: the actions' `inputs.LineInput` itself (one declaration of
    # the fields; pydantic validates the dataclass and refuses fields it does not declare),
    # under the schema name the API has always given it.
    pass


class DocumentIn(InputSchema):
    text_limits = limits_of(Document, "place_of_issue", "notes", "terms")

    kind: str = DocumentKind.INVOICE
    party_id: int | None = None
    issue_date: dt.date | None = None
    tax_event_date: dt.date | None = None
    due_date: dt.date | None = None
    place_of_issue: str | None = None
    payment_method: str | None = None
    currency: str | None = None
    language: str | None = None
    notes: str = ""
    terms: str = ""
    document_discount_percent: Decimal | None = None
    series_id: int | None = None
    is_advance: bool = False
    lines: list[LineIn] = []
    issue: bool = Field(
        False,
        description="true: save and issue in one transaction (201 with its number); a refusal "
        "at issue creates nothing",
    )


class DocumentPatch(InputSchema):
    """Only the fields sent change. An issued document needs `reason` (audited)."""

    text_limits = limits_of(Document, "place_of_issue", "notes", "terms", "note_reason")
    party_id: int | None = None
    issue_date: dt.date | None = None
    tax_event_date: dt.date | None = None
    due_date: dt.date | None = None
    place_of_issue: str | None = None
    payment_method: str | None = None
    currency: str | None = None
    language: str | None = None
    notes: str | None = None
    terms: str | None = None
    document_discount_percent: Decimal | None = None
    series_id: int | None = None
    is_advance: bool | None = None
    note_reason: str | None = None
    lines: list[LineIn] | None = None
    reason: str = ""
    version: int | None = None
    issue: bool = Field(
        False,
        description="true: save the changes to a draft and issue it in one transaction; a "
        "refusal at issue leaves the draft unchanged",
    )


class ReasonIn(InputSchema):
    reason: str = ""


class ConvertIn(InputSchema):
    issue: bool = True
    issue_date: dt.date | None = None
    tax_event_date: dt.date | None = None
    due_date: dt.date | None = None
    is_advance: bool = False


class NoteIn(InputSchema):
    reason: str = ""
    lines: list[LineIn] | None = None  # credit note without lines: cancels the invoice in full
    issue: bool = False
    issue_date: dt.date | None = None
    tax_event_date: dt.date | None = None


class LineOut(Schema):
    id: int
    position: int
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    discount_percent: Decimal
    vat_treatment: str
    vat_rate: Decimal | None
    legal_basis: str
    net: Decimal
    product_id: int | None
    corrected_line_id: int | None
    advance_document_id: int | None
    original_unit_price: Decimal | None
    original_net: Decimal | None


class VatGroupOut(Schema):
    vat_treatment: str
    vat_rate: Decimal | None
    legal_basis: str
    reverse_charge: bool
    nap_column: str
    base: Decimal
    vat: Decimal
    total: Decimal
    eur_base: Decimal
    eur_vat: Decimal
    eur_total: Decimal


class TotalsOut(Schema):
    lines_net: Decimal
    document_discount_percent: Decimal
    document_discount: Decimal
    base: Decimal
    vat: Decimal
    total: Decimal
    eur_base: Decimal
    eur_vat: Decimal
    eur_total: Decimal
    original_currency: str
    original_base: Decimal | None
    original_vat: Decimal | None
    original_total: Decimal | None
    vat_groups: list[VatGroupOut]


class PartySnapshotOut(Schema):
    name: str
    country: str
    city: str
    postcode: str
    address: str
    eik: str
    vat_number: str
    mol: str


class DocumentOut(Schema):
    id: int
    kind: str
    status: str
    number: str | None
    series_id: int | None
    is_advance: bool
    issue_date: dt.date
    tax_event_date: dt.date
    due_date: dt.date | None
    place_of_issue: str
    payment_method: str
    currency: str
    exchange_rate: Decimal | None
    language: str
    party_id: int | None
    recipient: PartySnapshotOut
    supplier: PartySnapshotOut
    lines: list[LineOut]
    totals: TotalsOut
    amount_in_words: str
    rf_reference: str
    notes: str
    terms: str
    corrected_document_id: int | None
    corrected_number: str
    note_reason: str
    proforma_id: int | None
    converted_at: dt.datetime | None
    issued_by_name: str
    issued_at: dt.datetime | None
    void_reason: str
    voided_at: dt.datetime | None
    annulment_protocol_needed: bool
    locked: bool
    lock_reason: str
    version: int
    has_pdf: bool
    delivered_at: dt.datetime | None = Field(
        None, description="first reached the client (e-mailed, opened, downloaded, accepted)"
    )
    delivered_via: str = ""
    payment_status: str = Field(
        description="unpaid, partly_paid, paid, overpaid, written_off or not_applicable "
        "(drafts, voided documents, proformas, credit notes, protocols)"
    )
    paid_amount: Decimal = Field(description="settled by payments (document currency)")
    credited_amount: Decimal = Field(description="settled by credit notes")
    written_off_amount: Decimal
    outstanding_amount: Decimal = Field(
        description="total − paid − credited − written off; negative when overpaid"
    )
    warnings: list[str] = []
    annulment_protocol: dict[str, Any] | None = None


class DocumentSummaryOut(Schema):
    id: int
    kind: str
    status: str
    number: str | None
    issue_date: dt.date
    due_date: dt.date | None
    party_id: int | None
    recipient_name: str
    currency: str
    total: Decimal
    eur_total: Decimal
    payment_status: str
    paid_amount: Decimal
    credited_amount: Decimal
    written_off_amount: Decimal
    outstanding_amount: Decimal


class DocumentPage(Schema):
    limit: int
    next_cursor: str | None
    items: list[DocumentSummaryOut]


class DocumentFilters(InputSchema):
    kind: str = ""
    status: str = ""
    party_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    overdue: bool = False
    payment_status: str = Field(
        "",
        description="unpaid, partly_paid, paid, overpaid, written_off, or open (unpaid or "
        "partly paid)",
    )
    q: str = ""
    limit: int = 50
    cursor: str = ""


def _get(request: CompanyRequest, document_id: int) -> Document:
    found = queries.document(request.company, document_id)
    if found is None:
        raise Http404
    return found


def _snapshot(document: Document, prefix: str) -> dict[str, str]:
    return {
        name: getattr(document, f"{prefix}_{name}")
        for name in ("name", "country", "city", "postcode", "address", "eik", "vat_number", "mol")
    }


def document_out(
    document: Document,
    warnings: list[str] | None = None,
    annulment_protocol: dict[str, Any] | None = None,
) -> dict[str, Any]:
    state = lifecycle.lock_of(document, timezone.localdate())
    lines = [
        {
            **{name: getattr(line, name) for name in LineOut.model_fields if hasattr(line, name)},
            "vat_treatment": line.vat_code,
        }
        for line in queries.lines_of(document)
    ]
    groups = [
        {
            **{n: getattr(g, n) for n in VatGroupOut.model_fields if hasattr(g, n)},
            "vat_treatment": g.vat_code,
        }
        for g in document.vat_groups.order_by("id")
    ]
    totals = {n: getattr(document, n) for n in TotalsOut.model_fields if hasattr(document, n)}
    return {
        **{n: getattr(document, n) for n in DocumentOut.model_fields if hasattr(document, n)},
        "recipient": _snapshot(document, "recipient"),
        "supplier": _snapshot(document, "supplier"),
        "lines": lines,
        "totals": {**totals, "vat_groups": groups},
        "locked": state.locked,
        "lock_reason": state.message,
        "has_pdf": bool(document.pdf_file),
        "warnings": warnings or [],
        "annulment_protocol": _plain(annulment_protocol) if annulment_protocol else None,
    }


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def _draft_input(data: Schema, *, exclude_unset: bool) -> DraftInput:
    """The header fields sent (a create: every field but the empty ones, the client always)
    and the lines as the actions take them."""
    payload = data.model_dump(
        exclude_unset=exclude_unset, exclude={"kind", "lines", "reason", "version", "issue"}
    )
    if not exclude_unset:
        payload = {k: v for k, v in payload.items() if v is not None or k == "party_id"}
    lines = getattr(data, "lines", None)
    return DraftInput(**payload, lines=tuple(lines) if lines is not None else None)


def _encode_cursor(document: Document) -> str:
    raw = json.dumps([document.issue_date.isoformat(), document.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode_cursor(cursor: str) -> tuple[dt.date, int]:
    try:
        day, pk = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(pk, int):
            raise ValueError
        return dt.date.fromisoformat(day), pk
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput(
            {"cursor": [_("This cursor is not valid: use next_cursor from the last page.")]}
        )


@router.get("", response=DocumentPage, summary="Documents, newest first, filtered")
def list_documents(request: CompanyRequest, filters: Query[DocumentFilters]) -> dict[str, Any]:
    require(request, "documents.view")
    errors = InvalidInput.collect()
    if not 1 <= filters.limit <= MAX_LIMIT:
        errors.add("limit", _("Use a limit from 1 to %(max)d.") % {"max": MAX_LIMIT})
    if filters.kind and filters.kind not in DocumentKind.values:
        errors.add("kind", _("Unknown kind of document."))
    if filters.status and filters.status not in DocumentStatus.values:
        errors.add("status", _("Unknown status."))
    if filters.payment_status and filters.payment_status not in PAYMENT_STATUS_FILTER_VALUES:
        errors.add("payment_status", _("Unknown payment status."))
    errors.raise_if_any()
    found = queries.documents(
        request.company,
        kind=filters.kind,
        status=filters.status,
        party_id=filters.party_id,
        date_from=filters.date_from,
        date_to=filters.date_to,
        amount_min=filters.amount_min,
        amount_max=filters.amount_max,
        overdue_on=timezone.localdate() if filters.overdue else None,
        q=filters.q,
        payment_status=filters.payment_status,
    )
    if filters.cursor:
        found = queries.after_cursor(found, *_decode_cursor(filters.cursor))
    items = list(found[: filters.limit + 1])
    more = len(items) > filters.limit
    items = items[: filters.limit]
    return {
        "limit": filters.limit,
        "next_cursor": _encode_cursor(items[-1]) if more and items else None,
        "items": items,
    }


@router.post("", response={200: DocumentOut, 201: DocumentOut}, summary="Create a draft")
@idempotent
def create_document(request: CompanyRequest, data: DocumentIn) -> Status[dict[str, Any]]:
    require(request, "documents.change")
    if data.kind not in (DocumentKind.INVOICE, DocumentKind.PROFORMA, DocumentKind.PROTOCOL):
        raise InvalidInput(
            {
                "kind": [
                    _(
                        "Create invoices, proformas or protocols here; notes via "
                        "/{id}/credit-note or /{id}/debit-note."
                    )
                ]
            }
        )

    save = actions.save_and_issue if data.issue else actions.save_document
    result = save(
        request.actor, request.company, _draft_input(data, exclude_unset=False), kind=data.kind
    )
    return Status(201, document_out(result.document, result.warnings))


@router.get("/{int:document_id}", response=DocumentOut, summary="One document")
def read_document(request: CompanyRequest, document_id: int) -> dict[str, Any]:
    require(request, "documents.view")
    return document_out(_get(request, document_id))


@router.patch(
    "/{int:document_id}",
    response=DocumentOut,
    summary="Change a draft (and issue it with `issue`), or correct an issued document "
    "(with reason)",
)
def patch_document(
    request: CompanyRequest, document_id: int, data: DocumentPatch
) -> dict[str, Any]:
    require(request, "documents.change")
    document = _get(request, document_id)
    changes = _draft_input(data, exclude_unset=True)
    if document.status != DocumentStatus.DRAFT:
        result = actions.edit_issued_document(
            request.actor, document, changes, reason=data.reason, expected_version=data.version
        )
    elif data.issue:
        result = actions.save_and_issue(
            request.actor,
            request.company,
            changes,
            kind=document.kind,
            document=document,
            expected_version=data.version,
        )
    else:
        result = actions.DocumentResult(
            actions.update_draft(request.actor, document, changes, expected_version=data.version)
        )
    return document_out(result.document, result.warnings)


@router.delete("/{int:document_id}", response={204: None}, summary="Delete a draft")
def delete_document(request: CompanyRequest, document_id: int) -> Status[None]:
    require(request, "documents.change")
    actions.delete_draft(request.actor, _get(request, document_id))
    return Status(204, None)


@router.post(
    "/{int:document_id}/issue",
    response=DocumentOut,
    summary="Issue a draft (number, totals, snapshots)",
)
@idempotent
def issue(request: CompanyRequest, document_id: int) -> Status[dict[str, Any]]:
    require(request, "documents.change")
    result = actions.issue_document(request.actor, _get(request, document_id))
    return Status(200, document_out(result.document, result.warnings))


@router.post(
    "/{int:document_id}/void", response=DocumentOut, summary="Void an issued document (number kept)"
)
def void(request: CompanyRequest, document_id: int, data: ReasonIn) -> dict[str, Any]:
    require(request, "documents.void")
    result = actions.void_document(request.actor, _get(request, document_id), reason=data.reason)
    return document_out(result.document, result.warnings, result.annulment_protocol)


class ReissueOut(Schema):
    voided: DocumentOut
    replacement: DocumentOut


@router.post(
    "/{int:document_id}/void-and-reissue",
    response={201: ReissueOut},
    summary="Void a document that reached the client and start its replacement",
    description="The way to correct a document after it reached the client (e-mailed, "
    "opened, downloaded or accepted in the portal), when the company does not allow edits "
    "after delivery (an edit answers 409): the document is voided (`annulment_protocol` "
    "when the client may have booked it) and a new draft with its client and lines is "
    "created; issue it to give it a new number. Or issue a credit or debit note.",
)
def void_and_reissue(
    request: CompanyRequest, document_id: int, data: ReasonIn
) -> Status[dict[str, Any]]:
    require(request, "documents.void")
    voided, draft = actions.void_and_reissue(
        request.actor, _get(request, document_id), reason=data.reason
    )
    protocol = actions.annulment_protocol_data(voided) if voided.annulment_protocol_needed else None
    return Status(
        201, {"voided": document_out(voided, None, protocol), "replacement": document_out(draft)}
    )


@router.post(
    "/{int:document_id}/convert",
    response={201: DocumentOut},
    summary="Make the invoice of a proforma",
)
def convert(request: CompanyRequest, document_id: int, data: ConvertIn) -> Status[dict[str, Any]]:
    require(request, "documents.change")
    changes = DraftInput(**data.model_dump(exclude_none=True, exclude={"issue"}))
    result = actions.convert_proforma(
        request.actor, _get(request, document_id), changes, issue=data.issue
    )
    return Status(201, document_out(result.document, result.warnings))


def _note(
    request: CompanyRequest, document_id: int, data: NoteIn, kind: str
) -> Status[dict[str, Any]]:
    require(request, "documents.change")
    invoice = _get(request, document_id)
    details = DraftInput(
        **data.model_dump(exclude_none=True, include={"issue_date", "tax_event_date"})
    )
    if kind == DocumentKind.CREDIT_NOTE:
        result = actions.create_credit_note(
            request.actor,
            invoice,
            reason=data.reason,
            lines=data.lines,
            issue=data.issue,
            details=details,
        )
    else:
        result = actions.create_debit_note(
            request.actor,
            invoice,
            reason=data.reason,
            lines=data.lines or [],
            issue=data.issue,
            details=details,
        )
    return Status(201, document_out(result.document, result.warnings))


@router.post(
    "/{int:document_id}/credit-note",
    response={201: DocumentOut},
    summary="Credit note to an invoice",
)
def credit_note(request: CompanyRequest, document_id: int, data: NoteIn) -> Status[dict[str, Any]]:
    return _note(request, document_id, data, DocumentKind.CREDIT_NOTE)


@router.post(
    "/{int:document_id}/debit-note", response={201: DocumentOut}, summary="Debit note to an invoice"
)
def debit_note(request: CompanyRequest, document_id: int, data: NoteIn) -> Status[dict[str, Any]]:
    return _note(request, document_id, data, DocumentKind.DEBIT_NOTE)


@router.post(
    "/{int:document_id}/copy", response={201: DocumentOut}, summary="A new draft like this document"
)
def copy(request: CompanyRequest, document_id: int) -> Status[dict[str, Any]]:
    require(request, "documents.change")
    return Status(
        201, document_out(actions.copy_document(request.actor, _get(request, document_id)))
    )


class ErrorOut(Schema):
    detail: str


@router.get("/{int:document_id}/pdf", response={200: None, 404: ErrorOut}, summary="The PDF")
def pdf(
    request: CompanyRequest, document_id: int
) -> HttpResponse | FileResponse | Status[dict[str, str]]:
    """The stored PDF of an issued document. Right after issuing, before the worker has
    rendered it, it is rendered and stored now (the same bytes the worker would keep); a
    draft gets a preview that is not stored."""
    require(request, "documents.view")
    document = _get(request, document_id)
    name = f"{document.get_kind_display()} {document.number or document.pk}.pdf"
    if document.is_draft:
        return HttpResponse(
            printing.document_pdf(document),
            content_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{document.pk}.pdf"'},
        )
    if not document.pdf_file:
        actions.store_pdf(document)
        document.refresh_from_db()
    return FileResponse(document.pdf_file.open("rb"), content_type="application/pdf", filename=name)
