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

Deleting asks one question more (`ensure_deletable`): a record that went out to an accounting
program once is there for good, even after an owner reopened its export to correct it, so it is
reversed rather than deleted; accounting answers through `deletion_refused`.
"""

from __future__ import annotations

from django.db import models

from xfinances.core.events import Hook
from xfinances.core.exceptions import Conflict

locked_reason: Hook[str] = Hook("core.locked_reason")
deletion_refused: Hook[str] = Hook("core.deletion_refused")


def reasons(obj: models.Model) -> list[str]:
    """Every reason a higher app gives for `obj` being locked (empty: editable)."""
    return [str(reason) for reason in locked_reason.collect(obj=obj) if reason]


def ensure_editable(obj: models.Model) -> None:
    """Refuse (Conflict, nothing changed) when a higher app locked `obj`."""
    found = reasons(obj)
    if found:
        raise Conflict(" ".join(found))


def deletion_reasons(obj: models.Model) -> list[str]:
    """Why `obj` may not be deleted: locked now, or sent out once (empty: deletable)."""
    found = reasons(obj)
    return found + [str(reason) for reason in deletion_refused.collect(obj=obj) if reason]


def ensure_deletable(obj: models.Model) -> None:
    """Refuse (Conflict, nothing changed) to delete a record a higher app locked or sent out."""
    found = deletion_reasons(obj)
    if found:
        raise Conflict(" ".join(found))
