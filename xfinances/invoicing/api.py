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
from decimal import Decimal
from typing import Any, ClassVar

from django.http import FileResponse, Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from xfinances.core.api_auth import require
from xfinances.core.exceptions import InvalidInput
from xfinances.core.schemas import InputSchema
from xfinances.core.tenancy import CompanyRequest
from xfinances.core.text_limits import limits_of
from xfinances.invoicing import actions, lifecycle, printing, queries
from xfinances.invoicing.models import (
    Document,
    DocumentKind,
    DocumentLine,
    DocumentStatus,
    NumberSeries,
    PrintSettings,
    RecurringInvoice,
)
from xfinances.invoicing.payment_state import PAYMENT_STATUS_FILTER_VALUES

router = Router(tags=["documents"])

MAX_LIMIT = 200


class LineIn(InputSchema):
    text_limits = limits_of(DocumentLine, "description")

    description: str = ""
    quantity: Decimal | None = None
    unit: str = ""
    unit_price: Decimal | None = None
    discount_percent: Decimal | None = None
    vat_treatment: str = ""  # the VAT treatment's code: "standard", "eu_goods" …
    product_id: int | None = None
    corrected_line_id: int | None = None
    advance_document_id: int | None = None


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
    issue: bool = False  # true: issue it at once, in the same transaction (201 with its number)


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


def _json_out(document: Document, warnings: list[str] | None = None) -> dict[str, Any]:
    return DocumentOut.model_validate(document_out(document, warnings)).model_dump(mode="json")


def _lines(lines: list[LineIn] | None) -> list[dict[str, Any]] | None:
    if lines is None:
        return None
    return [line.model_dump(exclude_none=True) for line in lines]


def _header(data: Schema, *, exclude_unset: bool) -> dict[str, Any]:
    payload = data.model_dump(exclude_unset=exclude_unset)
    for name in ("kind", "lines", "reason", "version", "issue"):
        payload.pop(name, None)
    if not exclude_unset:
        payload = {k: v for k, v in payload.items() if v is not None or k == "party_id"}
    return payload


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


def _idempotency_key(request: CompanyRequest) -> str:
    return request.headers.get("Idempotency-Key", "").strip()


def _idempotent(request: CompanyRequest, run: Any) -> Status[dict[str, Any]]:
    """Run `run() -> (document, status, warnings)` once per Idempotency-Key (if sent)."""
    key = _idempotency_key(request)
    if not key:
        document, status, warnings = run()
        return Status(status, document_out(document, warnings))

    def produce() -> tuple[Document, int, dict[str, Any]]:
        document, status, warnings = run()
        return document, status, _json_out(document, warnings)

    outcome = actions.run_idempotent(
        request.company,
        key=key,
        request_digest=actions.request_hash(request.method or "", request.path, request.body),
        run=produce,
    )
    if outcome.replayed and outcome.document is not None:
        fresh = queries.document(request.company, outcome.document.pk)
        if fresh is not None:
            return Status(outcome.status, document_out(fresh, outcome.response.get("warnings")))
    return Status(outcome.status, outcome.response)


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

    def run() -> tuple[Document, int, list[str]]:
        result = actions.save_document(
            request.actor,
            request.company,
            kind=data.kind,
            header=_header(data, exclude_unset=False),
            lines=_lines(data.lines) or [],
            issue=data.issue,
        )
        return result.document, 201, result.warnings

    return _idempotent(request, run)


@router.get("/{int:document_id}", response=DocumentOut, summary="One document")
def read_document(request: CompanyRequest, document_id: int) -> dict[str, Any]:
    require(request, "documents.view")
    return document_out(_get(request, document_id))


