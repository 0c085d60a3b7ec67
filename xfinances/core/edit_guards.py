"""Edit guards: a higher app may forbid editing or deleting a record of a lower one.

Accounting (a high floor) exports supplier invoices, payments and cash/bank movements; once they
went out in a batch or their VAT month is closed, they must not change under the accountant.
Purchases, payments and treasury stand lower and cannot import accounting, so each of their
edit/delete actions asks this hook instead:

    edit_guards.ensure_editable(invoice)   # raises Conflict with the reason, if any

and accounting answers from its `AppConfig.ready()`:

    edit_guards.locked_reason.provide(accounting.locks.locked_reason)

A provider gets the model instance and returns the reason it is locked (a translated message) or
None. No provider registered means nothing is locked by a higher app.
"""

from __future__ import annotations

from django.db import models

from xfinances.core.events import Hook
from xfinances.core.exceptions import Conflict

locked_reason: Hook[str] = Hook("core.locked_reason")


def reasons(obj: models.Model) -> list[str]:
    """Every reason a higher app gives for `obj` being locked (empty: editable)."""
    return [str(reason) for reason in locked_reason.collect(obj=obj) if reason]


def ensure_editable(obj: models.Model) -> None:
    """Refuse (Conflict, nothing changed) when a higher app locked `obj`."""
    found = reasons(obj)
    if found:
        raise Conflict(" ".join(found))
