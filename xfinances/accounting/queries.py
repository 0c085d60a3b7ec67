"""Named reads of the accounting area, always scoped to a company."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from xfinances.accounting import nap
from xfinances.accounting.building import (
    Period,
    drafts_in_period,
    purchase_inputs,
    purchases_in_period,
    sale_inputs,
    sales_in_period,
)
from xfinances.accounting.models import (
    AccountMappingSettings,
    Destination,
    DocumentExport,
    ExportBatch,
    ExportState,
    Schedule,
    VatPeriodClose,
)
from xfinances.accounting.records import (
    AccountMapping,
    ExportRecord,
    RecordError,
    purchase_record,
    sale_records,
)
from xfinances.core import formatting
from xfinances.core.models import Company
from xfinances.invoicing.models import Document


def mapping_settings(company: Company) -> AccountMappingSettings:
    found = AccountMappingSettings.objects.filter(company=company).first()
    return found or AccountMappingSettings(company=company)


def mapping_of(company: Company) -> AccountMapping:
    row = mapping_settings(company)
    return mapping_from(row)


def mapping_from(row: AccountMappingSettings) -> AccountMapping:
    values = {name: getattr(row, name) for name in AccountMapping.SIMPLE_FIELDS}
    return AccountMapping(revenue=dict(row.revenue or {}), **values)


# Whether a company sends documents on issue is asked after every issue of every company, and
# it changes about once in a company's life: each process keeps the answer for a minute. A
# change made through the actions is seen at once in the process that made it; another process
# sees it within the minute, and the hourly run sends whatever an on-issue destination missed.
ON_ISSUE_SECONDS = 60.0
_on_issue: dict[int, tuple[float, bool]] = {}


def sends_on_issue(company_id: int) -> bool:
    """The company has an active destination that sends each document when it is issued."""
    now = time.monotonic()
    known = _on_issue.get(company_id)
    if known is not None and known[0] > now:
        return known[1]
    wanted = Destination.objects.filter(
        company_id=company_id, is_active=True, schedule=Schedule.ON_ISSUE
    ).exists()
    _on_issue[company_id] = (now + ON_ISSUE_SECONDS, wanted)
    return wanted


def forget_on_issue(company_id: int | None = None) -> None:
    """Drop what this process knows of one company's destinations (of all, without an id)."""
    if company_id is None:
        _on_issue.clear()
    else:
        _on_issue.pop(company_id, None)


def destinations(company: Company) -> QuerySet[Destination]:
    return Destination.objects.filter(company=company).select_related("endpoint")


def destination(company: Company, destination_id: int) -> Destination | None:
    return destinations(company).filter(pk=destination_id).first()


def batches(company: Company) -> QuerySet[ExportBatch]:
    return ExportBatch.objects.filter(company=company).select_related("destination", "created_by")


def batch(company: Company, batch_id: int) -> ExportBatch | None:
    return batches(company).filter(pk=batch_id).first()


def exports_of(company: Company, source: str, object_id: int) -> QuerySet[DocumentExport]:
    """Where one document went (every destination), newest first."""
    return (
        DocumentExport.objects.filter(company=company, source=source, object_id=object_id)
        .select_related("destination", "batch")
        .order_by("-updated_at", "-id")
    )


class SentState(NamedTuple):
    version: int
    state: str
    batch_id: int | None


#: Ids per read of export states (well inside every backend's parameter limit).
STATE_READ_CHUNK = 500


def exported_versions(
    company: Company, destination: Destination | None, source: str, ids: Sequence[int]
) -> Iterator[tuple[int, SentState]]:
    """(object id, what was sent) of the given documents for a destination (None: manual
    exports), a bounded read at a time."""
    rows = DocumentExport.objects.filter(company=company, destination=destination, source=source)
    for start in range(0, len(ids), STATE_READ_CHUNK):
        part = rows.filter(object_id__in=ids[start : start + STATE_READ_CHUNK])
        for oid, version, state, batch_id in part.values_list(
            "object_id", "version", "state", "batch_id"
        ):
            yield oid, SentState(version, state, batch_id)


def changed_since(
    company: Company, since: dt.datetime | None, after_id: int, limit: int
) -> list[DocumentExport]:
    """The export-state feed: rows updated after `since`, by id after the cursor."""
    rows = DocumentExport.objects.filter(company=company, pk__gt=after_id)
    if since is not None:
        rows = rows.filter(updated_at__gte=since)
    return list(rows.select_related("destination", "batch").order_by("pk")[:limit])


