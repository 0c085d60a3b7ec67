"""What the accounting exports do when the apps below them report something (core/events.py),
registered from `AccountingConfig.ready()`."""

from __future__ import annotations

from xfinances.accounting import actions, queries, tasks
from xfinances.core import events
from xfinances.core.events import Phase
from xfinances.invoicing.events import DocumentIssued, DocumentUpdated, DocumentVoided
from xfinances.notifications.events import MessageFailed, MessageSent


def on_issue(event: DocumentIssued) -> None:
    """After commit: on-issue destinations of the company send the new document."""
    if queries.sends_on_issue(event.company_id):
        tasks.export_on_issue(event.company_id, event.document_id)


def on_change(event: DocumentUpdated | DocumentVoided) -> None:
    """In the action's transaction: an exported document changed; it is sent again."""
    actions.mark_changed(event.company_id, "invoicing.Document", event.document_id)


def on_message_sent(event: MessageSent) -> None:
    if event.purpose == actions.PURPOSE:
        actions.message_sent(event.message_id)


def on_message_failed(event: MessageFailed) -> None:
    actions.message_failed(event.message_id, event.error)


_registered = False


def register() -> None:
    global _registered
    if _registered:
        return
    _registered = True
    events.subscribe(DocumentIssued, on_issue, phase=Phase.ON_COMMIT)
    events.subscribe(DocumentUpdated, on_change, phase=Phase.IN_TRANSACTION)
    events.subscribe(DocumentVoided, on_change, phase=Phase.IN_TRANSACTION)
    events.subscribe(MessageSent, on_message_sent, phase=Phase.IN_TRANSACTION)
    events.subscribe(MessageFailed, on_message_failed, phase=Phase.IN_TRANSACTION)
