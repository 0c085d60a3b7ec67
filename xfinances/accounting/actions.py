"""Every write of the accounting area: the account mapping, destinations, exports (batches),
their delivery through the outbox, the per-document export state, and the VAT period close.

An export is all or nothing: the records are built and rendered first; any document that
cannot be exported (a draft in the period, a party without identifier, a treatment without
ledger column, an unbalanced entry) is named in `InvalidInput` and nothing is stored, locked or
sent. A batch's bytes are stored once; the same destination, period and content make one batch
however often a sync runs (the key holds the content's SHA-256).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_task

from xfinances.accounting import building, exporters, queries
from xfinances.accounting.building import Period
from xfinances.accounting.exporters import DirectorySink, ExportContext, Exporter
from xfinances.accounting.models import (
    AccountMappingSettings,
    BatchStatus,
    Channel,
    Destination,
    DocumentExport,
    ExportBatch,
    ExportState,
    Schedule,
    VatPeriodClose,
)
from xfinances.accounting.records import AccountMapping, ExportRecord, RecordError, RecordKind
from xfinances.core import audit
from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.models import Company
from xfinances.core.permissions import ensure_can
from xfinances.invoicing import actions as invoicing_actions
from xfinances.notifications import actions as notifications_actions
from xfinances.notifications.actions.webhooks import clean_webhook_url
from xfinances.notifications.models import MessageKind, WebhookEndpoint

PURPOSE = "accounting_export"
WEBHOOK_EVENT = "accounting.batch"
MAX_ERRORS = 50


def _refused(messages: list[str]) -> InvalidInput:
    """Every reason at once (the first MAX_ERRORS), none of it written."""
    shown: list[str | Promise] = list(messages[:MAX_ERRORS])
    return InvalidInput({"__all__": shown})


# --- the account mapping -----------------------------------------------------------------------


@transaction.atomic
def update_account_mapping(actor: Actor, company: Company, **data: Any) -> AccountMappingSettings:
    """Change accounts (any of AccountMapping's fields, `revenue` as {treatment code: account}),
    the VAT return's submitter and the partial credit coefficient."""
    ensure_can(actor, company, "accounting.settings")
    row = AccountMappingSettings.objects.select_for_update().filter(company=company).first()
    row = row or AccountMappingSettings.objects.create(company=company)
    before = audit.snapshot(row)
    errors = InvalidInput.collect()
    for name in AccountMapping.SIMPLE_FIELDS:
        if name in data:
            setattr(row, name, str(data.pop(name) or "").strip())
    if "revenue" in data:
        revenue = data.pop("revenue") or {}
        row.revenue = {str(k): str(v).strip() for k, v in revenue.items() if str(v).strip()}
    if "submitter" in data:
        row.submitter = str(data.pop("submitter") or "").strip()[:50]
    if "credit_coefficient" in data:
        try:
            coefficient = Decimal(str(data.pop("credit_coefficient") or "0"))
        except ArithmeticError:
            coefficient = Decimal(-1)
        if not Decimal(0) <= coefficient <= Decimal(1):
            errors.add("credit_coefficient", _("Give a coefficient from 0.00 to 1.00."))
        else:
            row.credit_coefficient = coefficient.quantize(Decimal("0.01"))
    for unknown in data:
        errors.add(unknown, _("Unknown field."))
    for field, message in queries.mapping_from(row).problems().items():
        errors.add(field, message)
    errors.raise_if_any()
    row.save()
    audit.record_update(actor, company, "update_account_mapping", row, before)
    return row


# --- destinations ------------------------------------------------------------------------------


def _clean_destination(data: dict[str, Any]) -> dict[str, Any]:
    errors = InvalidInput.collect()
    clean: dict[str, Any] = {}
    clean["name"] = str(data.get("name") or "").strip()[:100]
    if not clean["name"]:
        errors.add("name", _("Give the destination a name."))
    target = str(data.get("target") or "")
    exporter = exporters.get(target)
    if exporter is None:
        errors.add("target", _("Unknown format %(name)s.") % {"name": target})
    clean["target"] = target
    kinds = [str(k) for k in data.get("kinds") or []]
    if not kinds:
        errors.add("kinds", _("Choose what to send."))
    bad = [k for k in kinds if k not in RecordKind.__members__.values()]
    if bad or (exporter and any(RecordKind(k) not in exporter.kinds for k in kinds if not bad)):
        errors.add("kinds", _("The format cannot carry: %(kinds)s.") % {"kinds": ", ".join(kinds)})
    clean["kinds"] = kinds
    schedule = str(data.get("schedule") or "")
    if schedule not in Schedule.values:
        errors.add("schedule", _("Choose when to send."))
    clean["schedule"] = schedule
    channel = str(data.get("channel") or "")
    clean["channel"] = channel
    clean["folder"], clean["emails"], clean["url"] = "", [], ""
    if channel == Channel.FOLDER:
        folder = str(data.get("folder") or "").strip()
        problem = folder_problem(folder)
        if problem:
            errors.add("folder", problem)
        clean["folder"] = folder
    elif channel == Channel.EMAIL:
        emails = [e.strip() for e in data.get("emails") or [] if e and e.strip()]
        if not emails:
            errors.add("emails", _("Give the accountant's e-mail address."))
        for email in emails:
            try:
                validate_email(email)
            except ValidationError:
                errors.add("emails", _("%(email)s is not an e-mail address.") % {"email": email})
        clean["emails"] = emails
    elif channel == Channel.HTTPS:
        try:
            clean["url"] = clean_webhook_url(str(data.get("url") or ""))
        except InvalidInput as error:
            for message in error.errors.get("url", []):
                errors.add("url", message)
        if clean["url"] and not clean["url"].startswith("https://") and not data.get("allow_http"):
            errors.add("url", _("Use an https:// address."))
    else:
        errors.add("channel", _("Choose where to send."))
    errors.raise_if_any()
    return clean


def folder_problem(folder: str) -> str:
    """Why files cannot be written into `folder` ('' when they can)."""
    if not folder:
        return _("Give the folder the accounting program reads.")
    path = Path(folder)
    if not path.is_absolute():
        return _("Give the folder's full path.")
    if not path.is_dir():
        return _("The folder %(folder)s does not exist.") % {"folder": folder}
    if not os.access(path, os.W_OK):
        return _("The folder %(folder)s is not writable.") % {"folder": folder}
    return ""


@transaction.atomic
def create_destination(actor: Actor, company: Company, **data: Any) -> Destination:
    ensure_can(actor, company, "accounting.settings")
    clean = _clean_destination(data)
    endpoint = None
    if clean["channel"] == Channel.HTTPS:
        # The outbox signs and retries calls to a WebhookEndpoint; this one takes no events
        # (only this destination's batches are sent to it).
        endpoint = WebhookEndpoint.objects.create(
            company=company,
            url=clean["url"],
            description=f"accounting: {clean['name']}"[:200],
            events=[],
        )
        audit.record_create(actor, company, "create_accounting_endpoint", endpoint)
    destination = Destination.objects.create(
        company=company,
        name=clean["name"],
        target=clean["target"],
        kinds=clean["kinds"],
        schedule=clean["schedule"],
        channel=clean["channel"],
        folder=clean["folder"],
        emails=clean["emails"],
        endpoint=endpoint,
    )
    audit.record_create(actor, company, "create_destination", destination)
    return destination


@transaction.atomic
def set_destination_active(actor: Actor, destination: Destination, active: bool) -> Destination:
    ensure_can(actor, destination.company, "accounting.settings")
    destination = Destination.objects.select_for_update().get(pk=destination.pk)
    before = audit.snapshot(destination)
    destination.is_active = active
    destination.save(update_fields=["is_active"])
    audit.record_update(actor, destination.company, "set_destination_active", destination, before)
    return destination


# --- exporting ---------------------------------------------------------------------------------


@dataclass
class ExportResult:
    batch: ExportBatch | None
    created: bool
    records: int = 0


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


Pending = Callable[[ExportRecord], bool]


def render_period(
    company: Company,
    exporter: Exporter,
    period: Period,
    kinds: Iterable[RecordKind],
    folder: Path,
    *,
    pending: Pending | None = None,
) -> tuple[list[str], dict[tuple[str, int], int]]:
    """Write the target's files for the period into `folder`. Returns the file names and the
    (source, id) → version of every record written. Raises InvalidInput naming every document
    that cannot be exported; then nothing is left in `folder`'s files worth keeping."""
    wanted = [k for k in kinds if k in exporter.kinds]
    context = context_for(company, period, {"kinds": wanted})
    problems = [f"{name}: {msg}" for name, msg in context.mapping.problems().items()]
    drafts = building.drafts_in_period(company, period)
    if RecordKind.SALE in wanted:
        for draft_id, day in drafts.values_list("id", "issue_date")[:MAX_ERRORS]:
            problems.append(
                _("Draft %(id)s (%(date)s) is dated in the period: issue or delete it.")
                % {"id": draft_id, "date": day.isoformat()}
            )
    if problems:
        raise _refused(problems)
    errors: list[str] = []
    written: dict[tuple[str, int], int] = {}

    def on_error(error: RecordError) -> None:
        errors.append(str(error))

    def source(
        kinds: Iterable[RecordKind], with_lines: bool = False, with_journal: bool = True
    ) -> Iterator[ExportRecord]:
        chosen = [k for k in kinds if k in wanted]
        for record in building.records_of(
            company,
            period,
            context.mapping,
            chosen,
            with_lines=with_lines,
            with_journal=with_journal,
            on_error=on_error,
        ):
            if not record.balanced:
                errors.append(f"{record.number}: {_('the journal entry is not balanced')}")
                continue
            if pending is not None and not pending(record):
                continue
            written[(record.source, record.source_id)] = record.version
            yield record

    sink = _FolderSink(folder)
    exporter.write(context, source, sink)
    if errors:
        raise _refused(errors)
    return sink.names, written


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


def write_period_files(
    company: Company,
    exporter: Exporter,
    period: Period,
    kinds: Iterable[str] | None,
    out: Path,
) -> list[Path]:
    """Render straight into `out` (all files or none) without keeping a batch: the CLI's
    `--no-batch`. The caller checked the permission; nothing in the database changes."""
    chosen = [RecordKind(k) for k in (kinds or [k.value for k in exporter.kinds])]
    sink = DirectorySink(out)
    try:
        sink.names, _written = render_period(company, exporter, period, chosen, sink.staging)
        return sink.commit()
    finally:
        sink.discard()


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


@transaction.atomic
def export_period(
    actor: Actor,
    company: Company,
    *,
    target: str,
    period: Period,
    kinds: Iterable[str] | None = None,
    destination: Destination | None = None,
    only_pending: bool = False,
) -> ExportResult:
    """Export a period to a target: build, check, render, store the batch, lock the sales
    documents, record each document's export state, and queue the delivery of a destination.
    `only_pending`: only documents not yet sent to the destination or changed since."""
    ensure_can(actor, company, "accounting.export")
    exporter = exporters.get(target)
    if exporter is None:
        raise InvalidInput({"target": [_("Unknown format %(name)s.") % {"name": target}]})
    chosen = [RecordKind(k) for k in (kinds or [k.value for k in exporter.kinds])]
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
        _queue_delivery(actor, batch)
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


# --- delivery ----------------------------------------------------------------------------------


def _queue_delivery(actor: Actor | None, batch: ExportBatch) -> None:
    """In the caller's transaction: an outbox row (e-mail, signed HTTPS) or, for a folder,
    the worker's task after commit."""
    destination = batch.destination
    if destination is None:
        return
    attempt = batch.attempts + 1
    ExportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.QUEUED, attempts=attempt)
    batch.status, batch.attempts = BatchStatus.QUEUED, attempt
    key = f"accounting-batch:{batch.pk}:{attempt}"
    if destination.channel == Channel.FOLDER:
        batch_id = batch.pk
        # robust: with the queue (Redis) down the export still commits; the hourly job
        # delivers folder batches whose kick was lost (`redeliver_queued_folders`).
        transaction.on_commit(lambda: deliver_to_folder(batch_id), robust=True)
        return
    files = batch_files(batch)
    company = batch.company
    period = Period.parse(batch.period)
    if destination.channel == Channel.EMAIL:
        exporter = exporters.get(batch.target)
        subject = _("%(company)s: %(target)s export for %(period)s") % {
            "company": company.name,
            "target": exporter.label if exporter else batch.target,
            "period": period.label,
        }
        body = _(
            "Attached are the files of %(company)s (ЕИК %(eik)s) for %(period)s: %(files)s."
        ) % {
            "company": company.name,
            "eik": company.eik,
            "period": period.label,
            "files": ", ".join(files),
        }
        message, _created = notifications_actions.queue_email(
            company,
            to=destination.emails,
            subject=subject,
            body_text=body,
            attachments=[
                notifications_actions.EmailAttachment(name, content)
                for name, content in files.items()
            ],
            kind=PURPOSE,
            idempotency_key=key,
            actor=actor,
        )
    else:
        payload = {
            "id": key,
            "purpose": PURPOSE,
            "event": WEBHOOK_EVENT,
            "company": {"eik": company.eik, "name": company.name},
            "data": {
                "batch": batch.pk,
                "target": batch.target,
                "period": batch.period,
                "sha256": batch.sha256,
                "files": [
                    {"name": name, "content": base64.b64encode(content).decode("ascii")}
                    for name, content in files.items()
                ],
            },
        }
        message, _created = notifications_actions.queue_message(
            company,
            kind=MessageKind.WEBHOOK,
            key=key,
            payload=payload,
            actor=actor,
            endpoint=destination.endpoint,
            event=WEBHOOK_EVENT,
            subject=f"{WEBHOOK_EVENT} {batch.target} {batch.period}",
        )
    ExportBatch.objects.filter(pk=batch.pk).update(outbox_message=message)
    batch.outbox_message = message


