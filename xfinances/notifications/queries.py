"""Named reads of the delivery area, always scoped to one company."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from xfinances.core.models import Company, User
from xfinances.notifications.models import (
    DeliveryLogEntry,
    Notification,
    OutboxMessage,
    WebhookEndpoint,
)
from xfinances.parties.models import Party


def active_endpoints(company: Company) -> list[WebhookEndpoint]:
    return list(WebhookEndpoint.objects.filter(company=company, is_active=True).order_by("id"))


def endpoints(company: Company) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(company=company).order_by("id")


def endpoint(company: Company, endpoint_id: int) -> WebhookEndpoint | None:
    return WebhookEndpoint.objects.filter(company=company, pk=endpoint_id).first()


def outbox(company: Company, *, status: str = "", kind: str = "") -> QuerySet[OutboxMessage]:
    found = OutboxMessage.objects.filter(company=company).select_related("document", "endpoint")
    if status:
        found = found.filter(status=status)
    if kind:
        found = found.filter(kind=kind)
    return found.order_by("-created_at", "-id")


def message(company: Company, message_id: int) -> OutboxMessage | None:
    return (
        OutboxMessage.objects.filter(company=company, pk=message_id)
        .select_related("document", "endpoint")
        .first()
    )


def message_link(message: OutboxMessage) -> str:
    return f"/c/{message.company.eik}/delivery/outbox/{message.pk}/"


def document_log(company: Company, document: Any) -> QuerySet[DeliveryLogEntry]:
    """The delivery log of a sales document (any object with a `pk`)."""
    return (
        DeliveryLogEntry.objects.filter(company=company, document_id=document.pk)
        .select_related("message")
        .order_by("-created_at", "-id")
    )


def document_messages(company: Company, document: Any) -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(company=company, document_id=document.pk).order_by(
        "-created_at", "-id"
    )


def message_log(company: Company, message: OutboxMessage) -> QuerySet[DeliveryLogEntry]:
    return DeliveryLogEntry.objects.filter(company=company, message=message).order_by(
        "-created_at", "-id"
    )


def endpoint_messages(company: Company, endpoint: WebhookEndpoint) -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(company=company, endpoint=endpoint).order_by(
        "-created_at", "-id"
    )


def clients_without_email(company: Company) -> QuerySet[Party]:
    """Active clients with no e-mail for documents and no contact who receives invoices:
    the automatic send would skip them."""
    return (
        Party.objects.filter(company=company, is_client=True, is_archived=False, email="")
        .exclude(contacts__receives_invoices=True, contacts__email__gt="")
        .order_by("name", "id")
    )


def unread(company: Company, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(company=company, user=user, read_at__isnull=True).order_by(
        "-created_at", "-id"
    )


def notifications(company: Company, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(company=company, user=user).order_by("-created_at", "-id")
