"""Outbox records for tests, made through the actions (no sales documents: the outbox sits
below invoicing; document delivery is tested in invoicing/tests/test_delivery_*.py)."""

from __future__ import annotations

from typing import Any

from xfinances.core.audit import Actor
from xfinances.core.models import Company, Membership, Source
from xfinances.core.roles import Role
from xfinances.notifications import actions
from xfinances.notifications.actions import WebhookEndpointInput
from xfinances.notifications.models import Notification, NotificationKind

SYSTEM = Actor.system(Source.CLI)


def isolation_objects(company: Company) -> dict[str, Any]:
    """One outbox message, webhook endpoint and notification, for the tenancy walker.
    `token` is the public tracking image's argument: not company data (the image answers any
    valid token without a session); an unknown token is 404."""
    hook = actions.create_webhook_endpoint(
        SYSTEM,
        company,
        WebhookEndpointInput.read(
            {"url": "https://crm.example.com/hooks", "events": ["document.issued"]}
        ),
    )
    message = actions.send_test_webhook(SYSTEM, hook)
    owners = [m.user for m in Membership.objects.filter(company=company, role=Role.OWNER)]
    actions.notify(company, owners, NotificationKind.EMAIL_FAILED, "test")
    item = Notification.objects.filter(company=company).first()
    return {
        "endpoint_id": hook.pk,
        "message_id": message.pk,
        "notification_id": item.pk if item else 0,
        "kind": "invoice",
        "language": "bg",
        "token": "no-such-token",
    }
