"""Every export target, one module each, registered in `base`'s registry on import."""

from xfinances.accounting.exporters import (  # noqa: F401 (registration on import)
    ajur,
    business_navigator,
    edis_aso,
    generic,
    microinvest,
    nap,
    profit,
)
from xfinances.accounting.exporters.base import (
    DirectorySink,
    ExportContext,
    Exporter,
    MemorySink,
    RecordSource,
    Sink,
    all_exporters,
    get,
    register,
)

__all__ = [
    "DirectorySink",
    "ExportContext",
    "Exporter",
    "MemorySink",
    "RecordSource",
    "Sink",
    "all_exporters",
    "get",
    "register",
]
