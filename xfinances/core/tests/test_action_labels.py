"""Every action the code records in the audit log has a label (`core.action_labels`), so the
histories and the audit log say what happened in words, never `register_supplier_invoice`.

The walk reads the source: the action argument of every `audit.record_*` call and of every
`audit.Batch` create/update/event call. Where the action is passed through a helper, the
helper's callers' literals are read; an action built from parts is listed in BUILT below. A new
audit call whose action is neither a literal nor known here fails the test."""

from __future__ import annotations

import ast
from pathlib import Path

from django.utils import translation

from xfinances.core.action_labels import ACTION_LABELS, action_label

ROOT = Path(__file__).resolve().parents[2]
RECORDERS = {"record_create", "record_update", "record_changes", "record_delete", "record_event"}
BATCH = {"create", "update", "event"}
# Helpers that take the action from their caller: (file, function) → the action's position.
HELPERS = {
    "_set_active": 3,
    "_decide": 4,
    "_record_list_change": 2,
    "_replace_bank_accounts": 3,
    "_replace_contacts": 3,
    "_set_primary_iban": 3,
    "_create_party": 3,
    "_insert_movement": 2,
}
# Audit calls whose action is a variable or an expression, and the actions they can record.
BUILT = {
    "catalog/actions.py:_set_active": (),
    "purchases/actions/approval.py:_decide": (),
    "parties/actions.py:_record_list_change": (),
    "parties/actions.py:_create_party": (),
    "treasury/actions/common.py:_insert_movement": (),
    "treasury/actions/bank_import.py:_delete_or_reverse": (
        "withdraw_bank_movement",
        "take_back_movement",
    ),
    "invoicing/actions/recurring.py:pause_recurring": ("pause_recurring", "resume_recurring"),
    "banking/actions/sources.py:save_source": (
        "create_mailbox",
        "create_folder",
        "create_connection",
        "update_mailbox",
        "update_folder",
        "update_connection",
    ),
    "portal/actions.py:respond_to_document": (
        "portal.document_accepted",
        "portal.document_returned",
    ),
}


def _calls() -> tuple[set[str], set[str]]:
    """(the literal actions found, the sites "file:function" of non-literal ones)."""
    literal: set[str] = set()
    built: set[str] = set()
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if {"tests", "migrations"} & set(relative.parts):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef):
                continue
            for node in ast.walk(function):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                position = None
                if name in RECORDERS:
                    position = 2
                elif name in HELPERS:
                    position = HELPERS[name]
                elif (
                    name in BATCH
                    and isinstance(node.func, ast.Attribute)
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    position = 0
                if position is None or len(node.args) <= position:
                    continue
                argument = node.args[position]
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    literal.add(argument.value)
                elif name not in HELPERS:
                    built.add(f"{relative}:{function.name}")
    return literal, built


def test_every_recorded_action_has_a_label():
    literal, built = _calls()
    assert len(literal) > 100  # the walk found the calls
    unknown_sites = built - set(BUILT)
    assert not unknown_sites, f"list what these audit calls can record in BUILT: {unknown_sites}"
    actions = literal | {action for values in BUILT.values() for action in values}
    missing = sorted(actions - set(ACTION_LABELS))
    assert not missing, f"add to core/action_labels.py (and django.po): {missing}"


def test_the_label_is_in_the_active_language():
    with translation.override("bg"):
        assert action_label("register_supplier_invoice") == "регистрирана фактура на доставчик"
    with translation.override("en"):
        assert action_label("allocate") == "payment allocated"
    assert action_label("no_such_action") == "no_such_action"
