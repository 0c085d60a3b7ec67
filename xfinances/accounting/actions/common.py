"""What the accounting actions share: the outbox purpose of a batch and the refusal naming
every document that cannot be exported."""

from __future__ import annotations

from django.utils.functional import Promise

from xfinances.core.exceptions import InvalidInput

PURPOSE = "accounting_export"
WEBHOOK_EVENT = "accounting.batch"
MAX_ERRORS = 50


def refused(messages: list[str]) -> InvalidInput:
    """Every reason at once (the first MAX_ERRORS), none of it written."""
    shown: list[str | Promise] = list(messages[:MAX_ERRORS])
    return InvalidInput({"__all__": shown})