def open_close(company: Company, period: Period) -> VatPeriodClose | None:
    return VatPeriodClose.objects.filter(
        company=company, period=period.code, reopened_at__isnull=True
    ).first()


def closes(company: Company) -> QuerySet[VatPeriodClose]:
    return VatPeriodClose.objects.filter(company=company).select_related("closed_by", "reopened_by")


def period_close(company: Company, close_id: int) -> VatPeriodClose | None:
    return closes(company).filter(pk=close_id).first()


# --- the month view of the VAT period close ----------------------------------------------------


@dataclass
class LedgerView:
    """Both ledgers of a month (rows capped for the page), totals per column, warnings."""

    period: Period
    sales: list[ExportRecord] = field(default_factory=list)
    purchases: list[ExportRecord] = field(default_factory=list)
    sales_totals: nap.LedgerTotals = field(default_factory=nap.LedgerTotals)
    purchase_totals: nap.LedgerTotals = field(default_factory=nap.LedgerTotals)
    # Sums of the rows' base and VAT over every row (not only those kept for the page).
    sales_sum: tuple[Decimal, Decimal] = (Decimal(0), Decimal(0))
    purchase_sum: tuple[Decimal, Decimal] = (Decimal(0), Decimal(0))
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    drafts: list[Document] = field(default_factory=list)
    truncated: bool = False

    @property
    def sales_columns(self) -> list[tuple[str, Decimal]]:
        return [(c, self.sales_totals.get(c)) for c in nap.SALES_AMOUNTS]

    @property
    def purchase_columns(self) -> list[tuple[str, Decimal]]:
        return [(c, self.purchase_totals.get(c)) for c in nap.PURCHASE_AMOUNTS]

    @property
    def declaration(self) -> dict[str, Decimal]:
        return nap.declaration_values(self.sales_totals, self.purchase_totals, Decimal(0))

    @property
    def can_close(self) -> bool:
        return not self.errors and not self.drafts


def ledger_view(company: Company, period: Period, *, max_rows: int = 500) -> LedgerView:
    mapping = mapping_of(company)
    view = LedgerView(period)
    view.drafts = list(drafts_in_period(company, period).order_by("issue_date", "id")[:50])
    for sale in sale_inputs(company, sales_in_period(company, period)):
        try:
            found = sale_records(sale, period.code, mapping)
        except RecordError as error:
            view.errors.append(str(error))
            continue
        for record in found:
            view.sales_totals.add(nap.sales_values(record))
            view.sales_sum = (view.sales_sum[0] + record.base, view.sales_sum[1] + record.vat)
            if record.voided:
                view.warnings.append(
                    _("%(number)s is voided (%(how)s).")
                    % {
                        "number": record.number,
                        "how": _("reversed in this month")
                        if record.void_reversal
                        else _("zero amounts"),
                    }
                )
            if record.tax_event_date and record.tax_event_date > period.last:
                view.warnings.append(
                    _("%(number)s has a tax event date after the period.")
                    % {"number": record.number}
                )
            if len(view.sales) < max_rows:
                view.sales.append(record)
            else:
                view.truncated = True
    for purchase in purchase_inputs(company, purchases_in_period(company, period)):
        try:
            entered = purchase_record(purchase, period.code, mapping)
        except RecordError as error:
            view.errors.append(str(error))
            continue
        if entered is None:
            continue
        view.purchase_totals.add(nap.purchase_values(entered))
        base, vat = view.purchase_sum
        view.purchase_sum = (base + entered.base, vat + entered.vat)
        if len(view.purchases) < max_rows:
            view.purchases.append(entered)
        else:
            view.truncated = True
    later = (
        Document.objects.filter(company=company, issue_date__gt=period.last)
        .exclude(kind="proforma")
        .filter(tax_event_date__lte=period.last)
        .values_list("number", flat=True)[:20]
    )
    for number in later:
        view.warnings.append(
            _("%(number)s is dated after the period but its tax event falls in it.")
            % {"number": number or _("draft")}
        )
    for draft in view.drafts:
        view.errors.append(
            _("Draft %(id)s (%(date)s) is dated in the period: issue or delete it.")
            % {"id": draft.pk, "date": formatting.date(draft.issue_date)}
        )
    return view


def pending_state(row: DocumentExport | None, version: int) -> str:
    """'' (not exported), exported, changed or failed, seen against the current version."""
    if row is None:
        return ""
    if row.state == ExportState.EXPORTED and version > row.version:
        return ExportState.CHANGED
    return str(row.state)


def iterate(rows: QuerySet[Any]) -> Iterator[Any]:
    return rows.iterator(chunk_size=2000)
