"""What every automatic source shares: claiming a due run, its log, taking in one file once,
unpacking .zip attachments, and telling the owners about refused files and about a source that
stopped delivering."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from collections.abc import Iterator
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.banking import actions, cutting
from xfinances.banking.models import (
    ImportSource,
    ReceivedFile,
    ReceivedState,
    RunStatus,
    SourceKind,
    SourceRun,
    StatementMailbox,
    SyncStatus,
    WatchedFolder,
)
from xfinances.core.audit import Actor
from xfinances.core.exceptions import ActionError, InvalidInput
from xfinances.core.models import Company, Membership, Source, User
from xfinances.core.roles import Role
from xfinances.notifications.actions import notify
from xfinances.notifications.models import NotificationKind
from xfinances.treasury.models import MoneyAccount

SYSTEM = Actor.system(Source.TASK)
# A claimed run that never finished (a killed worker) may be claimed again after this.
LEASE = dt.timedelta(minutes=30)
# Names of files that may be statements; the content decides the format (detect.py).
STATEMENT_SUFFIXES = (
    ".xml", ".camt", ".053", ".054", ".052", ".sta", ".mt940", ".940", ".txt", ".csv",
    ".xlsx", ".dat",
)  # fmt: skip
MAX_ZIP_MEMBERS = 200
# A source whose status becomes one of these has stopped delivering statements.
STOPPED = (SyncStatus.FAILED, SyncStatus.CONSENT)
# A bank that stays unavailable (backing off, RETRYING) is reported at this many failures
# in a row (with the backoff, close to two hours after the first), not at the first blip.
RETRIES_BEFORE_ALERT = 4
SOURCE_STOPPED = "bank_source_stopped"  # under the bell and e-mailed to every owner

IMPORT_SOURCE = {
    SourceKind.MAILBOX: ImportSource.MAILBOX,
    SourceKind.FOLDER: ImportSource.FOLDER,
    SourceKind.PSD2: ImportSource.PSD2,
}


def due(model: type[models.Model], now: dt.datetime) -> list[int]:
    """Ids of the active sources whose next run has come."""
    return list(
        model._default_manager.filter(active=True)
        .filter(Q(next_run_at__isnull=True) | Q(next_run_at__lte=now))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def claim(model: type[models.Model], pk: int, now: dt.datetime) -> bool:
    """Take the run of one source: a conditional UPDATE, so of two workers only one wins;
    the lease lets the next run retry a source whose worker died."""
    return (
        model._default_manager.filter(pk=pk, active=True)
        .filter(Q(next_run_at__isnull=True) | Q(next_run_at__lte=now))
        .update(next_run_at=now + LEASE)
        == 1
    )


def start_run(company: Company, kind: str, source_id: int, name: str) -> SourceRun:
    return SourceRun.objects.create(
        company=company, kind=kind, source_id=source_id, source_name=name[:200]
    )


def finish_run(run: SourceRun, *, failed: str = "") -> SourceRun:
    if failed:
        run.errors.append({"item": "", "error": failed[:500]})
        run.status = RunStatus.FAILED
    elif run.refused:
        run.status = RunStatus.PARTIAL
    else:
        run.status = RunStatus.OK
    run.finished_at = timezone.now()
    run.save()
    return run


def error_text(error: Exception) -> str:
    if isinstance(error, InvalidInput):
        return "; ".join(str(m) for values in error.errors.values() for m in values)[:500]
    return (str(error) or error.__class__.__name__)[:500]


def already_received(
    kind: str, source_id: int, message_id: str, sha256: str
) -> ReceivedFile | None:
    """This file from this message before, or the same bytes imported from any message of the
    source (a bank that sends one statement twice, a forwarded copy)."""
    same = ReceivedFile.objects.filter(kind=kind, source_id=source_id, sha256=sha256)
    return (
        same.filter(message_id=message_id).first()
        or same.filter(state=ReceivedState.IMPORTED).first()
    )


def receive_file(
    run: SourceRun,
    *,
    message_id: str,
    name: str,
    data: bytes,
    account: MoneyAccount | None,
) -> tuple[str, str]:
    """Import one delivered file unless it came before: ("imported" | "skipped" | "refused",
    the refusal). A file refused before is skipped, with its earlier refusal.
    The import and its `ReceivedFile` row commit together, so a crash leaves neither and the
    next run imports the file; a refused file is recorded (and not refused again each run)."""
    company = run.company
    sha = hashlib.sha256(data).hexdigest()
    # A mail's Message-ID and an attachment's name come from outside: cut, never refused.
    message_id = cutting.cut(ReceivedFile, "message_id", message_id)
    name = cutting.cut(ReceivedFile, "name", name)
    keys: dict[str, Any] = {
        "kind": run.kind,
        "source_id": run.source_id,
        "message_id": message_id,
        "sha256": sha,
    }
    earlier = already_received(run.kind, run.source_id, message_id, sha)
    if earlier is not None:
        run.skipped += 1
        return "skipped", earlier.error if earlier.state == ReceivedState.REFUSED else ""
    run.items += 1
    try:
        with transaction.atomic():
            summary = actions.import_statement(
                SYSTEM,
                company,
                io.BytesIO(data),
                file_name=name,
                account=account,
                import_source=IMPORT_SOURCE[SourceKind(run.kind)],
            )
            ReceivedFile.objects.create(
                company=company,
                name=name,
                state=ReceivedState.IMPORTED,
                statement_import_id=summary.import_id,
                run=run,
                **keys,
            )
    except IntegrityError:  # another worker took the same file in first: its import stands
        run.items -= 1
        run.skipped += 1
        return "skipped", ""
    except (InvalidInput, ActionError) as error:
        message = error_text(error)
        ReceivedFile.objects.get_or_create(
            **keys,
            defaults={
                "company": company,
                "name": name,
                "state": ReceivedState.REFUSED,
                "error": message,
                "run": run,
            },
        )
        run.refused += 1
        run.errors.append({"item": name, "error": message})
        return "refused", message
    run.imported += 1
    run.new_entries += summary.new
    run.matched += summary.matched
    run.review += summary.review
    return "imported", ""


def statement_files(name: str, data: bytes, limit: int) -> Iterator[tuple[str, bytes]]:
    """The statement files in one attachment or dropped file: itself, or the members of a
    .zip (one level, each at most `limit` bytes, counted while reading: a zip bomb's header
    may lie). Names that cannot be statements (PDFs, images) are left out."""
    lower = name.lower()
    if lower.endswith(".zip"):
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            raise InvalidInput({"file": [_("%(name)s is not a readable .zip.") % {"name": name}]})
        members = [m for m in archive.infolist() if not m.is_dir()][:MAX_ZIP_MEMBERS]
        for member in members:
            if not member.filename.lower().endswith(STATEMENT_SUFFIXES):
                continue
            with archive.open(member) as stream:
                content = stream.read(limit + 1)
            if len(content) > limit:
                raise InvalidInput(
                    {"file": [_("%(name)s is too large.") % {"name": member.filename}]}
                )
            yield f"{name}/{member.filename}", content
    elif lower.endswith(STATEMENT_SUFFIXES):
        yield name, data


def owners(company: Company) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            pk__in=Membership.objects.filter(company=company, role=Role.OWNER).values("user_id"),
        )
    )


def report_refused(run: SourceRun) -> None:
    """The owners hear of the files a run refused (under the bell; by e-mail too when they
    asked for it), with a link to the run's log."""
    if not run.refused:
        return
    company = run.company
    link = reverse("banking:sources", args=[company.eik])
    refused = [e for e in run.errors if e.get("item")]

    def text() -> str:
        first = refused[0] if refused else {"item": "", "error": ""}
        return _("%(source)s: %(count)s statement file(s) refused, e.g. %(item)s: %(error)s") % {
            "source": run.source_name,
            "count": run.refused,
            "item": first["item"],
            "error": first["error"],
        }

    notify(company, owners(company), NotificationKind.BANK_SOURCE_REFUSED, text, link=link)


