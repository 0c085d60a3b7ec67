"""Backup and restore of a whole install: every table and every stored file, in one archive.

`xfinances backup FILE` writes a tar.gz archive:

    manifest.json   format, version, engine, applied migrations, row count of every table
    data.jsonl      every row of every table, one JSON object a line (Django's serialisation)
    files/...       the stored files (MEDIA_ROOT): PDFs, attachments, logos

The database is read as one consistent snapshot while the server keeps running:

* SQLite — the online backup API (`sqlite3.Connection.backup`) copies the live database into a
  temporary file page by page without blocking writers for long; the rows are then read from
  that copy, so every table comes from the same instant.
* PostgreSQL — one `REPEATABLE READ, READ ONLY` transaction reads every table: PostgreSQL gives
  it one snapshot, writers are not blocked.

Why Django's serialisation and not `pg_dump` (docs/decisions/0004-backup-format.md): one
archive format for both engines (an install moves from SQLite to PostgreSQL by backup and
restore), no dependence on a `pg_dump` binary of the server's major version being installed on
the machine that runs the command, and the same restore path, checked against the manifest.

Files are copied after the database snapshot. Stored files are written before the row naming
them commits and never rewritten in place (a new PDF version is a new file), so every file the
snapshot names is already on disk; files written after the snapshot are copied too and are
merely unreferenced after a restore.

`xfinances restore FILE` loads an archive into an install whose schema is at the same
migrations. It refuses an install that holds any data or stored file unless `force=True`; then
the tables are emptied and the old files are moved aside (not deleted) first. The load is one
transaction: if any table's row count differs from the manifest nothing is kept.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.cache import cache
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = "xfinances-backup"
VERSION = 1
MANIFEST = "manifest.json"
DATA = "data.jsonl"
FILES_PREFIX = "files/"
SNAPSHOT_ALIAS = "xfinances_backup_snapshot"
# Tables a freshly migrated install already fills (Django's own catalogue of models and
# permissions); their presence does not make an install "non-empty".
CATALOGUE_MODELS = {"contenttypes.contenttype", "auth.permission"}

Progress = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class Summary:
    """What a backup or restore did, for the progress line and `--json`."""

    operation: str
    archive: str
    engine: str
    method: str = ""
    tables: dict[str, int] = field(default_factory=dict)
    files: int = 0
    file_bytes: int = 0
    archive_bytes: int = 0
    seconds: float = 0.0
    moved_aside: str = ""

    @property
    def rows(self) -> int:
        return sum(self.tables.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "archive": self.archive,
            "engine": self.engine,
            "method": self.method,
            "rows": self.rows,
            "tables": self.tables,
            "files": self.files,
            "file_bytes": self.file_bytes,
            "archive_bytes": self.archive_bytes,
            "seconds": round(self.seconds, 3),
            "moved_aside": self.moved_aside,
        }


def _quiet(message: str) -> None:
    pass


def backed_up_models() -> list[type[models.Model]]:
    """Every table with rows of its own, parents before children of multi-table inheritance.

    Auto-created many-to-many tables travel inside their model's rows (as Django's dumpdata
    does); proxy and unmanaged models have no table of their own.
    """
    chosen = []
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed or meta.auto_created:
            continue
        chosen.append(model)
    return chosen


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def _engine(alias: str = DEFAULT_DB_ALIAS) -> str:
    return str(connections[alias].vendor)


def applied_migrations(alias: str = DEFAULT_DB_ALIAS) -> list[list[str]]:
    recorder = MigrationRecorder(connections[alias])
    if not recorder.has_table():
        return []
    return sorted([app, name] for app, name in recorder.applied_migrations())


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def stored_files(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for directory, _dirs, names in os.walk(root):
        for name in sorted(names):
            path = Path(directory) / name
            if path.is_file() and not path.is_symlink():
                yield path


# --- backup -------------------------------------------------------------------------------


class _LosslessEncoder(DjangoJSONEncoder):
    """Django's encoder cuts times to milliseconds (for JavaScript); a backup keeps them whole."""

    def default(self, o: Any) -> Any:
        if isinstance(o, (datetime.datetime, datetime.time)):
            return o.isoformat()
        return super().default(o)


