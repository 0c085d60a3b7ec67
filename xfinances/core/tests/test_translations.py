"""Every user-visible string has its Bulgarian in the catalogue.

`makemessages` needs GNU gettext, which CI machines lack, so a string added without running it
would reach users in English. This reads the literal strings the code marks for translation
(`_("…")`, `gettext_lazy("…")`, `{% trans "…" %}`) and looks each one up in django.po."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[2]  # the xfinances package
CATALOGUE = ROOT / "locale" / "bg" / "LC_MESSAGES" / "django.po"
MARKERS = {"_", "N_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy"}
TEMPLATE_TRANS = re.compile(r"""{%\s*(?:trans|translate)\s+(["'])(.+?)\1""")


def _skipped(path: Path) -> bool:
    return any(part in ("tests", "migrations", "static") for part in path.parts)


def _python_strings() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in ROOT.rglob("*.py"):
        if _skipped(path.relative_to(ROOT)):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            first = node.args[0]
            if name in MARKERS and isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.setdefault(first.value, path)
    return found


def _template_strings() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in ROOT.rglob("*.html"):
        if _skipped(path.relative_to(ROOT)):
            continue
        for match in TEMPLATE_TRANS.finditer(path.read_text(encoding="utf-8")):
            # makemessages writes a template's "%" as "%%", and the tag looks it up so.
            found.setdefault(match.group(2).replace("%", "%%"), path)
    return found


def test_every_marked_string_is_translated_to_bulgarian():
    catalogue = {
        entry.msgid: entry
        for entry in polib.pofile(str(CATALOGUE))
        if not entry.obsolete and entry.msgid
    }
    strings = {**_template_strings(), **_python_strings()}
    assert len(strings) > 500  # the reader found the code's strings
    missing = [
        f"{path.relative_to(ROOT)}: {msgid!r}"
        for msgid, path in sorted(strings.items(), key=lambda item: str(item[1]))
        if msgid not in catalogue
        or not (catalogue[msgid].msgstr or catalogue[msgid].msgstr_plural)
        or "fuzzy" in catalogue[msgid].flags
    ]
    assert not missing, "Add to django.po (makemessages, then translate):\n" + "\n".join(missing)


# Calls whose message a person reads, and where the message is among the arguments.
ERROR_CLASSES = {"InvalidInput", "NotAllowed", "Conflict", "ActionError", "ValidationError"}
MESSAGE_FUNCTIONS = {"error", "warning", "success", "info"}  # django.contrib.messages


def _literal_texts(node: ast.AST):
    """The bare string literals in a message argument (also inside a list or a dict's values);
    a literal inside `_(…)` or any other call is not bare."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        if any(char.isalpha() for char in node.value):
            yield node.value
    elif isinstance(node, ast.JoinedStr):
        yield "f-string"
    elif isinstance(node, ast.List | ast.Tuple):
        for element in node.elts:
            yield from _literal_texts(element)
    elif isinstance(node, ast.Dict):
        for value in node.values:
            yield from _literal_texts(value)


def _message_arguments(call: ast.Call) -> list[ast.AST]:
    name = getattr(call.func, "id", None) or getattr(call.func, "attr", None)
    owner = getattr(getattr(call.func, "value", None), "id", None)
    if name in ERROR_CLASSES:  # (message, field=, link=, code=); InvalidInput may map fields
        return [
            *call.args[:1],
            *(
                keyword.value
                for keyword in call.keywords
                if keyword.arg not in ("field", "link", "code", "params")
            ),
        ]
    if name == "HttpError" or (name == "add" and owner == "errors"):
        return call.args[1:]  # HttpError(status, message); errors.add(field, message)
    if name in MESSAGE_FUNCTIONS and owner == "messages":
        return call.args[1:]  # messages.error(request, message)
    return []


def test_error_messages_are_marked_for_translation():
    """A refusal written as a bare literal reaches a Bulgarian user in English (the API's
    "No such account in this company." did): every message given to an input error, a refusal,
    an HTTP error or a page message goes through `_()`."""
    bare = []
    calls = 0
    for path in ROOT.rglob("*.py"):
        if _skipped(path.relative_to(ROOT)) or "management" in path.parts:
            continue  # management commands speak to operators in English
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                arguments = _message_arguments(node)
                calls += bool(arguments)
                bare += [
                    f"{path.relative_to(ROOT)}:{node.lineno}: {text!r}"
                    for argument in arguments
                    for text in _literal_texts(argument)
                ]
    assert calls > 200  # the reader found the code's refusals
    assert not bare, "Wrap in _() and translate:\n" + "\n".join(bare)
