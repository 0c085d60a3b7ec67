"""Exporting a period: build, check, render, store the batch once, lock the sales documents,
record each document's export state and queue the delivery."""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.accounting import exporters, queries
from xfinances.accounting.actions.archives import zip_files
from xfinances.accounting.actions.delivery import queue_delivery
from xfinances.accounting.actions.destinations import folder_problem
from xfinances.accounting.actions.rendering import Pending, render_period
from xfinances.accounting.inputs import ExportInput
from xfinances.accounting.models import (
    Channel,
    Destination,
    DocumentExport,
    ExportBatch,
    ExportState,
)
from xfinances.accounting.records import ExportRecord, RecordKind
from xfinances.core import audit
from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput
from xfinances.core.models import Company
from xfinances.core.permissions import ensure_can
from xfinances.invoicing import actions as invoicing_actions


@dataclass
class ExportResult:
    batch: ExportBatch | None
    created: bool
    records: int = 0


@transaction.atomic
def export_period(
    actor: Actor,
    company: Company,
    data: ExportInput,
    *,
    destination: Destination | None = None,
    only_pending: bool = False,
) -> ExportResult:
    """Export a period to a target: build, check, render, store the batch, lock the sales
    documents, record each document's export state, and queue the delivery of a destination.
    `only_pending`: only documents not yet sent to the destination or changed since."""
    ensure_can(actor, company, "accounting.export")
    target, period = data.target, data.period
    exporter = exporters.get(target)
    if exporter is None:  # a destination's stored format that is no longer offered
        raise InvalidInput({"target": [_("Unknown format %(name)s.") % {"name": target}]})
    chosen = [RecordKind(k) for k in (data.kinds or [k.value for k in exporter.kinds])]
    if destination is not None and destination.channel == Channel.FOLDER:
        problem = folder_problem(destination.folder)
        if problem:
            raise InvalidInput({"folder": [problem]})
    # The batch row is made first so that each chunk of written records gets its state rows
    # while the files are written (nothing per document is kept for the whole export); when
    # the export turns out to be empty or a batch already made, the savepoint undoes them.
    savepoint = transaction.savepoint()
    batch = ExportBatch.objects.create(
        company=company,
        destination=destination,
        target=target,
        period=period.code,
        kinds=[str(k) for k in chosen],
        key=f"pending:{uuid.uuid4().hex}",
        created_by=actor.user,
    )
    states = _States(company, destination, batch)
    pending = _pending_filter(company, destination, batch) if only_pending else None
    with tempfile.TemporaryDirectory(prefix="xfinances-export-") as temp:
        folder = Path(temp) / "files"
        folder.mkdir()
        names, count = render_period(
            company, exporter, period, chosen, folder, pending=pending, on_written=states.write
        )
        if (only_pending or destination is not None) and not count:
            transaction.savepoint_rollback(savepoint)
            return ExportResult(None, False)  # an automatic run with nothing to send
        archive = Path(temp) / "batch.zip"
        sha = zip_files(folder, names, archive)
        prefix = f"d{destination.pk}" if destination else f"m:{target}"
        # The content and the document versions it carries: the same again is one batch; a
        # changed document re-sent (even with the same bytes) is a new one.
        key = f"{prefix}:{period.code}:{sha[:32]}:{states.versions()}"
        existing = ExportBatch.objects.filter(company=company, key=key).first()
        if existing is not None:
            transaction.savepoint_rollback(savepoint)
            return ExportResult(existing, False, existing.records)
        batch.key = key
        batch.filenames = names
        batch.sha256 = sha
        batch.size = archive.stat().st_size
        batch.records = states.count()
        with open(archive, "rb") as handle:
            batch.file.save(f"{target}-{period.code}-{sha[:12]}.zip", File(handle), save=False)
    batch.save()
    transaction.savepoint_commit(savepoint)
    audit.record_create(actor, company, "export_period", batch)
    for sales in states.ids_of(SALES_SOURCE):
        invoicing_actions.mark_many_exported(actor, company, sales, when=batch.created_at)
    if destination is not None:
        queue_delivery(actor, batch)
        Destination.objects.filter(pk=destination.pk).update(
            last_run_at=timezone.now(), last_error=""
        )
    return ExportResult(batch, True, batch.records)


