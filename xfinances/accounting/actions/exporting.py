"""Exporting a period: build, check, render, store the batch once, lock the sales documents,
record each document's export state and queue the delivery."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

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
    pending = _pending_filter(company, destination) if only_pending else None
    with tempfile.TemporaryDirectory(prefix="xfinances-export-") as temp:
        folder = Path(temp) / "files"
        folder.mkdir()
        names, written = render_period(company, exporter, period, chosen, folder, pending=pending)
        if (only_pending or destination is not None) and not written:
            return ExportResult(None, False)  # an automatic run with nothing to send
        archive = Path(temp) / "batch.zip"
        sha = zip_files(folder, names, archive)
        prefix = f"d{destination.pk}" if destination else f"m:{target}"
        # The content and the document versions it carries: the same again is one batch; a
        # changed document re-sent (even with the same bytes) is a new one.
        versions = hashlib.sha256(repr(sorted(written.items())).encode()).hexdigest()[:16]
        key = f"{prefix}:{period.code}:{sha[:32]}:{versions}"
        existing = ExportBatch.objects.filter(company=company, key=key).first()
        if existing is not None:
            return ExportResult(existing, False, existing.records)
        batch = ExportBatch(
            company=company,
            destination=destination,
            target=target,
            period=period.code,
            kinds=[str(k) for k in chosen],
            key=key,
            filenames=names,
            sha256=sha,
            size=archive.stat().st_size,
            records=len(written),
            created_by=actor.user,
        )
        with open(archive, "rb") as handle:
            batch.file.save(f"{target}-{period.code}-{sha[:12]}.zip", File(handle), save=False)
    batch.save()
    audit.record_create(actor, company, "export_period", batch)
    _record_states(company, destination, batch, written)
    sales = [oid for (source, oid) in written if source == "invoicing.Document"]
    if sales:
        invoicing_actions.mark_many_exported(actor, company, sales, when=batch.created_at)
    if destination is not None:
        queue_delivery(actor, batch)
        Destination.objects.filter(pk=destination.pk).update(
            last_run_at=timezone.now(), last_error=""
        )
    return ExportResult(batch, True, len(written))


def _pending_filter(company: Company, destination: Destination | None) -> Pending:
    cache: dict[str, dict[int, tuple[int, str]]] = {}

    def pending(record: ExportRecord) -> bool:
        if record.source not in cache:
            cache[record.source] = queries.exported_versions(company, destination, record.source)
        sent = cache[record.source].get(record.source_id)
        if sent is None:
            return True
        version, state = sent
        return state != ExportState.EXPORTED or record.version > version

    return pending


def _record_states(
    company: Company,
    destination: Destination | None,
    batch: ExportBatch,
    written: dict[tuple[str, int], int],
) -> None:
    """One state row per (destination, document): exported in this batch, at this version."""
    by_source: dict[str, dict[int, int]] = {}
    for (source, oid), version in written.items():
        by_source.setdefault(source, {})[oid] = version
    now = batch.created_at
    for source, versions in by_source.items():
        ids = sorted(versions)
        for start in range(0, len(ids), 1000):
            part = ids[start : start + 1000]
            DocumentExport.objects.filter(
                company=company, destination=destination, source=source, object_id__in=part
            ).delete()
            DocumentExport.objects.bulk_create(
                [
                    DocumentExport(
                        company=company,
                        source=source,
                        object_id=oid,
                        destination=destination,
                        batch=batch,
                        version=versions[oid],
                        state=ExportState.EXPORTED,
                        exported_at=now,
                    )
                    for oid in part
                ]
            )