@transaction.atomic
def deliver_batch_to_folder(batch_id: int) -> str:
    """The worker writes a folder batch (all files or none). Idempotent: a delivered batch is
    left alone; writing the same bytes again is harmless."""
    batch = (
        ExportBatch.objects.select_for_update(of=("self",))
        .select_related("destination", "company")
        .filter(pk=batch_id)
        .first()
    )
    if batch is None or batch.status != BatchStatus.QUEUED or batch.destination is None:
        return "skipped"
    folder = batch.destination.folder
    try:
        sink = DirectorySink(Path(folder), owner=f"batch{batch.pk}")
        try:
            for name, content in batch_files(batch).items():
                with sink.open(name) as out:
                    out.write(content)
            sink.commit()
        finally:
            sink.discard()
    except OSError as error:
        _batch_failed(batch, f"{folder}: {error.strerror or error}")
        return "failed"
    _batch_delivered(batch)
    return "delivered"


@db_task()
def deliver_to_folder(batch_id: int) -> str:
    """Queued after the export commits. Declared here rather than in tasks.py because the
    export queues it (as notifications/outbox.py does with its worker kick)."""
    return deliver_batch_to_folder(batch_id)


def _batch_delivered(batch: ExportBatch) -> None:
    ExportBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.DELIVERED, delivered_at=timezone.now(), error=""
    )
    DocumentExport.objects.filter(company_id=batch.company_id, batch=batch).update(
        state=ExportState.EXPORTED, error=""
    )


