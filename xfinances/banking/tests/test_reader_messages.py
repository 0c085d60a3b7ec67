"""A refused statement file is explained in the reader's language, line numbers included."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import pytest
from django.utils import translation

from xfinances.banking import actions
from xfinances.banking.messages import statement_problem
from xfinances.banking.records import StatementError
from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput
from xfinances.core.models import Source

READERS = Path(__file__).resolve().parents[1]
SYSTEM = Actor.system(Source.CLI)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("bg", "ред 1: това не е банково извлечение"),
        ("en", "line 1: not a bank statement"),
    ],
)
def test_a_refused_file_is_explained_in_the_active_language(company, language, expected):
    with translation.override(language), pytest.raises(InvalidInput) as caught:
        actions.import_statement(
            SYSTEM, company, io.BytesIO(b"\x00\x01\x02\x03\x04"), file_name="x.bin"
        )
    assert str(caught.value.errors["file"][0]).startswith(expected)


def test_field_names_and_element_paths_in_a_message():
    error = StatementError(
        "the %(what)s %(value)s is not a date",
        "line 12 (Ntry[2])",
        what="booking date",
        value="'x'",
    )
    with translation.override("bg"):
        text = statement_problem(error)
    assert text == "ред 12 (Ntry[2]): стойността 'x' в полето „дата на осчетоводяване“ не е дата"
    assert error.message == "the booking date 'x' is not a date"  # logs and tests keep English


def _raises_of_statement_error(path: Path) -> list[ast.Call]:
    calls = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "StatementError":
            calls.append(node)
    return calls


def test_every_reader_message_is_a_marked_message_id():
    """A reader message written as an f-string or a bare literal would reach a Bulgarian page in
    English: each one is `N_("…")` (or a module constant holding one) with its values apart."""
    constants = set()
    unmarked = []
    checked = 0
    for path in sorted(READERS.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Call)
                and getattr(node.value.func, "id", "") == "N_"
            ):
                constants |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        for call in _raises_of_statement_error(path):
            checked += 1
            first = call.args[0] if call.args else None
            marked = isinstance(first, ast.Call) and getattr(first.func, "id", "") == "N_"
            if not (marked or (isinstance(first, ast.Name) and first.id in constants)):
                unmarked.append(f"{path.name}:{call.lineno}")
    assert checked >= 30
    assert not unmarked, "StatementError messages not marked with N_(): " + ", ".join(unmarked)