def _dump_tables(alias: str, out: IO[str], progress: Progress) -> dict[str, int]:
    serializer = serializers.get_serializer("jsonl")()
    counts: dict[str, int] = {}
    for model in backed_up_models():
        rows = model._base_manager.using(alias).order_by("pk")
        counter = _Counter(rows.iterator(chunk_size=2000))
        serializer.serialize(counter, stream=out, cls=_LosslessEncoder)
        counts[_label(model)] = counter.count
        if counter.count:
            progress(f"  {_label(model):<40} {counter.count:>9} rows")
    return counts


class _Counter:
    """Passes objects through to the serialiser and counts them."""

    def __init__(self, objects: Iterator[models.Model]):
        self.objects = objects
        self.count = 0

    def __iter__(self) -> Iterator[models.Model]:
        for obj in self.objects:
            self.count += 1
            yield obj


def _sqlite_snapshot(target: Path) -> None:
    """Copy the live SQLite database into `target` with the online backup API."""
    live = connections[DEFAULT_DB_ALIAS]
    live.ensure_connection()
    source = live.connection
    copy = sqlite3.connect(target)
    try:
        # Copy in steps so writers get the lock between them; a write during the copy makes
        # SQLite restart it, and the result is always one consistent state.
        source.backup(copy, pages=1024, sleep=0.005)
    finally:
        copy.close()


def _open_snapshot(path: Path) -> str:
    base = dict(connections.settings[DEFAULT_DB_ALIAS])
    base["NAME"] = str(path)
    base["OPTIONS"] = {"timeout": 30}
    base["TEST"] = {"NAME": None}
    connections.settings[SNAPSHOT_ALIAS] = base
    return SNAPSHOT_ALIAS


def _close_snapshot() -> None:
    if SNAPSHOT_ALIAS in connections.settings:
        try:
            connections[SNAPSHOT_ALIAS].close()
        finally:
            del connections[SNAPSHOT_ALIAS]
            del connections.settings[SNAPSHOT_ALIAS]