def _batch_failed(batch: ExportBatch, error: str) -> None:
    ExportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.FAILED, error=error[:4000])
    DocumentExport.objects.filter(company_id=batch.company_id, batch=batch).update(
        state=ExportState.FAILED, error=error[:4000]
    )
    if batch.destination_id:
        Destination.objects.filter(pk=batch.destination_id).update(last_error=error[:4000])


def message_sent(message_id: int) -> None:
    """The outbox delivered a batch's e-mail or HTTPS call (inside its transaction)."""
    for batch in ExportBatch.objects.filter(outbox_message_id=message_id):
        _batch_delivered(batch)


def message_failed(message_id: int, error: str) -> None:
    for batch in ExportBatch.objects.filter(outbox_message_id=message_id):
        _batch_failed(batch, error)


@transaction.atomic
def retry_batch(actor: Actor, batch: ExportBatch) -> ExportBatch:
    """Send a failed batch again (the same bytes; a new outbox row)."""
    ensure_can(actor, batch.company, "accounting.export")
    batch = (
        ExportBatch.objects.select_for_update(of=("self",))
        .select_related("destination")
        .get(pk=batch.pk)
    )
    if batch.status != BatchStatus.FAILED or batch.destination is None:
        raise Conflict(_("Only a batch whose delivery failed can be sent again."))
    audit.record_event(actor, batch.company, "retry_batch", batch, {"attempt": batch.attempts + 1})
    _queue_delivery(actor, batch)
    return batch


