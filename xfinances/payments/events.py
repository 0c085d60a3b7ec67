"""What payments asks the apps above it (core/events.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

from xfinances.core.events import Hook


class WaitingLine(NamedTuple):
    """Money that came from the bank and may pay a document, waiting for a person to say so."""

    day: dt.date
    amount: Decimal
    currency: str
    counterparty: str
    url: str  # where a person settles it


# The bank lines waiting for a person that may pay a document (`provider(document=…)` →
# WaitingLine): its payments panel names them by "Mark as paid", so the money is settled from
# the line instead of being typed in a second time. Banking provides them.
waiting_bank_lines: Hook[WaitingLine] = Hook("payments.waiting_bank_lines")
