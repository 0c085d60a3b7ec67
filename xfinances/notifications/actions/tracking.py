"""What comes back: opened e-mails and bounce reports."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.notifications import queries
from xfinances.notifications.actions.in_app import issuer_and_owners, notify
from xfinances.notifications.actions.queue import _log
from xfinances.notifications.models import (
    DeliveryLogEntry,
    LogEvent,
    NotificationKind,
    OutboxMessage,
)

# --- tracking, portal downloads, bounces -------------------------------------------------------


@transaction.atomic
def record_open(token: str) -> bool:
    """The tracking image was loaded: the first time marks the message opened."""
    message = OutboxMessage.objects.filter(tracking_token=token).exclude(tracking_token="").first()
    if message is None:
        return False
    now = timezone.now()
    if OutboxMessage.objects.filter(pk=message.pk, opened_at__isnull=True).update(opened_at=now):
        _log(message, LogEvent.OPENED)
    return True


@transaction.atomic
def record_bounce(message_id: str, recipient: str, reason: str) -> OutboxMessage | None:
    """A delivery-status notification came back for `message_id`: log it on the message and
    tell the issuer and the owners. Unknown Message-IDs are ignored (None)."""
    message = (
        OutboxMessage.objects.select_related("company", "document")
        .filter(message_id=message_id.strip())
        .exclude(message_id="")
        .first()
    )
    if message is None:
        return None
    detail = f"{recipient}: {reason}".strip(": ")[:2000]
    if DeliveryLogEntry.objects.filter(
        message=message, event=LogEvent.BOUNCED, detail=detail
    ).exists():
        return message
    _log(message, LogEvent.BOUNCED, detail)
    document = message.document
    what = str(document) if document else message.subject
    notify(
        message.company,
        issuer_and_owners(document, message.company),
        NotificationKind.DOCUMENT_RETURNED,
        lambda: (
            _("%(what)s came back from %(recipient)s: %(reason)s")
            % {
                "what": str(document) if document else what,
                "recipient": recipient,
                "reason": reason[:200],
            }
        ),
        link=queries.message_link(message),
        message=message,
    )
    return message
