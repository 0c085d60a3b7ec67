"""Webhook events as a person reads them: `{{ code|event_label }}` ("A document is issued") and
`{{ message|message_title }}` (an e-mail's subject, or a webhook call's event and document).

The code (`document.issued`) is what the receiving system reads; pages show it beside the label,
in `<code>`, for whoever builds that system."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from xfinances.notifications.models import MessageKind, OutboxMessage, WebhookEvent

register = template.Library()

PING = "ping"


@register.filter
def event_label(code: str) -> str:
    if code == PING:
        return _("Test event")
    if code in WebhookEvent.values:
        return str(WebhookEvent(code).label)
    return code


@register.filter
def event_with_code(code: str) -> SafeString:
    return format_html("{} <code>{}</code>", event_label(code), code)


@register.filter
def message_title(message: OutboxMessage) -> str:
    if message.kind != MessageKind.WEBHOOK or not message.event:
        return message.subject or message.event
    title = event_label(message.event)
    rest = (message.subject or "").removeprefix(message.event).strip()
    return f"{title} {rest}" if rest else title