def _pending_filter(
    company: Company, destination: Destination | None, batch: ExportBatch
) -> Pending:
    """Keeps the records not yet sent to the destination, changed since, or failed. A state
    row of this very batch was written earlier in this export (an exporter may read the
    records twice, say a ledger and then its totals), so its record is still pending. A
    superseded record (an undone write-off's booking) goes only where it never went: its
    reversal, a later version, is what the destination gets instead."""

    def pending(records: list[ExportRecord]) -> list[ExportRecord]:
        ids: dict[str, list[int]] = {}
        for record in records:
            ids.setdefault(record.source, []).append(record.source_id)
        sent = {
            (source, oid): state
            for source, part in ids.items()
            for oid, state in queries.exported_versions(company, destination, source, part)
        }
        kept = []
        for record in records:
            state = sent.get((record.source, record.source_id))
            if state is None or state.batch_id == batch.pk:
                kept.append(record)
            elif record.superseded:  # its reversal answers any change: never a correction
                if state.state == ExportState.FAILED and state.version <= record.version:
                    kept.append(record)  # the booking itself never arrived
            elif state.state != ExportState.EXPORTED or record.version > state.version:
                kept.append(record)
        return kept

    return pending


class VersionsDigest:
    """The batch key's hash of the document versions, fed one (source, id, version) at a time
    in (source, id) order: the same hex digest as hashing
    `repr(sorted({(source, id): version, ...}.items()))` at once (the key of every batch made
    so far), without the whole map."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256(b"[")
        self._first = True

    def add(self, source: str, object_id: int, version: int) -> None:
        item = repr(((source, object_id), version))
        self._hash.update((item if self._first else ", " + item).encode())
        self._first = False

    def hexdigest(self) -> str:
        final = self._hash.copy()
        final.update(b"]")
        return final.hexdigest()[:16]


SALES_SOURCE = "invoicing.Document"
#: State rows per delete/insert and per read of a batch's states.
STATE_CHUNK = 1000


class _States:
    """The export states of one batch, written chunk by chunk while its files are written:
    one row per (destination, document), exported in this batch at the version written (a
    document written again in a later chunk keeps the later version, as one map would)."""

    def __init__(self, company: Company, destination: Destination | None, batch: ExportBatch):
        self.company = company
        self.destination = destination
        self.batch = batch
        self.sources: set[str] = set()

    def write(self, written: dict[tuple[str, int], int]) -> None:
        by_source: dict[str, dict[int, int]] = {}
        for (source, oid), version in written.items():
            by_source.setdefault(source, {})[oid] = version
        now = self.batch.created_at
        for source, versions in by_source.items():
            self.sources.add(source)
            ids = sorted(versions)
            for start in range(0, len(ids), STATE_CHUNK):
                part = ids[start : start + STATE_CHUNK]
                DocumentExport.objects.filter(
                    company=self.company,
                    destination=self.destination,
                    source=source,
                    object_id__in=part,
                ).delete()
                DocumentExport.objects.bulk_create(
                    [
                        DocumentExport(
                            company=self.company,
                            source=source,
                            object_id=oid,
                            destination=self.destination,
                            batch=self.batch,
                            version=versions[oid],
                            state=ExportState.EXPORTED,
                            exported_at=now,
                        )
                        for oid in part
                    ]
                )

    def _rows(self, source: str, *fields: str) -> Iterator[list[Any]]:
        """The batch's state rows of one source in id order, a chunk at a time (keyset)."""
        last = -1
        while True:
            chunk = list(
                DocumentExport.objects.filter(
                    company=self.company, batch=self.batch, source=source, object_id__gt=last
                )
                .order_by("object_id")
                .values_list("object_id", *fields)[:STATE_CHUNK]
            )
            if not chunk:
                return
            yield chunk
            last = chunk[-1][0]

    def versions(self) -> str:
        """The key's hash of every (source, id) → version of the batch, read back in order
        (sources sorted here: the database's collation need not sort as Python does)."""
        digest = VersionsDigest()
        for source in sorted(self.sources):
            for chunk in self._rows(source, "version"):
                for oid, version in chunk:
                    digest.add(source, oid, version)
        return digest.hexdigest()

    def count(self) -> int:
        return DocumentExport.objects.filter(company=self.company, batch=self.batch).count()

    def ids_of(self, source: str) -> Iterator[list[int]]:
        if source in self.sources:
            for chunk in self._rows(source):
                yield [oid for (oid,) in chunk]
