"""Every write of banking, one module per kind of write: importing statements
(`importing.py`), the matching glue (`reconcile.py`), the review queue's decisions
(`review.py`), matching by hand (`by_hand.py`), the learned payers (`aliases.py`), the bank
rules (`rules.py`), the company's column profiles (`profiles.py`) and the lines that may be a
movement typed in by hand (`typed.py`).
Callers use `from xfinances.banking import actions` and the names below."""

from __future__ import annotations

from xfinances.banking.actions.aliases import forget_alias
from xfinances.banking.actions.by_hand import match_by_hand
from xfinances.banking.actions.filing import Filed, FileEntryInput, file_entry
from xfinances.banking.actions.importing import (
    MAX_BYTES,
    ImportSummary,
    import_events,
    import_statement,
    resolve_account,
)
from xfinances.banking.actions.payment_files import (
    IbanWarning,
    PaymentFileInput,
    iban_flags,
    make_payment_file,
)
from xfinances.banking.actions.profiles import (
    create_profile,
    delete_profile,
    duplicate_profile,
    preview_profile,
    update_profile,
)
from xfinances.banking.actions.reconcile import MatchResult, match_entries
from xfinances.banking.actions.review import accept, accept_with_write_off, dismiss, undo
from xfinances.banking.actions.rules import (
    RulePreview,
    create_rule,
    ensure_default_rules,
    preview_rule,
    set_rule_active,
    update_rule,
)
from xfinances.banking.actions.typed import keep_apart, part_from_typed, take_typed_movement

__all__ = [
    "MAX_BYTES",
    "FileEntryInput",
    "Filed",
    "IbanWarning",
    "ImportSummary",
    "MatchResult",
    "PaymentFileInput",
    "RulePreview",
    "accept",
    "accept_with_write_off",
    "create_profile",
    "create_rule",
    "delete_profile",
    "dismiss",
    "duplicate_profile",
    "ensure_default_rules",
    "file_entry",
    "forget_alias",
    "iban_flags",
    "import_events",
    "import_statement",
    "keep_apart",
    "make_payment_file",
    "match_by_hand",
    "match_entries",
    "part_from_typed",
    "preview_profile",
    "preview_rule",
    "resolve_account",
    "set_rule_active",
    "take_typed_movement",
    "undo",
    "update_profile",
    "update_rule",
]
