"""REST under /api/v1/accounting: the JSON feed of export records changed since a moment
(cursor-paged), manual exports, the batch history and downloads, and each document's export
state. Thin: reads through queries, writes through actions."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from enum import Enum
from typing import Any

from django.apps import apps
from django.http import HttpResponse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from ninja import Field, Router

from xfinances.accounting import actions, building, ledger_pdf, locks, queries
from xfinances.accounting.building import Period
from xfinances.accounting.inputs import ExportInput
from xfinances.accounting.models import ExportBatch
from xfinances.accounting.records import RecordError, sale_records
from xfinances.core.api_auth import require
from xfinances.core.exceptions import InvalidInput
from xfinances.core.schemas import InputSchema
from xfinances.core.tenancy import CompanyRequest, company_object_or_404
from xfinances.invoicing.models import Document

router = Router(tags=["accounting"])
MAX_LIMIT = 500


def plain(value: Any) -> Any:
    """A record as JSON: amounts as strings with a decimal point, dates ISO."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


@router.get("/feed")
def feed(
    request: CompanyRequest, changed_since: str = "", cursor: int = 0, limit: int = 100
) -> dict[str, Any]:
    """Sales documents changed (or created) since `changed_since` (ISO date-time), as export
    records with their lines, oldest id first. Pass `next_cursor` back as `cursor`."""
    require(request, "accounting.view")
    company = request.company
    limit = max(1, min(limit, MAX_LIMIT))
    found = (
        Document.objects.filter(company=company, pk__gt=cursor)
        .exclude(kind="proforma")
        .exclude(status="draft")
    )
    if changed_since:
        since = parse_datetime(changed_since)
        if since is None:
            raise InvalidInput({"changed_since": [_("Give an ISO date-time.")]})
        found = found.filter(updated_at__gte=since)
    ids = list(found.order_by("pk").values_list("pk", flat=True)[: limit + 1])
    more = len(ids) > limit
    ids = ids[:limit]
    mapping = queries.mapping_of(company)
    items = []
    page = Document.objects.filter(company=company, pk__in=ids)
    for sale in building.sale_inputs(company, page, with_lines=True):
        period = Period(sale.issue_date.year, sale.issue_date.month)
        state = [
            {
                "destination": row.destination.name if row.destination else None,
                "state": queries.pending_state(row, sale.version),
                "batch": row.batch_id,
                "exported_at": row.exported_at.isoformat() if row.exported_at else None,
                "error": row.error,
            }
            for row in queries.exports_of(company, "invoicing.Document", sale.id)
        ]
        try:
            records = [plain(r) for r in sale_records(sale, period.code, mapping)]
            problem = ""
        except RecordError as error:
            records, problem = [], str(error)
        items.append({"id": sale.id, "records": records, "problem": problem, "export_state": state})
    return {"items": items, "next_cursor": ids[-1] if more and ids else None}


class ExportIn(InputSchema, action_input=ExportInput, wire={"period": str}):
    # The fields of ExportInput; the format and the month stay required here, as in the
    # schema before the typed input (their readers refuse them empty too).
    target: str = Field(...)
    period: str = Field(...)


class ReopenIn(InputSchema):
    # "purchases.SupplierInvoice", "payments.Payment", "treasury.Movement", "payments.WriteOff",
    # "payments.Allocation" (a credit note's exchange difference)
    source: str
    id: int
    reason: str = ""


def _batch_out(batch: ExportBatch) -> dict[str, Any]:
    return {
        "id": batch.pk,
        "target": batch.target,
        "period": batch.period,
        "destination": batch.destination.name if batch.destination else None,
        "records": batch.records,
        "files": batch.filenames,
        "sha256": batch.sha256,
        "size": batch.size,
        "status": batch.status,
        "error": batch.error,
        "created_at": batch.created_at.isoformat(),
        "delivered_at": batch.delivered_at.isoformat() if batch.delivered_at else None,
        "download": f"/api/v1/accounting/batches/{batch.pk}/download",
    }


@router.post("/exports")
def export(request: CompanyRequest, body: ExportIn) -> dict[str, Any]:
    """Export a month to a target; answers the batch (the same one when nothing changed)."""
    require(request, "accounting.export")
    data = ExportInput.read(body.dict())
    result = actions.export_period(request.actor, request.company, data)
    assert result.batch is not None
    return {"created": result.created, "batch": _batch_out(result.batch)}


@router.get("/batches")
def batches(request: CompanyRequest, cursor: int = 0, limit: int = 50) -> dict[str, Any]:
    require(request, "accounting.view")
    limit = max(1, min(limit, MAX_LIMIT))
    found = queries.batches(request.company)
    if cursor:
        found = found.filter(pk__lt=cursor)
    page = list(found.order_by("-pk")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return {
        "items": [_batch_out(b) for b in page],
        "next_cursor": page[-1].pk if more and page else None,
    }


@router.get("/batches/{batch_id}/download")
def download(request: CompanyRequest, batch_id: int) -> HttpResponse:
    """The batch's stored zip: the same bytes every time."""
    require(request, "accounting.view")
    batch = company_object_or_404(request.company, ExportBatch, pk=batch_id)
    with batch.file.open("rb") as handle:
        data = handle.read()
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{batch.file.name.rsplit("/", 1)[-1]}"'
    response["ETag"] = f'"{batch.sha256}"'
    return response


@router.get("/documents/{document_id}/export-state")
def export_state(request: CompanyRequest, document_id: int) -> dict[str, Any]:
    """Where a sales document went: per destination, when, which batch, changed or failed."""
    require(request, "accounting.view")
    document = company_object_or_404(request.company, Document, pk=document_id)
    rows = queries.exports_of(request.company, "invoicing.Document", document.pk)
    return {
        "document": document.pk,
        "exports": [
            {
                "destination": row.destination.name if row.destination else None,
                "state": queries.pending_state(row, document.version),
                "batch": row.batch_id,
                "exported_at": row.exported_at.isoformat() if row.exported_at else None,
                "error": row.error,
            }
            for row in rows
        ],
    }


@router.post("/records/reopen")
def reopen_record(request: CompanyRequest, body: ReopenIn) -> dict[str, Any]:
    """An owner unlocks an exported supplier invoice, payment or movement for a correction;
    the next batch sends it again as changed since export."""
    require(request, "accounting.reopen_period")
    if body.source not in locks.GUARDED:
        raise InvalidInput(
            {
                "source": [
                    _("Choose one of: %(choices)s.") % {"choices": ", ".join(sorted(locks.GUARDED))}
                ]
            }
        )
    obj = company_object_or_404(request.company, apps.get_model(body.source), pk=body.id)
    count = locks.reopen_export(request.actor, request.company, obj, body.reason)
    return {"source": body.source, "id": obj.pk, "reopened": count}


@router.get("/ledgers/{ledger}.pdf")
def ledger_pdf_download(request: CompanyRequest, ledger: str, period: str) -> HttpResponse:
    """The sales or purchase VAT ledger of a month (`?period=YYYY-MM`) as PDF, in the language
    of the request (the user's saved language, else Bulgarian)."""
    require(request, "accounting.view")
    if ledger not in ledger_pdf.LEDGERS:
        raise InvalidInput({"ledger": [_("One of sales, purchases.")]})
    try:
        month = Period.parse(period)
    except ValueError:
        raise InvalidInput({"period": [_("Give the month as YYYY-MM.")]}) from None
    data = ledger_pdf.ledger_pdf(request.company, month, ledger)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{ledger_pdf.filename(month, ledger)}"'
    return response
