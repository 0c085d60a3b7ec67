"""The duplicate-detection key of a supplier's document number (pure).

Rule (docs/purchases.md): upper-case, drop every space, and, when what is left is only
digits, drop the leading zeros. So "0000001234", "1234" and " 00 001 234" are the same
number; "ABC-0012" and "abc-0012" are the same; "ABC-0012" and "ABC-12" are not (a letter
prefix keeps its zeros: suppliers really use both forms for different documents).
"""

from __future__ import annotations


def number_key(number: str) -> str:
    text = "".join((number or "").split()).upper()
    if text.isdigit():
        text = text.lstrip("0") or "0"
    return text
