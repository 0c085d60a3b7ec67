"""Export locks of the records of the lower apps: supplier invoices, payments, cash/bank
movements and write-offs.

Sales documents carry their own lock (invoicing: `exported_at`, `locked_at`). The other exported
records have no such fields and their apps cannot import accounting, so they ask the core hook
`core.edit_guards.locked_reason`, which this module answers (registered in `AccountingConfig`):

- a record sent in a batch (export state EXPORTED, the batch not failed) is locked until an owner
  reopens its export (`reopen_export`: state CHANGED, audited); the edit is then re-sent by the
  next batch as a correction ("changed since export");
- a record dated in a closed VAT month is locked until the month is reopened;
- a write-off (or a credit note's set-off with an exchange difference) that went out is not
  locked against its undo, which the next batch reverses in the month of the undo
  (accounting/write_offs.py, note_differences.py), unless that month is closed.
"""

from __future__ import annotations

import datetime as dt

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.accounting.building import Period
from xfinances.accounting.models import BatchStatus, DocumentExport, ExportState, VatPeriodClose
from xfinances.accounting.money_records import NOTE_DIFFERENCE_SOURCE
from xfinances.core import audit, formatting
from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.models import Company
from xfinances.core.permissions import ensure_can
from xfinances.core.text_limits import limit_of, too_long_message

# Model label → the date that puts the record in a VAT month (as building.py selects them).
GUARDED: dict[str, str] = {
    "purchases.SupplierInvoice": "issue_date",
    "payments.Payment": "date",
    "treasury.Movement": "date",
    # A write-off's one change is its undo. Undone after its export, it is reversed in the
    # month of the undo (accounting/write_offs.py), so only that month being closed locks it;
    # a write-off never exported is locked by its own month being closed.
    "payments.WriteOff": "date",
    # A credit note's set-off with an exchange difference (accounting/note_differences.py):
    # undone after its export, reversed as a write-off is.
    NOTE_DIFFERENCE_SOURCE: "date",
}
WRITE_OFF = "payments.WriteOff"
#: Records whose one change is their undo, reversed by the next batch once they went out.
REVERSED_ON_UNDO = (WRITE_OFF, NOTE_DIFFERENCE_SOURCE)


def _sent(company_id: int, source: str, object_id: int) -> DocumentExport | None:
    return (
        DocumentExport.objects.filter(
            company_id=company_id, source=source, object_id=object_id, state=ExportState.EXPORTED
        )
        .exclude(batch__isnull=True)
        .exclude(batch__status=BatchStatus.FAILED)
        .select_related("batch")
        .order_by("-exported_at", "-id")
        .first()
    )


def locked_reason(obj: models.Model) -> str | None:
    """Why `obj` cannot be edited or deleted now, or None (the `core.edit_guards` provider)."""
    source = obj._meta.label
    if source not in GUARDED or obj.pk is None:
        return None
    company_id = int(getattr(obj, "company_id"))  # noqa: B009 - every guarded model has one
    if source in REVERSED_ON_UNDO and _went_out(company_id, source, int(obj.pk)):
        return _closed_reason(company_id, timezone.localdate())  # where its reversal goes
    sent = _sent(company_id, source, int(obj.pk))
    if sent is not None and sent.batch is not None:
        return _(
            "It was exported to accounting (batch %(batch)s, %(date)s) and is locked; "
            "an owner can reopen its export to correct it."
        ) % {
            "batch": sent.batch.pk,
            "date": formatting.date(sent.exported_at.date()) if sent.exported_at else "",
        }
    day = getattr(obj, GUARDED[source])
    return _closed_reason(company_id, day) if isinstance(day, dt.date) else None


def deletion_refused_reason(obj: models.Model) -> str | None:
    """Why `obj` may not be deleted though it may be edited (the `core.edit_guards`
    `deletion_refused` provider): it went out in a batch once, even if its export was reopened
    since; the accounting program keeps it, so here it is reversed, never deleted."""
    source = obj._meta.label
    if source not in GUARDED or obj.pk is None:
        return None
    company_id = int(getattr(obj, "company_id"))  # noqa: B009 - every guarded model has one
    if not _went_out(company_id, source, int(obj.pk)):
        return None
    return _(
        "It went out to accounting in an export batch: the accounting program keeps it, so it "
        "cannot be deleted here."
    )


def _went_out(company_id: int, source: str, object_id: int) -> bool:
    """Sent in a batch that did not fail, whatever its state since (as write_offs.py asks)."""
    return (
        DocumentExport.objects.filter(
            company_id=company_id, source=source, object_id=object_id, batch__isnull=False
        )
        .exclude(batch__status=BatchStatus.FAILED)
        .exists()
    )


def _closed_reason(company_id: int, day: dt.date) -> str | None:
    period = Period(day.year, day.month)
    closed = VatPeriodClose.objects.filter(
        company_id=company_id, period=period.code, reopened_at__isnull=True
    ).exists()
    if closed:
        return _("The VAT period %(period)s is closed; an owner can reopen it to make changes.") % {
            "period": period.label
        }
    return None


@transaction.atomic
def reopen_export(actor: Actor, company: Company, obj: models.Model, reason: str) -> int:
    """An owner unlocks an exported record for a correction (audited, with the reason). Its
    export states become CHANGED, so the next batch of each destination sends it again.
    Returns how many export states were reopened."""
    ensure_can(actor, company, "accounting.reopen_period")
    source = obj._meta.label
    if source not in GUARDED or getattr(obj, "company_id", None) != company.pk:
        raise InvalidInput({"__all__": [_("This record has no export to reopen.")]})
    if source in REVERSED_ON_UNDO and getattr(obj, "undone_at", None) is not None:
        raise Conflict(_("This record is undone: its reversal goes out with the next export."))
    reason = (reason or "").strip()
    limit = limit_of(VatPeriodClose, "reopen_reason")  # the one limit of a reopening's reason
    if not reason:
        raise InvalidInput({"reason": [_("Say why the export is reopened.")]})
    if len(reason) > limit:
        raise InvalidInput({"reason": [too_long_message(limit, len(reason))]})
    rows = DocumentExport.objects.select_for_update().filter(
        company=company, source=source, object_id=obj.pk, state=ExportState.EXPORTED
    )
    count = rows.update(state=ExportState.CHANGED)
    if not count:
        raise Conflict(_("This record is not locked by an export."))
    audit.record_event(
        actor, company, "reopen_export", obj, {"export_states": count}, reason=reason
    )
    return count
