"""Webhook events are named for a person on the pages (in the page's language), with the code
the receiving system reads beside them."""

from __future__ import annotations

from django.utils import translation

from xfinances.notifications.forms import WebhookEndpointForm
from xfinances.notifications.models import MessageKind, OutboxMessage, WebhookEvent
from xfinances.notifications.templatetags.webhook_events import (
    event_label,
    event_with_code,
    message_title,
)


def test_every_event_has_a_bulgarian_name() -> None:
    with translation.override("bg"):
        names = {code: event_label(code) for code in WebhookEvent.values}
        assert names["document.issued"] == "Издаден документ"
        assert event_label("ping") == "Пробно събитие"
    assert all(name != code for code, name in names.items())
    assert len(set(names.values())) == len(names)


def test_a_webhook_call_is_titled_by_its_event_and_keeps_the_document() -> None:
    call = OutboxMessage(
        kind=MessageKind.WEBHOOK, event="payment.received", subject="payment.received #12"
    )
    mail = OutboxMessage(kind=MessageKind.EMAIL, event="", subject="Фактура 0000000012")
    with translation.override("bg"):
        assert message_title(call) == "Получено плащане #12"
        assert message_title(mail) == "Фактура 0000000012"
        assert event_with_code("document.voided") == (
            "Анулиран документ <code>document.voided</code>"
        )


def test_the_form_offers_each_event_by_name_and_code() -> None:
    with translation.override("bg"):
        choices = dict(WebhookEndpointForm().fields["events"].choices)
    assert choices["document.overdue"] == "Просрочен документ (document.overdue)"