def report_stopped(
    company: Company,
    source: str,
    error: str,
    *,
    before: str,
    after: str,
    failures: int = 0,
    link: str = "",
) -> bool:
    """The owners hear once when a source stops delivering: its status turned failed or
    needs a renewed consent (not again while it stays so), or the bank has been unavailable
    for `RETRIES_BEFORE_ALERT` runs in a row. Under the bell and by e-mail to every owner.
    True when they were told."""
    stopped = after in STOPPED and before != after
    long_outage = after == SyncStatus.RETRYING and failures == RETRIES_BEFORE_ALERT
    if not (stopped or long_outage):
        return False
    target = link or reverse("banking:sources", args=[company.eik])

    def text() -> str:
        return _(
            "%(source)s stopped delivering bank statements (%(status)s). Payments from it are "
            "not recorded until this is fixed. The error: %(error)s"
        ) % {"source": source, "status": SyncStatus(after).label, "error": error}

    notify(company, owners(company), SOURCE_STOPPED, text, link=target, email_all=True)
    return True


def source_label(source: StatementMailbox | WatchedFolder | Any) -> str:
    """How an alert names a source: its name, and where a mailbox or a folder reads."""
    if isinstance(source, StatementMailbox):
        return f"{source.name} ({source})"
    if isinstance(source, WatchedFolder):
        return f"{source.name} ({source.path})"
    return str(source.name)


def last_error(run: SourceRun) -> str:
    return run.errors[-1]["error"] if run.errors else ""


def summary_of(run: SourceRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "kind": run.kind,
        "source_id": run.source_id,
        "source_name": run.source_name,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "status": run.status,
        "items": run.items,
        "imported": run.imported,
        "skipped": run.skipped,
        "refused": run.refused,
        "new_entries": run.new_entries,
        "matched": run.matched,
        "review": run.review,
        "errors": run.errors,
    }
