"""The watched folder: statement files dropped into a folder are imported and moved to `done/`
or, with a `<name>.reason.txt` beside them, to `failed/`.

Crash-safe without a lock file: a file is first renamed into `processing/` (atomic on one file
system), then imported (its `ReceivedFile` row by SHA-256 commits with the import), then moved
on. A run finds what a killed run left in `processing/` and finishes it: an imported file is
recognised by its hash and only moved, a file not yet imported is imported. So no file is
imported twice and none is lost.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.banking import actions
from xfinances.banking.models import SourceKind, SourceRun, SyncStatus, WatchedFolder
from xfinances.banking.sources import common
from xfinances.core.exceptions import InvalidInput

PROCESSING, DONE, FAILED = "processing", "done", "failed"
# A file younger than this may still be being written by the bank's software.
SETTLE_SECONDS = 10.0
SKIPPED_SUFFIXES = (".part", ".tmp", ".crdownload", ".reason.txt")


def _free_name(folder: Path, name: str) -> Path:
    """`name` in `folder`, or `name` with a counter when a file of that name is there."""
    target = folder / name
    counter = 1
    while target.exists():
        stem, dot, suffix = name.rpartition(".")
        base = f"{stem}-{counter}.{suffix}" if dot and stem else f"{name}-{counter}"
        target = folder / base
        counter += 1
    return target


def _ready(path: Path, now: float) -> bool:
    name = path.name
    if name.startswith(".") or name.lower().endswith(SKIPPED_SUFFIXES) or not path.is_file():
        return False
    return now - path.stat().st_mtime >= SETTLE_SECONDS


def _handle(run: SourceRun, folder: WatchedFolder, path: Path) -> None:
    """Import one claimed file (in processing/) and move it to done/ or failed/."""
    root = Path(folder.path)
    reasons: list[str] = []
    if path.stat().st_size > actions.MAX_BYTES:
        reasons.append(_("The file is larger than %(mb)s MB.") % {"mb": actions.MAX_BYTES >> 20})
        run.items += 1
        run.refused += 1
    else:
        data = path.read_bytes()
        try:
            files = list(common.statement_files(path.name, data, actions.MAX_BYTES))
        except InvalidInput as error:
            files = []
            reasons.append(common.error_text(error))
            run.refused += 1
        if not files and not reasons:
            reasons.append(_("Not a statement file (camt, MT940, CSV, XLSX or .zip)."))
            run.refused += 1
        for name, content in files:
            _outcome, refusal = common.receive_file(
                run, message_id="", name=name, data=content, account=folder.account
            )
            if refusal:
                reasons.append(f"{name}: {refusal}")
    if reasons and not any(e.get("item", "").startswith(path.name) for e in run.errors):
        run.errors.append({"item": path.name, "error": "; ".join(reasons)[:500]})
    target = _free_name(root / (FAILED if reasons else DONE), path.name)
    if reasons:
        target.with_name(target.name + ".reason.txt").write_text(
            "\n".join(reasons) + "\n", encoding="utf-8"
        )
    os.replace(path, target)


def scan(folder: WatchedFolder, *, clock: float | None = None) -> SourceRun:
    """One run of a watched folder (claimed by the caller)."""
    before = folder.status
    run = common.start_run(folder.company, SourceKind.FOLDER, folder.pk, folder.path)
    root = Path(folder.path)
    failed = ""
    if not root.is_dir():
        failed = _("The folder %(path)s does not exist or cannot be read.") % {"path": root}
    else:
        try:
            for sub in (PROCESSING, DONE, FAILED):
                (root / sub).mkdir(exist_ok=True)
            # First what a killed run left half-way, then the new files.
            for left in sorted((root / PROCESSING).iterdir()):
                if left.is_file():
                    _handle(run, folder, left)
            now = time.time() if clock is None else clock
            for path in sorted(root.iterdir()):
                if _ready(path, now):
                    claimed = root / PROCESSING / path.name
                    if claimed.exists():
                        claimed = _free_name(root / PROCESSING, path.name)
                    os.replace(path, claimed)
                    _handle(run, folder, claimed)
        except OSError as error:
            failed = _("The folder %(path)s: %(error)s") % {"path": root, "error": error}
    common.finish_run(run, failed=failed)
    moment = timezone.now()
    folder.last_run_at = moment
    folder.next_run_at = moment + dt.timedelta(minutes=max(folder.interval_minutes, 1))
    folder.status = (
        SyncStatus.FAILED if failed else SyncStatus.PARTIAL if run.refused else SyncStatus.OK
    )
    folder.last_error = (failed or (run.errors[-1]["error"] if run.errors else ""))[:500]
    folder.save(update_fields=["last_run_at", "next_run_at", "status", "last_error"])
    common.report_refused(run)
    common.report_stopped(
        run.company,
        common.source_label(folder),
        common.last_error(run),
        before=before,
        after=folder.status,
    )
    return run
