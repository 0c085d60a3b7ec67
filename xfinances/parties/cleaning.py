"""A party's search text, without the database. The rules of a party's fields are its typed
input's (`parties/inputs.py`): the form, the API and the importer all read a `PartyInput`, so a
row refused in the import preview is refused for the same reason in the form and the API.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_WHITESPACE = re.compile(r"\s+")


def search_text(
    *,
    name: str,
    name_latin: str = "",
    eik: str = "",
    vat_number: str = "",
    emails: Iterable[str] = (),
    ibans: Iterable[str] = (),
    tags: Iterable[str] = (),
) -> str:
    """The lower-cased text a party is found by. Python lowers Cyrillic; SQLite's LOWER does not."""
    parts = [name, name_latin, eik, vat_number, *emails, *ibans, *(f"#{t}" for t in tags)]
    return " ".join(_WHITESPACE.sub(" ", p).strip().lower() for p in parts if p and p.strip())


def search_terms(query: str) -> list[str]:
    """The query's words, lower-cased; each must occur in the party's search text."""
    return [term for term in _WHITESPACE.split(query.strip().lower()) if term]
