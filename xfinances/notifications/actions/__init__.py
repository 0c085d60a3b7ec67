"""Every write of the delivery area, one module per kind of write: queuing e-mails and webhook
calls (always as outbox rows in the caller's transaction), webhook endpoints, resending,
settings and templates, what comes back (opens, bounces), in-app notifications.

The worker's own state changes (claim, sent, retry, failed) live in `outbox.py`; the delivery
of sales documents is invoicing's (`invoicing/actions/delivery.py`). Callers use
`from xfinances.notifications import actions` and the names below.
"""

from __future__ import annotations

from xfinances.notifications.actions.configuring import (
    DeliverySettingsInput,
    reset_email_template,
    save_email_template,
    set_party_auto_send,
    update_delivery_settings,
)
from xfinances.notifications.actions.delivery_settings import (
    clean_recipients,
    delivery_settings,
    template_for,
)
from xfinances.notifications.actions.in_app import (
    issuer_and_owners,
    mark_notifications_read,
    notify,
    notify_message_failed,
    set_notification_preferences,
)
from xfinances.notifications.actions.queue import (
    MAX_ATTACHMENT_BYTES,
    PAYLOAD_VERSION,
    EmailAttachment,
    allow_private_webhooks,
    give_up_hours,
    kick_worker_on_commit,
    message_id_domain,
    queue_email,
    queue_message,
)
from xfinances.notifications.actions.resending import (
    cancel_message,
    resend_message,
)
from xfinances.notifications.actions.tracking import (
    record_bounce,
    record_open,
)
from xfinances.notifications.actions.webhooks import (
    PendingEvent,
    WebhookEndpointInput,
    clean_webhook_url,
    create_webhook_endpoint,
    delete_webhook_endpoint,
    emit_event,
    emit_events,
    send_test_webhook,
    update_webhook_endpoint,
)

__all__ = [
    "MAX_ATTACHMENT_BYTES",
    "PAYLOAD_VERSION",
    "DeliverySettingsInput",
    "EmailAttachment",
    "PendingEvent",
    "WebhookEndpointInput",
    "allow_private_webhooks",
    "cancel_message",
    "clean_recipients",
    "clean_webhook_url",
    "create_webhook_endpoint",
    "delete_webhook_endpoint",
    "delivery_settings",
    "emit_event",
    "emit_events",
    "give_up_hours",
    "issuer_and_owners",
    "kick_worker_on_commit",
    "mark_notifications_read",
    "message_id_domain",
    "notify",
    "notify_message_failed",
    "queue_email",
    "queue_message",
    "record_bounce",
    "record_open",
    "resend_message",
    "reset_email_template",
    "save_email_template",
    "send_test_webhook",
    "set_notification_preferences",
    "set_party_auto_send",
    "template_for",
    "update_delivery_settings",
    "update_webhook_endpoint",
]
