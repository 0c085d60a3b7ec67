"""The one interface every target implements, and where the files go.

An exporter reads records (never the database) and writes named files into a sink. Adding a
vendor's exact format is one new module: subclass `Exporter`, set `name`, `label`, `kinds`,
implement `write`, and `register` it (see docs/accounting.md, "Adding a format").
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, BinaryIO

from xfinances.accounting.records import ZERO, AccountMapping, ExportRecord, RecordKind

#: `records(kinds, with_lines=False)`: the period's records of those kinds, streamed, in order.
#: `records(kinds, with_lines=False, with_journal=True)`: the period's records of those kinds;
#: `with_lines` adds the document lines, `with_journal=False` leaves out the sales journal
#: entries (the NAP ledgers need neither).
RecordSource = Callable[..., Iterator[ExportRecord]]


@dataclass(frozen=True)
class ExportContext:
    company_name: str
    company_eik: str
    vat_number: str
    period: str  # YYYYMM
    mapping: AccountMapping = field(default_factory=AccountMapping)
    submitter: str = ""
    credit_coefficient: Decimal = ZERO
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def filer(self) -> str:
        return self.vat_number or self.company_eik


class Sink(ABC):
    @abstractmethod
    def open(self, name: str) -> Any:
        """A context manager giving a binary file named `name`."""


class MemorySink(Sink):
    """Files kept in memory (tests, stored batches)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    @contextmanager
    def open(self, name: str) -> Iterator[BinaryIO]:
        buffer = io.BytesIO()
        yield buffer
        self.files[name] = buffer.getvalue()


class DirectorySink(Sink):
    """Files written into a temporary folder beside `target`, moved in only by `commit()`: a
    failed export leaves the target as it was (never half-written files).

    `owner` names what is being written (a batch) when the caller holds it exclusively (the
    batch's row lock): the staging folders an earlier attempt of the same owner left behind —
    its process was killed before `discard()` — are removed first, so no copy stays in the
    target."""

    def __init__(self, target: Path, owner: str = ""):
        self.target = Path(target)
        if not self.target.is_dir():
            raise OSError(f"{self.target}: not a folder")
        if not os.access(self.target, os.W_OK):
            raise PermissionError(f"{self.target}: not writable")
        prefix = f".xfinances-export-{owner}-" if owner else ".xfinances-export-"
        if owner:
            for left in self.target.glob(prefix + "*"):
                shutil.rmtree(left, ignore_errors=True)
        self.staging = Path(tempfile.mkdtemp(prefix=prefix, dir=self.target))
        self.names: list[str] = []

    @contextmanager
    def open(self, name: str) -> Iterator[BinaryIO]:
        with open(self.staging / name, "wb") as handle:
            yield handle
        self.names.append(name)

    def commit(self) -> list[Path]:
        written = []
        for name in self.names:
            final = self.target / name
            os.replace(self.staging / name, final)
            written.append(final)
        self.discard()
        return written

    def discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


class Exporter(ABC):
    name: str = ""
    label: str = ""
    #: What the target takes (a destination may send less).
    kinds: frozenset[RecordKind] = frozenset(RecordKind)
    #: Whether the records must carry the document lines (one more query per chunk).
    needs_lines: bool = False
    #: The files describe a whole period (NAP ledgers): a sync sends the period whole.
    whole_period: bool = False

    @abstractmethod
    def write(self, context: ExportContext, records: RecordSource, sink: Sink) -> None:
        """Render the records into the sink's files."""

    def filenames(self, context: ExportContext) -> list[str]:
        return []


_registry: dict[str, Exporter] = {}


def register(exporter: Exporter) -> Exporter:
    if not exporter.name or exporter.name in _registry:
        raise ValueError(f"exporter name {exporter.name!r} is empty or taken")
    _registry[exporter.name] = exporter
    return exporter


def get(name: str) -> Exporter | None:
    return _registry.get(name)


def all_exporters() -> list[Exporter]:
    return list(_registry.values())


_CENT = Decimal("0.01")


def money(value: Decimal, decimal_point: str = ".") -> str:
    """Two decimals, half-up (the records hold cents already)."""
    text = str(value)
    if len(text) < 4 or text[-3] != ".":
        # Not already in cents ("101.01"; a scientific form never has its point there).
        text = str(value.quantize(_CENT, rounding=ROUND_HALF_UP))
    return text if decimal_point == "." else text.replace(".", decimal_point)


def record_kinds(kinds: Iterable[RecordKind | str]) -> frozenset[RecordKind]:
    return frozenset(RecordKind(kind) for kind in kinds)
