"""A proposal's reasons written in the active language (`matching/reasons.py` keeps codes)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext

from xfinances.banking.matching.reasons import write
from xfinances.core import formatting


def describe(reasons: Iterable[Any]) -> str:
    """`[["amount_exact", {"amount": "1234.50"}]]` → "сумата 1 234,50 е равна на …"."""
    return write(reasons, gettext, formatting.amount, formatting.date)
