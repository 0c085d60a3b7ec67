"""Automatic sync: the periodic job and the on-issue runs of the destinations, and documents
changed after their export."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from xfinances.accounting import exporters
from xfinances.accounting.actions.exporting import ExportResult, export_period
from xfinances.accounting.building import Period
from xfinances.accounting.inputs import ExportInput
from xfinances.accounting.models import (
    Destination,
    DocumentExport,
    ExportState,
    Schedule,
)
from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput


def is_due(destination: Destination, now: dt.datetime) -> bool:
    last = destination.last_run_at
    if destination.schedule in (Schedule.HOURLY, Schedule.ON_ISSUE):
        return last is None or now - last >= dt.timedelta(minutes=55)
    if destination.schedule == Schedule.DAILY:
        return last is None or timezone.localdate(last) < timezone.localdate(now)
    first_of_month = timezone.localdate(now).replace(day=1)
    return last is None or timezone.localdate(last) < first_of_month


def sync_destination(
    actor: Actor, destination: Destination, today: dt.date | None = None
) -> list[ExportResult]:
    """One run of a destination: at month end the whole previous month; otherwise what is new
    or changed in this and the previous month. A whole-period target (NAP ledgers) is sent
    whole each time something changed; the content key keeps identical runs to one batch.
    A refused export is kept as the destination's last problem (named documents)."""
    today = today or timezone.localdate()
    this = Period(today.year, today.month)
    previous = Period(today.year - (today.month == 1), (today.month - 2) % 12 + 1)
    periods = [previous] if destination.schedule == Schedule.MONTH_END else [previous, this]
    exporter = exporters.get(destination.target)
    whole = destination.schedule == Schedule.MONTH_END or getattr(exporter, "whole_period", False)
    results = []
    for period in periods:
        try:
            result = export_period(
                actor,
                destination.company,
                ExportInput(target=destination.target, period=period, kinds=destination.kinds),
                destination=destination,
                only_pending=not whole,
            )
        except InvalidInput as error:
            message = "; ".join(m for messages in error.errors.values() for m in messages)
            Destination.objects.filter(pk=destination.pk).update(
                last_error=f"{period.label}: {message}"[:4000], last_run_at=timezone.now()
            )
            continue
        results.append(result)
    Destination.objects.filter(pk=destination.pk).update(last_run_at=timezone.now())
    return results


def run_due_destinations(now: dt.datetime | None = None) -> int:
    """The periodic job: every active destination whose schedule is due. Returns batches made."""
    now = now or timezone.now()
    made = 0
    for destination in Destination.objects.filter(is_active=True).select_related("company"):
        if not is_due(destination, now):
            continue
        for result in sync_destination(Actor.system(), destination, timezone.localdate(now)):
            made += int(result.created)
    return made


def sync_on_issue(company_id: int, document_id: int) -> int:
    """After a document was issued: the company's on-issue destinations send what is new."""
    made = 0
    for destination in Destination.objects.filter(
        company_id=company_id, is_active=True, schedule=Schedule.ON_ISSUE
    ).select_related("company"):
        for result in sync_destination(Actor.system(), destination):
            made += int(result.created)
    return made


@transaction.atomic
def mark_changed(company_id: int, source: str, object_id: int) -> int:
    """A document changed (edited or voided) after it was exported: re-sent as a correction."""
    return DocumentExport.objects.filter(
        company_id=company_id, source=source, object_id=object_id, state=ExportState.EXPORTED
    ).update(state=ExportState.CHANGED)
