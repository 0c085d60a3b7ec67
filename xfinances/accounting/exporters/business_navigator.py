"""Target `business_navigator`: Бизнес Навигатор's automatic importer reads XML; the preset is
the configurable document export as XML in UTF-8 (plus the NAP ledgers, which it imports)."""

from xfinances.accounting.exporters.base import register
from xfinances.accounting.exporters.documents import DocumentExporter, DocumentPreset

register(
    DocumentExporter(
        "business_navigator",
        "Бизнес Навигатор",
        DocumentPreset(filename="BN_DOCUMENTS.XML", format="xml", encoding="utf-8"),
    )
)
