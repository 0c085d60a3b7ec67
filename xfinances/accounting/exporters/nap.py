"""Target `nap`: PRODAGBI.TXT, POKUPKI.TXT and DEKLAR.TXT of the month (accounting/nap.py)."""

from __future__ import annotations

from xfinances.accounting import nap
from xfinances.accounting.exporters.base import (
    ExportContext,
    Exporter,
    RecordSource,
    Sink,
    register,
)
from xfinances.accounting.records import RecordKind


class NapExporter(Exporter):
    name = "nap"
    label = "НАП: дневници по ДДС и справка-декларация"
    kinds = frozenset({RecordKind.SALE, RecordKind.PURCHASE})
    whole_period = True

    def write(self, context: ExportContext, records: RecordSource, sink: Sink) -> None:
        filer = nap.Filer(
            vat_number=context.filer,
            name=context.company_name,
            submitter=context.submitter,
            credit_coefficient=context.credit_coefficient,
        )
        nap.write_all(
            filer,
            context.period,
            # The ledgers print no journal entries: the sales records are built without.
            records([RecordKind.SALE], with_journal=False),
            records([RecordKind.PURCHASE]),
            sink.open,
        )

    def filenames(self, context: ExportContext) -> list[str]:
        return ["PRODAGBI.TXT", "POKUPKI.TXT", "DEKLAR.TXT"]


register(NapExporter())
