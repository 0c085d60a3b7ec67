"""A batch's stored zip: written with fixed dates and order (the same files give the same
bytes), read back, unpacked into a folder."""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from pathlib import Path

from xfinances.accounting.exporters import DirectorySink
from xfinances.accounting.models import (
    ExportBatch,
)

ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def zip_files(folder: Path, names: list[str], out: Path) -> str:
    """A zip of the files with fixed dates and order: the same files give the same bytes.
    Returns its SHA-256."""
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with archive.open(info, "w") as target, open(folder / name, "rb") as source:
                shutil.copyfileobj(source, target, 1 << 20)
    digest = hashlib.sha256()
    with open(out, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def unpack_batch(batch: ExportBatch, out: Path) -> list[Path]:
    """A stored batch's files written into `out` (all or none)."""
    sink = DirectorySink(out)
    try:
        for name, content in batch_files(batch).items():
            with sink.open(name) as handle:
                handle.write(content)
        return sink.commit()
    finally:
        sink.discard()


def batch_files(batch: ExportBatch) -> dict[str, bytes]:
    """The files inside a stored batch."""
    with batch.file.open("rb") as handle, zipfile.ZipFile(handle) as archive:
        return {name: archive.read(name) for name in archive.namelist()}