# --- automatic sync ----------------------------------------------------------------------------


def is_due(destination: Destination, now: dt.datetime) -> bool:
    last = destination.last_run_at
    if destination.schedule in (Schedule.HOURLY, Schedule.ON_ISSUE):
        return last is None or now - last >= dt.timedelta(minutes=55)
    if destination.schedule == Schedule.DAILY:
        return last is None or timezone.localdate(last) < timezone.localdate(now)
    first_of_month = timezone.localdate(now).replace(day=1)
    return last is None or timezone.localdate(last) < first_of_month


def sync_destination(
    actor: Actor, destination: Destination, today: dt.date | None = None
) -> list[ExportResult]:
    """One run of a destination: at month end the whole previous month; otherwise what is new
    or changed in this and the previous month. A whole-period target (NAP ledgers) is sent
    whole each time something changed; the content key keeps identical runs to one batch.
    A refused export is kept as the destination's last problem (named documents)."""
    today = today or timezone.localdate()
    this = Period(today.year, today.month)
    previous = Period(today.year - (today.month == 1), (today.month - 2) % 12 + 1)
    periods = [previous] if destination.schedule == Schedule.MONTH_END else [previous, this]
    exporter = exporters.get(destination.target)
    whole = destination.schedule == Schedule.MONTH_END or getattr(exporter, "whole_period", False)
    results = []
    for period in periods:
        try:
            result = export_period(
                actor,
                destination.company,
                target=destination.target,
                period=period,
                kinds=destination.kinds,
                destination=destination,
                only_pending=not whole,
            )
        except InvalidInput as error:
            message = "; ".join(m for messages in error.errors.values() for m in messages)
            Destination.objects.filter(pk=destination.pk).update(
                last_error=f"{period.label}: {message}"[:4000], last_run_at=timezone.now()
            )
            continue
        results.append(result)
    Destination.objects.filter(pk=destination.pk).update(last_run_at=timezone.now())
    return results


