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
