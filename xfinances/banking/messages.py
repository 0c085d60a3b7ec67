"""What a person reads when a statement file is refused: the reader's error in their language.

The readers (camt, MT940, CSV/XLSX) are pure and raise `StatementError` with an English message
id and its values; this turns one into the active language, with "line 12" read as "ред 12"."""

from __future__ import annotations

import re

from django.utils.translation import gettext

from xfinances.banking.records import StatementError

_LINE = re.compile(r"^line (\d+)(.*)$")


def _where(where: str) -> str:
    found = _LINE.match(where)
    if found is None:
        return where  # an element path (Document, Bal/Amt, Ntry[3]): the file's own words
    return gettext("line %(number)s") % {"number": found.group(1)} + found.group(2)


def statement_problem(error: StatementError) -> str:
    """`error` as one sentence in the active language ("ред 4: …" / "line 4: …")."""
    # "what" names a field ("amount", "booking date"): its own message id. Other values come
    # from the file and stay as they are.
    params = {
        name: gettext(value) if name == "what" else value for name, value in error.params.items()
    }
    text = gettext(error.template)
    if params:
        text = text % params
    where = _where(error.where)
    return f"{where}: {text}" if where else text