def run_due_destinations(now: dt.datetime | None = None) -> int:
    """The periodic job: every active destination whose schedule is due. Returns batches made."""
    now = now or timezone.now()
    made = 0
    for destination in Destination.objects.filter(is_active=True).select_related("company"):
        if not is_due(destination, now):
            continue
        for result in sync_destination(Actor.system(), destination, timezone.localdate(now)):
            made += int(result.created)
    return made


def redeliver_queued_folders(now: dt.datetime | None = None) -> int:
    """Folder batches still queued a quarter of an hour after they were made: their worker
    task was lost (the queue was down when the export committed). Writes them now; a batch
    already delivered is skipped, so a late original task changes nothing."""
    cutoff = (now or timezone.now()) - dt.timedelta(minutes=15)
    stale = ExportBatch.objects.filter(
        status=BatchStatus.QUEUED, destination__channel=Channel.FOLDER, created_at__lt=cutoff
    ).values_list("pk", flat=True)
    return sum(deliver_batch_to_folder(pk) == "delivered" for pk in list(stale))


def sync_on_issue(company_id: int, document_id: int) -> int:
    """After a document was issued: the company's on-issue destinations send what is new."""
    made = 0
    for destination in Destination.objects.filter(
        company_id=company_id, is_active=True, schedule=Schedule.ON_ISSUE
    ).select_related("company"):
        for result in sync_destination(Actor.system(), destination):
            made += int(result.created)
    return made


@transaction.atomic
def mark_changed(company_id: int, source: str, object_id: int) -> int:
    """A document changed (edited or voided) after it was exported: re-sent as a correction."""
    return DocumentExport.objects.filter(
        company_id=company_id, source=source, object_id=object_id, state=ExportState.EXPORTED
    ).update(state=ExportState.CHANGED)


# --- the VAT period close ----------------------------------------------------------------------


@transaction.atomic
def close_vat_period(actor: Actor, company: Company, period: Period) -> VatPeriodClose:
    """Lock the period's documents (the company's lock date moves to the period's last day),
    and record who closed it and when. Refused with drafts or unexportable documents."""
    ensure_can(actor, company, "accounting.close_period")
    company = Company.objects.select_for_update().get(pk=company.pk)
    if queries.open_close(company, period) is not None:
        raise Conflict(_("%(period)s is already closed.") % {"period": period.label})
    view = queries.ledger_view(company, period, max_rows=0)
    if view.errors:
        raise _refused(view.errors)
    close = VatPeriodClose.objects.create(
        company=company,
        period=period.code,
        closed_by=actor.user,
        previous_lock_date=company.lock_date,
    )
    before = audit.snapshot(company)
    if company.lock_date is None or company.lock_date < period.last:
        company.lock_date = period.last
        company.save(update_fields=["lock_date"])
        audit.record_update(actor, company, "close_vat_period", company, before)
    audit.record_create(actor, company, "close_vat_period", close)
    return close


@transaction.atomic
def reopen_vat_period(actor: Actor, close: VatPeriodClose, reason: str) -> VatPeriodClose:
    """An owner reopens a closed month (audited, with the reason): the lock date goes back to
    where it was before the close, when the close is the latest."""
    ensure_can(actor, close.company, "accounting.reopen_period")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": [_("Say why the period is reopened.")]})
    close = VatPeriodClose.objects.select_for_update().get(pk=close.pk)
    if close.reopened_at is not None:
        raise Conflict(_("The period was already reopened."))
    company = Company.objects.select_for_update().get(pk=close.company_id)
    period = Period.parse(close.period)
    before_close = audit.snapshot(close)
    close.reopened_at = timezone.now()
    close.reopened_by = actor.user
    close.reopen_reason = reason[:300]
    close.save(update_fields=["reopened_at", "reopened_by", "reopen_reason"])
    audit.record_update(actor, company, "reopen_vat_period", close, before_close, reason)
    if company.lock_date == period.last:
        before = audit.snapshot(company)
        company.lock_date = close.previous_lock_date
        company.save(update_fields=["lock_date"])
        audit.record_update(actor, company, "reopen_vat_period", company, before, reason)
    return close
