"""Target `profit`: Профит; the configurable document export as CSV in windows-1251 with a
decimal comma (`;`-separated so the comma stays inside amounts)."""

from xfinances.accounting.exporters.base import register
from xfinances.accounting.exporters.documents import DocumentExporter, DocumentPreset

register(
    DocumentExporter(
        "profit",
        "Профит",
        DocumentPreset(
            filename="PROFIT.CSV", format="csv", encoding="cp1251", delimiter=";", decimal_point=","
        ),
    )
)
