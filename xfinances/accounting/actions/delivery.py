"""Delivering a batch: an outbox row (e-mail, signed HTTPS) or the worker's task writing a
folder; the outcome recorded on the batch and its documents' export states."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_task

from xfinances.accounting import exporters
from xfinances.accounting.actions.archives import batch_files
from xfinances.accounting.actions.common import PURPOSE, WEBHOOK_EVENT
from xfinances.accounting.building import Period
from xfinances.accounting.exporters import DirectorySink
from xfinances.accounting.models import (
    BatchStatus,
    Channel,
    Destination,
    DocumentExport,
    ExportBatch,
    ExportState,
)
from xfinances.core import audit
from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict
from xfinances.core.permissions import ensure_can
from xfinances.notifications import actions as notifications_actions
from xfinances.notifications.models import MessageKind, OutboxMessage


def queue_delivery(actor: Actor | None, batch: ExportBatch) -> None:
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
    if destination.channel == Channel.EMAIL:
        message = _queue_email(actor, batch, destination, files, key)
    else:
        message = _queue_webhook(actor, batch, destination, files, key)
    ExportBatch.objects.filter(pk=batch.pk).update(outbox_message=message)
    batch.outbox_message = message


def _queue_email(
    actor: Actor | None,
    batch: ExportBatch,
    destination: Destination,
    files: dict[str, bytes],
    key: str,
) -> OutboxMessage:
    """The batch's files attached to one e-mail to the accountant."""
    company = batch.company
    period = Period.parse(batch.period)
    exporter = exporters.get(batch.target)
    subject = _("%(company)s: %(target)s export for %(period)s") % {
        "company": company.name,
        "target": exporter.label if exporter else batch.target,
        "period": period.label,
    }
    body = _("Attached are the files of %(company)s (ЕИК %(eik)s) for %(period)s: %(files)s.") % {
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
            notifications_actions.EmailAttachment(name, content) for name, content in files.items()
        ],
        kind=PURPOSE,
        idempotency_key=key,
        actor=actor,
    )
    return message


def _queue_webhook(
    actor: Actor | None,
    batch: ExportBatch,
    destination: Destination,
    files: dict[str, bytes],
    key: str,
) -> OutboxMessage:
    """The batch's files (base64) in one signed call to the destination's endpoint."""
    company = batch.company
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
    return message


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
    queue_delivery(actor, batch)
    return batch


def redeliver_queued_folders(now: dt.datetime | None = None) -> int:
    """Folder batches still queued a quarter of an hour after they were made: their worker
    task was lost (the queue was down when the export committed). Writes them now; a batch
    already delivered is skipped, so a late original task changes nothing."""
    cutoff = (now or timezone.now()) - dt.timedelta(minutes=15)
    stale = ExportBatch.objects.filter(
        status=BatchStatus.QUEUED, destination__channel=Channel.FOLDER, created_at__lt=cutoff
    ).values_list("pk", flat=True)
    return sum(deliver_batch_to_folder(pk) == "delivered" for pk in list(stale))
