"""Target `edis_aso`: ЕДИС-АСО; the configurable document export as `;`-separated CSV in
windows-1251 with CRLF and dates dd.mm.yyyy."""

from xfinances.accounting.exporters.base import register
from xfinances.accounting.exporters.documents import DocumentExporter, DocumentPreset

register(
    DocumentExporter(
        "edis_aso",
        "ЕДИС-АСО",
        DocumentPreset(filename="EDIS_ASO.CSV", format="csv", encoding="cp1251", delimiter=";"),
    )
)
