"""Rendering a period's files: the records built, checked and written by a target's exporter
into a folder (all files or a refusal naming every document)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from xfinances.accounting import building, exporters, period_records, queries
from xfinances.accounting.actions.common import MAX_ERRORS, refused
from xfinances.accounting.building import Period
from xfinances.accounting.exporters import DirectorySink, ExportContext, Exporter
from xfinances.accounting.inputs import ExportInput
from xfinances.accounting.records import ExportRecord, RecordError, RecordKind
from xfinances.core import formatting
from xfinances.core.exceptions import InvalidInput
from xfinances.core.models import Company


def context_for(company: Company, period: Period, options: dict[str, Any]) -> ExportContext:
    settings_row = queries.mapping_settings(company)
    return ExportContext(
        company_name=company.name,
        company_eik=company.eik,
        vat_number=company.vat_number if company.vat_registered else "",
        period=period.code,
        mapping=queries.mapping_from(settings_row),
        submitter=settings_row.submitter,
        credit_coefficient=settings_row.credit_coefficient,
        options=options,
    )


#: Told a chunk of records in stream order, answers those of them to be written (in order):
#: the filter reads what it needs for one chunk at a time, so nothing per document is kept
#: for the whole export.
Pending = Callable[[list[ExportRecord]], list[ExportRecord]]
#: Told the (source, id) → version of the records written, a chunk at a time while the files
#: are written (each key once in a chunk; a key met again in a later chunk comes again, the
#: later version last), so nothing per record is kept for the whole export.
Recorder = Callable[[dict[tuple[str, int], int]], None]
#: Records per chunk given to a recorder and to a pending filter (the reads' keyset chunk).
WRITTEN_CHUNK = 2000


def _admitted(records: Iterable[ExportRecord], pending: Pending | None) -> Iterator[ExportRecord]:
    """The records the pending filter lets through, asked a chunk at a time, order kept."""
    if pending is None:
        yield from records
        return
    chunk: list[ExportRecord] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= WRITTEN_CHUNK:
            yield from pending(chunk)
            chunk = []
    if chunk:
        yield from pending(chunk)


def render_period(
    company: Company,
    exporter: Exporter,
    period: Period,
    kinds: Iterable[RecordKind],
    folder: Path,
    *,
    pending: Pending | None = None,
    on_written: Recorder | None = None,
) -> tuple[list[str], int]:
    """Write the target's files for the period into `folder`. Returns the file names and how
    many records were written; `on_written` is told their (source, id) → version chunk by
    chunk. Raises InvalidInput naming every document that cannot be exported; then nothing is
    left in `folder`'s files worth keeping, and what `on_written` was told is to be undone
    (the caller's transaction)."""
    wanted = [k for k in kinds if k in exporter.kinds]
    context = context_for(company, period, {"kinds": wanted})
    problems = [f"{name}: {msg}" for name, msg in context.mapping.problems().items()]
    drafts = building.drafts_in_period(company, period)
    if RecordKind.SALE in wanted:
        for draft_id, day in drafts.values_list("id", "issue_date")[:MAX_ERRORS]:
            problems.append(
                _("Draft %(id)s (%(date)s) is dated in the period: issue or delete it.")
                % {"id": draft_id, "date": formatting.date(day)}
            )
    if problems:
        raise refused(problems)
    errors: list[str] = []
    written: dict[tuple[str, int], int] = {}  # the chunk not yet told to on_written
    count = 0

    def flush() -> None:
        nonlocal written
        if written and on_written is not None:
            on_written(written)
        written = {}

    def on_error(error: RecordError) -> None:
        errors.append(str(error))

    def balanced(records: Iterable[ExportRecord]) -> Iterator[ExportRecord]:
        for record in records:
            if record.balanced:
                yield record
            else:
                errors.append(f"{record.number}: {_('the journal entry is not balanced')}")

    def source(
        kinds: Iterable[RecordKind], with_lines: bool = False, with_journal: bool = True
    ) -> Iterator[ExportRecord]:
        nonlocal count
        chosen = [k for k in kinds if k in wanted]
        records = period_records.records_of(
            company,
            period,
            context.mapping,
            chosen,
            with_lines=with_lines,
            with_journal=with_journal,
            on_error=on_error,
        )
        for record in _admitted(balanced(records), pending):
            written[(record.source, record.source_id)] = record.version
            count += 1
            if len(written) >= WRITTEN_CHUNK:
                flush()
            yield record

    sink = _FolderSink(folder)
    exporter.write(context, source, sink)
    if errors:
        raise refused(errors)
    flush()
    return sink.names, count


class _FolderSink(exporters.Sink):
    def __init__(self, folder: Path):
        self.folder = folder
        self.names: list[str] = []

    def open(self, name: str) -> Any:
        sink = self

        class _Open:
            def __enter__(self) -> Any:
                self.handle = open(sink.folder / name, "wb")
                return self.handle

            def __exit__(self, *exc: object) -> None:
                self.handle.close()
                sink.names.append(name)

        return _Open()


def write_period_files(company: Company, data: ExportInput, out: Path) -> list[Path]:
    """Render straight into `out` (all files or none) without keeping a batch: the CLI's
    `--no-batch`. The caller checked the permission; nothing in the database changes."""
    exporter = exporters.get(data.target)
    if exporter is None:
        raise InvalidInput({"target": [_("Unknown format %(name)s.") % {"name": data.target}]})
    chosen = [RecordKind(k) for k in (data.kinds or [k.value for k in exporter.kinds])]
    sink = DirectorySink(out)
    try:
        sink.names, _count = render_period(company, exporter, data.period, chosen, sink.staging)
        return sink.commit()
    finally:
        sink.discard()