def _dump_database(work: Path, progress: Progress) -> tuple[str, str, dict[str, int], Path]:
    engine = _engine()
    data_path = work / DATA
    if engine == "sqlite":
        method = "sqlite online backup API"
        snapshot = work / "snapshot.sqlite3"
        progress("Copying the SQLite database (online backup API) ...")
        _sqlite_snapshot(snapshot)
        alias = _open_snapshot(snapshot)
        try:
            with open(data_path, "w", encoding="utf-8") as out:
                counts = _dump_tables(alias, out, progress)
        finally:
            _close_snapshot()
            snapshot.unlink(missing_ok=True)
    elif engine == "postgresql":
        method = "postgresql repeatable read transaction"
        progress("Reading every table in one REPEATABLE READ transaction ...")
        with transaction.atomic():
            with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            with open(data_path, "w", encoding="utf-8") as out:
                counts = _dump_tables(DEFAULT_DB_ALIAS, out, progress)
    else:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {engine}.")
    return engine, method, counts, data_path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backup(archive: Path, progress: Progress = _quiet) -> Summary:
    """Write every table and stored file into `archive` (tar.gz); return what was written."""
    started = time.monotonic()
    archive = archive.expanduser().resolve()
    archive.parent.mkdir(parents=True, exist_ok=True)
    partial = archive.with_name(archive.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="xfinances-backup-", dir=archive.parent) as tmp:
        work = Path(tmp)
        engine, method, counts, data_path = _dump_database(work, progress)
        summary = Summary("backup", str(archive), engine, method, counts)
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": timezone.now().isoformat(),
            "engine": engine,
            "method": method,
            "migrations": applied_migrations(),
            "tables": counts,
            "data_sha256": _sha256(data_path),
        }
        progress("Writing the archive ...")
        with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
            body = json.dumps(manifest, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(body), int(time.time()), 0o600
            tar.addfile(info, io.BytesIO(body))
            tar.add(data_path, arcname=DATA, recursive=False)
            root = media_root()
            for path in stored_files(root):
                name = FILES_PREFIX + path.relative_to(root).as_posix()
                try:
                    tar.add(path, arcname=name, recursive=False)
                except FileNotFoundError:
                    continue  # removed while we copied: it is no longer part of the install
                summary.files += 1
                summary.file_bytes += path.stat().st_size if path.exists() else 0
                if summary.files % 500 == 0:
                    progress(f"  {summary.files} files ...")
        os.replace(partial, archive)
    summary.archive_bytes = archive.stat().st_size
    summary.seconds = time.monotonic() - started
    return summary


# --- restore ------------------------------------------------------------------------------


def holds_data(alias: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Tables with rows and the stored-files folder if it holds files: what a restore replaces."""
    busy = [
        _label(model)
        for model in backed_up_models()
        if _label(model) not in CATALOGUE_MODELS and model._base_manager.using(alias).exists()
    ]
    if next(stored_files(media_root()), None) is not None:
        busy.append(f"stored files in {media_root()}")
    return busy


def _read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    member = tar.next()
    if member is None or member.name != MANIFEST:
        raise BackupError("This is not an XFINANCES backup (it has no manifest.json first).")
    handle = tar.extractfile(member)
    assert handle is not None
    try:
        manifest = json.loads(handle.read())
    except ValueError:
        raise BackupError("The backup's manifest.json is not valid JSON.") from None
    if manifest.get("format") != FORMAT:
        raise BackupError("This is not an XFINANCES backup.")
    if manifest.get("version") != VERSION:
        raise BackupError(
            f"Backup format version {manifest.get('version')} is not supported by this version "
            f"of XFINANCES (it reads version {VERSION})."
        )
    return manifest


def _check_migrations(manifest: dict[str, Any]) -> None:
    here = {tuple(m) for m in applied_migrations()}
    there = {tuple(m) for m in manifest.get("migrations", [])}
    if not here:
        raise BackupError("The database has no tables yet: run `xfinances migrate` first.")
    if here != there:
        missing = sorted(f"{a}.{n}" for a, n in there - here)
        extra = sorted(f"{a}.{n}" for a, n in here - there)
        raise BackupError(
            "The backup was taken at other migrations than this install's. Restore it with the "
            "XFINANCES version that wrote it, then upgrade (`xfinances migrate`).\n"
            f"  only in the backup: {', '.join(missing) or '-'}\n"
            f"  only in this install: {', '.join(extra) or '-'}"
        )


def _empty_tables() -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    tables = [model._meta.db_table for model in apps.get_models(include_auto_created=True)]
    tables = [t for t in tables if t in set(connection.introspection.table_names())]
    statements = connection.ops.sql_flush(
        no_style(), tables, reset_sequences=True, allow_cascade=True
    )
    connection.ops.execute_sql_flush(statements)


def _move_files_aside(root: Path) -> str:
    if next(stored_files(root), None) is None:
        return ""
    aside = root.with_name(f"{root.name}.before-restore-{time.strftime('%Y%m%d-%H%M%S')}")
    root.rename(aside)
    root.mkdir(parents=True, exist_ok=True)
    return str(aside)


def _safe_target(root: Path, name: str) -> Path:
    relative = PurePosixPath(name[len(FILES_PREFIX) :])
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise BackupError(f"The backup holds a file outside the files folder: {name!r}.")
    return root.joinpath(*relative.parts)


def _load_rows(stream: IO[bytes], progress: Progress) -> dict[str, int]:
    counts: dict[str, int] = {}
    # A tar stream cannot seek, which io.TextIOWrapper wants: decode line by line instead.
    lines = (line.decode("utf-8") for line in stream)
    for loaded in serializers.deserialize("jsonl", lines, ignorenonexistent=False):
        loaded.save(force_insert=True)
        label = _label(type(loaded.object))
        counts[label] = counts.get(label, 0) + 1
        if sum(counts.values()) % 5000 == 0:
            progress(f"  {sum(counts.values())} rows ...")
    return counts


def _restore_from(tar: tarfile.TarFile, summary: Summary, force: bool, progress: Progress) -> None:
    root = media_root()
    written: list[Path] = []
    manifest = _read_manifest(tar)
    summary.method = str(manifest.get("method", ""))
    _check_migrations(manifest)
    busy = holds_data()
    if busy and not force:
        raise BackupError(
            "This install already holds data ("
            + ", ".join(busy[:6])
            + (", ..." if len(busy) > 6 else "")
            + "). Restore into an empty install, or pass --force to replace everything "
            "(the stored files are moved aside, not deleted)."
        )
    try:
        with transaction.atomic():
            progress("Emptying the tables ..." if busy else "Loading the tables ...")
            _empty_tables()
            member = tar.next()
            if member is None or member.name != DATA:
                raise BackupError("The backup has no data.jsonl after its manifest.")
            handle = tar.extractfile(member)
            assert handle is not None
            counts = _load_rows(handle, progress)
            expected = {k: v for k, v in manifest["tables"].items() if v}
            if counts != expected:
                differ = sorted(
                    label
                    for label in set(counts) | set(expected)
                    if counts.get(label, 0) != expected.get(label, 0)
                )
                raise BackupError(
                    "The backup's rows do not match its manifest (damaged archive?): "
                    + ", ".join(differ)
                )
            summary.tables = {label: counts.get(label, 0) for label in manifest["tables"]}
            for label, count in sorted(counts.items()):
                progress(f"  {label:<40} {count:>9} rows")
            connection = connections[DEFAULT_DB_ALIAS]
            reset = connection.ops.sequence_reset_sql(no_style(), backed_up_models())
            if reset:
                with connection.cursor() as cursor:
                    for statement in reset:
                        cursor.execute(statement)
            progress("Restoring the stored files ...")
            if busy:
                summary.moved_aside = _move_files_aside(root)
            root.mkdir(parents=True, exist_ok=True)
            for member in tar:
                if not member.name.startswith(FILES_PREFIX):
                    continue
                if not member.isfile():
                    continue
                target = _safe_target(root, member.name)
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                assert source is not None
                with open(target, "wb") as out:
                    shutil.copyfileobj(source, out)
                written.append(target)
                summary.files += 1
                summary.file_bytes += member.size
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        if summary.moved_aside:  # the database rolled back: so do the files
            shutil.rmtree(root, ignore_errors=True)
            Path(summary.moved_aside).rename(root)
            summary.moved_aside = ""
        raise


def restore(archive: Path, force: bool = False, progress: Progress = _quiet) -> Summary:
    """Load `archive` into this install; refuse a non-empty install unless `force`."""
    started = time.monotonic()
    archive = archive.expanduser().resolve()
    if not archive.is_file():
        raise BackupError(f"No such file: {archive}")
    engine = _engine()
    if engine not in ("sqlite", "postgresql"):
        raise BackupError(f"Restores support SQLite and PostgreSQL, not {engine}.")
    summary = Summary("restore", str(archive), engine)
    try:
        with tarfile.open(archive, "r|gz") as tar:
            _restore_from(tar, summary, force, progress)
    except (tarfile.TarError, EOFError, zlib.error) as error:
        raise BackupError(f"Cannot read {archive.name} as a backup: {error}") from None
    except (DeserializationError, IntegrityError) as error:
        raise BackupError(
            f"The backup's rows cannot be loaded (damaged archive?); nothing changed: {error}"
        ) from None
    ContentType.objects.clear_cache()
    cache.clear()
    summary.archive_bytes = archive.stat().st_size
    summary.seconds = time.monotonic() - started
    return summary
