"""Text that comes from outside is cut to its column once, where it is taken in.

A person's over-long text is refused at its field (`core.text_limits`); a bank's is not ours to
refuse: a statement file, a PSD2 answer or a mailbox delivering a 5,000-character counterparty
name or remittance text must still import. The import path (`actions.importing`, which the
statement files and the PSD2 sync share) and the PSD2 consent path cut such text here, to the
limit of the column it is stored in (`core.text_limits.limit_of`, so the model stays the one
place a limit is written). The full original of a cut entry field is kept in the entry's raw
data (`full_<field>`, stored with its treasury movement), so nothing the bank said is lost.
"""

from __future__ import annotations

import dataclasses
import functools

from django.db import models

from xfinances.banking import records as rec
from xfinances.banking.models import BankEntry
from xfinances.core.text_limits import limit_of
from xfinances.treasury.models import Movement


def cut(model: type[models.Model], name: str, value: str) -> str:
    """`value` cut to the limit of `model.name`."""
    return value[: limit_of(model, name)]


# Each text of a bank entry and the columns it is stored in (the entry's and its movement's).
ENTRY_COLUMNS: dict[str, tuple[tuple[type[models.Model], str], ...]] = {
    "bank_id": ((BankEntry, "bank_id"), (Movement, "bank_reference")),
    "end_to_end_id": ((BankEntry, "end_to_end_id"), (Movement, "end_to_end_id")),
    "reference": ((BankEntry, "reference"), (Movement, "remittance_info")),
    "text": (
        (BankEntry, "text"),
        (Movement, "description"),
        (Movement, "remittance_info"),
    ),
    "counterparty_name": ((BankEntry, "counterparty_name"), (Movement, "counterparty_name")),
    "counterparty_iban": ((BankEntry, "counterparty_iban"), (Movement, "counterparty_iban")),
}


def entry_limit(field: str) -> int:
    """The length a bank entry's `field` is stored with (the smallest of its columns)."""
    return _entry_limits()[field]


@functools.cache
def _entry_limits() -> dict[str, int]:
    """Every field's limit, read from the models once (cut_entry runs once per entry)."""
    return {
        field: min(limit_of(model, name) for model, name in columns)
        for field, columns in ENTRY_COLUMNS.items()
    }


def cut_entry(entry: rec.BankEntry) -> rec.BankEntry:
    """`entry` with every text cut to its columns; the full text of each cut field kept in
    `raw` as `full_<field>`. The same entry when nothing is over its limit."""
    limits = _entry_limits()
    counterparty = entry.counterparty
    values = {
        "bank_id": entry.bank_id,
        "end_to_end_id": entry.end_to_end_id,
        "reference": entry.reference,
        "text": entry.text,
        "counterparty_name": counterparty.name,
        "counterparty_iban": counterparty.iban,
    }
    over = {name: value for name, value in values.items() if len(value) > limits[name]}
    if not over:
        return entry
    short = {name: value[: limits[name]] for name, value in values.items()}
    raw = {**entry.raw, **{f"full_{name}": value for name, value in over.items()}}
    counterparty = dataclasses.replace(
        counterparty, name=short["counterparty_name"], iban=short["counterparty_iban"]
    )
    return dataclasses.replace(
        entry,
        bank_id=short["bank_id"],
        end_to_end_id=short["end_to_end_id"],
        reference=short["reference"],
        text=short["text"],
        counterparty=counterparty,
        raw=raw,
    )
