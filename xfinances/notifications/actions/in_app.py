"""In-app notifications (the bell), with e-mail for those who asked, and their preferences."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xfinances.core import audit
from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput
from xfinances.core.models import Company, Membership, User
from xfinances.core.permissions import ensure_can
from xfinances.core.roles import Role
from xfinances.notifications import queries
from xfinances.notifications.actions.queue import queue_message
from xfinances.notifications.events import MessageFailed
from xfinances.notifications.models import (
    MessageKind,
    Notification,
    NotificationKind,
    NotificationPreference,
    OutboxMessage,
)

# --- in-app notifications ----------------------------------------------------------------------


def issuer_and_owners(document: Any, company: Company | None = None) -> list[User]:
    """The company's owners and, first, whoever issued `document` (a sales document or None)."""
    company = company or (document.company if document else None)
    if company is None:
        return []
    users = list(
        User.objects.filter(
            memberships__company=company, memberships__role=Role.OWNER, is_active=True
        )
    )
    if document is not None and document.issued_by_id:
        issuer = User.objects.filter(
            pk=document.issued_by_id, is_active=True, memberships__company=company
        ).first()
        if issuer is not None and issuer not in users:
            users.insert(0, issuer)
    return users


def notify(
    company: Company,
    users: Iterable[User],
    kind: str,
    text: str | Callable[[], str],
    *,
    link: str = "",
    message: OutboxMessage | None = None,
    email_all: bool = False,
) -> list[Notification]:
    """Put an item under the bell of each user; those who asked for this kind by e-mail also
    get an e-mail (through the outbox, in the caller's transaction), and with `email_all`
    everyone with an address does (what must not wait for someone to open the page). A
    callable `text` is called in each user's own language."""
    created = []
    wanted_by_email = set(
        NotificationPreference.objects.filter(
            company=company, kind=kind, by_email=True
        ).values_list("user_id", flat=True)
    )
    for user in users:
        if callable(text):
            with translation.override(user.language or settings.LANGUAGE_CODE):
                shown = str(text())
        else:
            shown = text
        item = Notification.objects.create(
            company=company,
            user=user,
            kind=kind,
            text=shown[:500],
            link=link[:300],
            message=message,
        )
        created.append(item)
        # A failed notification e-mail is never announced by another e-mail (no loop).
        about_a_notification = (
            message is not None and message.payload.get("purpose") == "notification"
        )
        wanted = email_all or user.pk in wanted_by_email
        if wanted and user.email and not about_a_notification:
            queue_message(
                company,
                kind=MessageKind.EMAIL,
                key=f"notification:{item.pk}",
                payload={
                    "purpose": "notification",
                    "to": [user.email],
                    "reply_to": "",
                    "subject": f"XFINANCES: {shown[:150]}",
                    "text": f"{shown}\n\n{settings.BASE_URL}{link}\n" if link else f"{shown}\n",
                    "html": "",
                    "attach_pdf": False,
                },
                recipients=[user.email],
                subject=f"XFINANCES: {shown[:150]}",
            )
    return created


@transaction.atomic
def mark_notifications_read(
    actor: Actor, company: Company, ids: Sequence[int] | None = None
) -> int:
    """Mark the actor's own notifications read (all unread ones when `ids` is None)."""
    ensure_can(actor, company, "company.view")
    if actor.user is None:
        return 0
    found = Notification.objects.filter(company=company, user=actor.user, read_at__isnull=True)
    if ids is not None:
        found = found.filter(pk__in=list(ids))
    return found.update(read_at=timezone.now())


@transaction.atomic
def set_notification_preferences(
    actor: Actor, company: Company, by_email: Iterable[str]
) -> list[NotificationPreference]:
    """The kinds the actor also wants by e-mail; the others only under the bell."""
    ensure_can(actor, company, "company.view")
    if actor.user is None:
        raise InvalidInput(_("Preferences belong to a user."))
    chosen = set(by_email)
    unknown = chosen - set(NotificationKind.values)
    if unknown:
        raise InvalidInput({"by_email": [_("Unknown notification kind.")]})
    if not Membership.objects.filter(company=company, user=actor.user).exists():
        raise InvalidInput(_("You are not a member of this company."))
    rows = []
    for kind in NotificationKind.values:
        row, _created = NotificationPreference.objects.update_or_create(
            company=company, user=actor.user, kind=kind, defaults={"by_email": kind in chosen}
        )
        rows.append(row)
    audit.record_event(
        actor, company, "set_notification_preferences", actor.user, {"by_email": sorted(chosen)}
    )
    return rows


def notify_message_failed(event: MessageFailed) -> None:
    """The outbox gave up on a message: tell whoever issued its document and the owners."""
    message = OutboxMessage.objects.select_related("company", "endpoint", "document").get(
        pk=event.message_id
    )
    error = event.error
    document = message.document
    kind = (
        NotificationKind.EMAIL_FAILED
        if message.kind == MessageKind.EMAIL
        else NotificationKind.WEBHOOK_FAILED
    )

    def text() -> str:  # in each user's language
        if message.kind == MessageKind.EMAIL:
            return _("E-mail of %(what)s to %(to)s failed: %(error)s") % {
                "what": str(document) if document else message.subject,
                "to": ", ".join(message.recipients),
                "error": error[:200],
            }
        return _("Webhook %(event)s to %(url)s failed: %(error)s") % {
            "event": message.event,
            "url": message.endpoint.url if message.endpoint else "?",
            "error": error[:200],
        }

    users = issuer_and_owners(document, message.company)
    notify(message.company, users, kind, text, link=queries.message_link(message), message=message)
