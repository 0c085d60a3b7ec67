"""REST: /api/v1/webhooks and /api/v1/outbox (thin). A document's send and delivery log are
invoicing's (invoicing/delivery_api.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404
from ninja import Router, Schema, Status

from xfinances.core.api_auth import require
from xfinances.core.schemas import InputSchema
from xfinances.core.tenancy import CompanyRequest
from xfinances.core.text_limits import limits_of
from xfinances.notifications import actions, queries
from xfinances.notifications.models import MessageStatus, OutboxMessage, WebhookEndpoint

webhooks_router = Router(tags=["webhooks"])
outbox_router = Router(tags=["outbox"])


class MessageOut(Schema):
    id: int
    kind: str
    status: str
    event: str
    document_id: int | None
    endpoint_id: int | None
    recipients: list[str]
    subject: str
    message_id: str
    attempts: int
    next_attempt_at: dt.datetime
    last_error: str
    last_response_code: int | None
    outcome_uncertain: bool
    created_at: dt.datetime
    sent_at: dt.datetime | None
    opened_at: dt.datetime | None


class LogOut(Schema):
    id: int
    message_id: int | None
    event: str
    attempt: int
    response_code: int | None
    detail: str
    created_at: dt.datetime


class SendIn(InputSchema):
    recipients: list[str] | None = None


class EndpointIn(InputSchema):
    text_limits = limits_of(WebhookEndpoint, "url", "description")

    url: str
    events: list[str]
    description: str = ""
    is_active: bool = True


class EndpointPatch(InputSchema):
    text_limits = EndpointIn.text_limits

    url: str | None = None
    events: list[str] | None = None
    description: str | None = None
    is_active: bool | None = None
    rotate_secret: bool = False


class EndpointOut(Schema):
    id: int
    url: str
    description: str
    events: list[str]
    is_active: bool
    secret: str
    created_at: dt.datetime


def message_out(message: OutboxMessage) -> MessageOut:
    return MessageOut.model_validate(message, from_attributes=True)


def _endpoint(request: CompanyRequest, endpoint_id: int) -> WebhookEndpoint:
    found = queries.endpoint(request.company, endpoint_id)
    if found is None:
        raise Http404
    return found


# --- outbox ------------------------------------------------------------------------------------


@outbox_router.get("", response=list[MessageOut], summary="Outgoing messages, newest first")
def outbox_list(
    request: CompanyRequest, status: str = "", kind: str = "", limit: int = 100
) -> list[Any]:
    require(request, "delivery.view")
    if status and status not in MessageStatus.values:
        status = "__none__"
    found = queries.outbox(request.company, status=status, kind=kind)
    return list(found[: max(1, min(limit, 500))])


@outbox_router.get("/{int:message_id}", response=MessageOut, summary="One outgoing message")
def outbox_detail(request: CompanyRequest, message_id: int) -> Any:
    require(request, "delivery.view")
    message = queries.message(request.company, message_id)
    if message is None:
        raise Http404
    return message


@outbox_router.get(
    "/{int:message_id}/log", response=list[LogOut], summary="Attempts and events of a message"
)
def outbox_log(request: CompanyRequest, message_id: int) -> list[Any]:
    require(request, "delivery.view")
    message = queries.message(request.company, message_id)
    if message is None:
        raise Http404
    return list(queries.message_log(request.company, message))


@outbox_router.post(
    "/{int:message_id}/resend", response={202: MessageOut}, summary="Queue a failed message again"
)
def outbox_resend(request: CompanyRequest, message_id: int) -> Status[MessageOut]:
    require(request, "delivery.send")
    message = queries.message(request.company, message_id)
    if message is None:
        raise Http404
    return Status(202, message_out(actions.resend_message(request.actor, message)))


# --- webhooks ----------------------------------------------------------------------------------


@webhooks_router.get("", response=list[EndpointOut], summary="Webhook endpoints")
def webhook_list(request: CompanyRequest) -> list[Any]:
    require(request, "webhooks.manage")
    return list(queries.endpoints(request.company))


@webhooks_router.post("", response={201: EndpointOut}, summary="Register an endpoint")
def webhook_create(request: CompanyRequest, data: EndpointIn) -> Status[Any]:
    require(request, "webhooks.manage")
    typed = actions.WebhookEndpointInput.read(
        {
            "url": data.url,
            "events": data.events,
            "description": data.description,
            "is_active": data.is_active,
        }
    )
    endpoint = actions.create_webhook_endpoint(request.actor, request.company, typed)
    return Status(201, endpoint)


@webhooks_router.get("/{int:endpoint_id}", response=EndpointOut, summary="One endpoint")
def webhook_detail(request: CompanyRequest, endpoint_id: int) -> Any:
    require(request, "webhooks.manage")
    return _endpoint(request, endpoint_id)


@webhooks_router.patch("/{int:endpoint_id}", response=EndpointOut, summary="Change an endpoint")
def webhook_update(request: CompanyRequest, endpoint_id: int, data: EndpointPatch) -> Any:
    require(request, "webhooks.manage")
    changes = data.model_dump(exclude_unset=True, exclude={"rotate_secret"})
    given = {k: v for k, v in changes.items() if v is not None}
    return actions.update_webhook_endpoint(
        request.actor,
        _endpoint(request, endpoint_id),
        actions.WebhookEndpointInput.read_changes(given),
        rotate_secret=data.rotate_secret,
    )


@webhooks_router.delete("/{int:endpoint_id}", response={204: None}, summary="Delete an endpoint")
def webhook_delete(request: CompanyRequest, endpoint_id: int) -> Status[None]:
    require(request, "webhooks.manage")
    actions.delete_webhook_endpoint(request.actor, _endpoint(request, endpoint_id))
    return Status(204, None)


@webhooks_router.post(
    "/{int:endpoint_id}/test", response={202: MessageOut}, summary="Queue a test (ping) event"
)
def webhook_test(request: CompanyRequest, endpoint_id: int) -> Status[MessageOut]:
    require(request, "webhooks.manage")
    message = actions.send_test_webhook(request.actor, _endpoint(request, endpoint_id))
    return Status(202, message_out(message))


@webhooks_router.get(
    "/{int:endpoint_id}/deliveries",
    response=list[MessageOut],
    summary="Deliveries to an endpoint, newest first",
)
def webhook_deliveries(request: CompanyRequest, endpoint_id: int, limit: int = 100) -> list[Any]:
    require(request, "webhooks.manage")
    endpoint = _endpoint(request, endpoint_id)
    found = queries.endpoint_messages(request.company, endpoint)
    return list(found[: max(1, min(limit, 500))])
