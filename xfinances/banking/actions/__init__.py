"""Every write of banking, one module per kind of write: importing statements
(`importing.py`) and the matching glue with its review queue (`reconcile.py`).
Callers use `from xfinances.banking import actions` and the names below."""

from __future__ import annotations

from xfinances.banking.actions.importing import (
    MAX_BYTES,
    ImportSummary,
    import_events,
    import_statement,
    resolve_account,
)
from xfinances.banking.actions.reconcile import (
    MatchResult,
    accept,
    dismiss,
    match_entries,
    undo,
)

__all__ = [
    "MAX_BYTES",
    "ImportSummary",
    "MatchResult",
    "accept",
    "dismiss",
    "import_events",
    "import_statement",
    "match_entries",
    "resolve_account",
    "undo",
]