@router.patch(
    "/{int:document_id}",
    response=DocumentOut,
    summary="Change a draft, or correct an issued document (with reason)",
)
def patch_document(
    request: CompanyRequest, document_id: int, data: DocumentPatch
) -> dict[str, Any]:
    require(request, "documents.change")
    document = _get(request, document_id)
    header = _header(data, exclude_unset=True)
    lines = _lines(data.lines)
    if document.status == DocumentStatus.DRAFT:
        updated = actions.update_draft(
            request.actor, document, lines=lines, expected_version=data.version, **header
        )
        return document_out(updated)
    result = actions.edit_issued_document(
        request.actor,
        document,
        reason=data.reason,
        lines=lines,
        expected_version=data.version,
        **header,
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
def issue(request: CompanyRequest, document_id: int) -> Status[dict[str, Any]]:
    require(request, "documents.change")
    document = _get(request, document_id)

    def run() -> tuple[Document, int, list[str]]:
        result = actions.issue_document(request.actor, document)
        return result.document, 200, result.warnings

    return _idempotent(request, run)


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
    extra = data.model_dump(exclude_none=True, exclude={"issue"})
    result = actions.convert_proforma(
        request.actor, _get(request, document_id), issue=data.issue, **extra
    )
    return Status(201, document_out(result.document, result.warnings))


def _note(
    request: CompanyRequest, document_id: int, data: NoteIn, kind: str
) -> Status[dict[str, Any]]:
    require(request, "documents.change")
    invoice = _get(request, document_id)
    extra = data.model_dump(exclude_none=True, include={"issue_date", "tax_event_date"})
    if kind == DocumentKind.CREDIT_NOTE:
        result = actions.create_credit_note(
            request.actor,
            invoice,
            reason=data.reason,
            lines=_lines(data.lines),
            issue=data.issue,
            **extra,
        )
    else:
        result = actions.create_debit_note(
            request.actor,
            invoice,
            reason=data.reason,
            lines=_lines(data.lines) or [],
            issue=data.issue,
            **extra,
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


# --- number series: /api/v1/number-series -------------------------------------------------------

series_router = Router(tags=["number series"])


class SeriesOut(Schema):
    id: int
    group: str
    name: str
    range_start: int
    range_end: int
    next_number: int
    remaining: int
    last_issue_date: dt.date | None
    is_default: bool
    is_active: bool


class SeriesIn(InputSchema):
    group: str = "tax"
    name: str = ""
    range_start: int
    range_end: int
    is_default: bool = False


class SeriesPatch(InputSchema):
    name: str | None = None
    is_default: bool | None = None
    range_start: int | None = None
    range_end: int | None = None


def _series(request: CompanyRequest, series_id: int) -> NumberSeries:
    found = queries.series_list(request.company).filter(pk=series_id).first()
    if found is None:
        raise Http404
    return found


@series_router.get("", response=list[SeriesOut], summary="Number series with what is left")
def list_series(request: CompanyRequest, group: str = "") -> list[NumberSeries]:
    require(request, "documents.view")
    return list(queries.series_list(request.company, group))


@series_router.post("", response={201: SeriesOut}, summary="A new range (e.g. a branch)")
def create_series(request: CompanyRequest, data: SeriesIn) -> Status[NumberSeries]:
    require(request, "documents.settings")
    series = actions.create_series(request.actor, request.company, **data.model_dump())
    return Status(201, series)


@series_router.get("/{int:series_id}", response=SeriesOut, summary="One series")
def read_series(request: CompanyRequest, series_id: int) -> NumberSeries:
    require(request, "documents.view")
    return _series(request, series_id)


@series_router.patch("/{int:series_id}", response=SeriesOut, summary="Rename, default, range")
def patch_series(request: CompanyRequest, series_id: int, data: SeriesPatch) -> NumberSeries:
    require(request, "documents.settings")
    return actions.update_series(
        request.actor, _series(request, series_id), **data.model_dump(exclude_unset=True)
    )


@series_router.post(
    "/{int:series_id}/deactivate", response=SeriesOut, summary="Stop numbering from it"
)
def deactivate_series(request: CompanyRequest, series_id: int) -> NumberSeries:
    require(request, "documents.settings")
    return actions.deactivate_series(request.actor, _series(request, series_id))


# --- print settings: /api/v1/print-settings -----------------------------------------------------

print_settings_router = Router(tags=["print settings"])


class PrintSettingsOut(Schema):
    accent_colour: str
    show_logo: bool
    show_qr: bool
    show_bgn_equivalent: bool
    show_signatures: bool
    footer_text: str
    custom_template_name: str
    custom_template: str


class PrintSettingsPatch(InputSchema):
    accent_colour: str | None = None
    show_logo: bool | None = None
    show_qr: bool | None = None
    show_bgn_equivalent: bool | None = None
    show_signatures: bool | None = None
    footer_text: str | None = None
    custom_template: str | None = None  # Typst source; "" for the standard template
    custom_template_name: str = ""

    long_text_fields: ClassVar[frozenset[str]] = frozenset({"custom_template"})


@print_settings_router.get("", response=PrintSettingsOut, summary="How documents print")
def read_print_settings(request: CompanyRequest) -> PrintSettings:
    require(request, "documents.view")
    return queries.print_settings(request.company)


@print_settings_router.patch(
    "", response=PrintSettingsOut, summary="Change layout choices, texts or the custom template"
)
def patch_print_settings(request: CompanyRequest, data: PrintSettingsPatch) -> PrintSettings:
    require(request, "documents.settings")
    return actions.update_print_settings(
        request.actor, request.company, **data.model_dump(exclude_unset=True)
    )


# --- recurring invoices: /api/v1/recurring-invoices ---------------------------------------------

recurring_router = Router(tags=["recurring invoices"])


class RecurringLineIn(InputSchema):
    description: str = ""
    quantity: Decimal | None = None
    unit: str = ""
    unit_price: Decimal | None = None
    discount_percent: Decimal | None = None
    vat_treatment: str = ""
    product_id: int | None = None


class RecurringIn(InputSchema):
    name: str = ""
    party_id: int | None = None
    lines: list[RecurringLineIn] = []
    currency: str = "EUR"
    language: str = ""
    payment_method: str = "bank_transfer"
    notes: str = ""
    schedule: str = "monthly"
    day_of_month: int = 1
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    auto_issue: bool = True
    auto_send: bool = False


class RecurringPatch(InputSchema):
    name: str | None = None
    party_id: int | None = None
    lines: list[RecurringLineIn] | None = None
    currency: str | None = None
    language: str | None = None
    payment_method: str | None = None
    notes: str | None = None
    schedule: str | None = None
    day_of_month: int | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    auto_issue: bool | None = None
    auto_send: bool | None = None


class RecurringRunOut(Schema):
    id: int
    period_start: dt.date
    period_end: dt.date
    document_id: int | None
    error: str
    sent: bool
    created_at: dt.datetime


class RecurringOut(Schema):
    id: int
    name: str
    party_id: int
    lines: list[dict[str, Any]]
    currency: str
    language: str
    payment_method: str
    notes: str
    schedule: str
    day_of_month: int
    start_date: dt.date
    end_date: dt.date | None
    next_period_start: dt.date | None
    auto_issue: bool
    auto_send: bool
    active: bool
    runs: list[RecurringRunOut] = []


class ActiveIn(InputSchema):
    active: bool = False


class RunNowOut(Schema):
    invoiced: int
    runs: list[RecurringRunOut]


def _recurring(request: CompanyRequest, template_id: int) -> RecurringInvoice:
    found = queries.recurring_invoice(request.company, template_id)
    if found is None:
        raise Http404
    return found


def _recurring_out(template: RecurringInvoice, runs: int = 50) -> dict[str, Any]:
    data = {n: getattr(template, n) for n in RecurringOut.model_fields if n != "runs"}
    data["runs"] = list(queries.recurring_runs(template)[:runs])
    return data


@recurring_router.get("", response=list[RecurringOut], summary="Recurring invoices")
def list_recurring(request: CompanyRequest) -> list[dict[str, Any]]:
    require(request, "documents.view")
    return [_recurring_out(t, runs=0) for t in queries.recurring_invoices(request.company)]


@recurring_router.post("", response={201: RecurringOut}, summary="A new recurring invoice")
def create_recurring(request: CompanyRequest, data: RecurringIn) -> Status[dict[str, Any]]:
    require(request, "documents.change")
    payload = data.model_dump()
    payload["lines"] = [line.model_dump(exclude_none=True) for line in data.lines]
    template = actions.create_recurring(request.actor, request.company, **payload)
    return Status(201, _recurring_out(template))


@recurring_router.get("/{int:template_id}", response=RecurringOut, summary="One, with its runs")
def read_recurring(request: CompanyRequest, template_id: int) -> dict[str, Any]:
    require(request, "documents.view")
    return _recurring_out(_recurring(request, template_id))


@recurring_router.patch("/{int:template_id}", response=RecurringOut, summary="Change it")
def patch_recurring(
    request: CompanyRequest, template_id: int, data: RecurringPatch
) -> dict[str, Any]:
    require(request, "documents.change")
    payload = data.model_dump(exclude_unset=True)
    if data.lines is not None:
        payload["lines"] = [line.model_dump(exclude_none=True) for line in data.lines]
    template = actions.update_recurring(request.actor, _recurring(request, template_id), **payload)
    return _recurring_out(template)


@recurring_router.delete("/{int:template_id}", response={204: None}, summary="Delete it")
def delete_recurring(request: CompanyRequest, template_id: int) -> Status[None]:
    require(request, "documents.change")
    actions.delete_recurring(request.actor, _recurring(request, template_id))
    return Status(204, None)


@recurring_router.post(
    "/{int:template_id}/active", response=RecurringOut, summary="Pause or resume"
)
def set_active(request: CompanyRequest, template_id: int, data: ActiveIn) -> dict[str, Any]:
    require(request, "documents.change")
    template = actions.pause_recurring(
        request.actor, _recurring(request, template_id), active=data.active
    )
    return _recurring_out(template)


@recurring_router.post(
    "/{int:template_id}/run-now",
    response=RunNowOut,
    summary="Invoice every period due today now (the daily job would do the same)",
)
def run_now(request: CompanyRequest, template_id: int) -> dict[str, Any]:
    require(request, "documents.change")
    template = _recurring(request, template_id)
    made = actions.run_recurring_now(request.actor, template)
    return {"invoiced": len(made), "runs": made}
