"""All the export records of a period, kind by kind (`building` for the documents, payments
and movements, `write_offs` for the write-offs, `note_differences` for credit notes' exchange
differences), and every reason a period cannot be exported."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _

from xfinances.accounting.building import (
    OnError,
    Period,
    drafts_in_period,
    movement_records_of,
    payment_records_of,
    purchase_records_of,
    sale_records_of,
)
from xfinances.accounting.note_differences import note_difference_records_of
from xfinances.accounting.records import AccountMapping, ExportRecord, RecordError, RecordKind
from xfinances.accounting.write_offs import write_off_records_of
from xfinances.core.models import Company


def records_of(
    company: Company,
    period: Period,
    mapping: AccountMapping,
    kinds: Iterable[RecordKind],
    *,
    with_lines: bool = False,
    with_journal: bool = True,
    on_error: OnError = None,
) -> Iterator[ExportRecord]:
    wanted = set(kinds)
    if RecordKind.SALE in wanted:
        yield from sale_records_of(
            company,
            period,
            mapping,
            with_lines=with_lines,
            with_journal=with_journal,
            on_error=on_error,
        )
    if RecordKind.PURCHASE in wanted:
        yield from purchase_records_of(company, period, mapping, on_error=on_error)
    if RecordKind.PAYMENT in wanted:
        yield from payment_records_of(company, period, mapping, on_error=on_error)
    if wanted & {RecordKind.CASH, RecordKind.BANK}:
        for record in movement_records_of(company, period, mapping, on_error=on_error):
            if record.kind in wanted:
                yield record
    if RecordKind.WRITE_OFF in wanted:
        yield from write_off_records_of(company, period, mapping, on_error=on_error)
        yield from note_difference_records_of(company, period, mapping, on_error=on_error)


def problems(
    company: Company, period: Period, mapping: AccountMapping, kinds: Iterable[RecordKind]
) -> list[str]:
    """Every reason the period cannot be exported, each naming its document (empty: fine).
    Walks all records once (streamed), so an export never stops half-way."""
    found = [f"{field}: {message}" for field, message in mapping.problems().items()]
    wanted = set(kinds)
    if RecordKind.SALE in wanted:
        for number_id in drafts_in_period(company, period).values_list("id", flat=True)[:50]:
            found.append(
                _("Draft %(id)s is dated in the period: issue or delete it.") % {"id": number_id}
            )

    def collect(error: RecordError) -> None:
        found.append(str(error))

    streams: list[Iterator[ExportRecord]] = []
    if RecordKind.SALE in wanted:
        streams.append(sale_records_of(company, period, mapping, on_error=collect))
    if RecordKind.PURCHASE in wanted:
        streams.append(purchase_records_of(company, period, mapping, on_error=collect))
    if RecordKind.PAYMENT in wanted:
        streams.append(payment_records_of(company, period, mapping, on_error=collect))
    if wanted & {RecordKind.CASH, RecordKind.BANK}:
        streams.append(movement_records_of(company, period, mapping, on_error=collect))
    if RecordKind.WRITE_OFF in wanted:
        streams.append(write_off_records_of(company, period, mapping, on_error=collect))
        streams.append(note_difference_records_of(company, period, mapping, on_error=collect))
    for stream in streams:
        for record in stream:
            if not record.balanced:
                found.append(f"{record.number}: {_('unbalanced journal entry')}")
    return found
