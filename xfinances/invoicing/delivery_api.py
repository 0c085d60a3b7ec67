"""REST: POST /api/v1/documents/{id}/send and GET /api/v1/documents/{id}/delivery (thin)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from ninja import Router, Status

from xfinances.core.api_auth import require
from xfinances.core.tenancy import CompanyRequest
from xfinances.invoicing import queries
from xfinances.invoicing.actions import delivery
from xfinances.notifications import queries as notification_queries
from xfinances.notifications.api import LogOut, MessageOut, SendIn, message_out

documents_router = Router(tags=["documents"])


@documents_router.post(
    "/{int:document_id}/send",
    response={202: MessageOut},
    summary="E-mail an issued document (PDF attached) to the client's invoice contacts",
)
def send_document(
    request: CompanyRequest, document_id: int, data: SendIn | None = None
) -> Status[MessageOut]:
    require(request, "delivery.send")
    document = queries.document(request.company, document_id)
    if document is None:
        raise Http404
    message = delivery.send_document(
        request.actor,
        document,
        recipients=(data.recipients if data else None) or None,
        idempotency_key=request.headers.get("Idempotency-Key", "")[:100],
    )
    return Status(202, message_out(message))


@documents_router.get(
    "/{int:document_id}/delivery", response=list[LogOut], summary="Delivery log of a document"
)
def document_delivery(request: CompanyRequest, document_id: int) -> list[Any]:
    require(request, "delivery.view")
    document = queries.document(request.company, document_id)
    if document is None:
        raise Http404
    return list(notification_queries.document_log(request.company, document)[:500])
