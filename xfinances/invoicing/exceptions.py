"""Errors of sales documents. All are `core.exceptions` errors, so views and the API show them."""

from __future__ import annotations

from xfinances.core.exceptions import Conflict


class DocumentLocked(Conflict):
    """The issued document is locked (exported, closed period, edit window over): use a note."""


class StaleDocument(Conflict):
    """Someone else changed the document since it was read (optimistic concurrency)."""


class SeriesExhausted(Conflict):
    """The number series has no numbers left."""


class DocumentDelivered(Conflict):
    """The document reached the client: void and reissue it, or issue a note."""
