"""`xfinances backup` and `xfinances restore`, run as real commands on real install folders.

The source install is the demo (every area has rows, the issued documents have PDFs). Its
backup is restored into an empty install (a copy of the freshly migrated database), and every
table, row by row, and every stored file, byte by byte, must come back.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from xfinances.core.backup import BackupError, restore
from xfinances.core.models import Company

PROJECT = Path(__file__).resolve().parents[3]


def xfinances(data_dir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "XFINANCES_DATA_DIR": str(data_dir),
        "PYTHONPATH": str(PROJECT),
        "HUEY_IMMEDIATE": "1",
    }
    # Each install is its own SQLite file, whatever the suite itself runs on.
    for name in ("DATABASE_URL", "REDIS_URL", "XFINANCES_FILES_DIR"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-m", "xfinances", *args],
        env=env,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"xfinances {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result


def _normal(value: Any) -> Any:
    # SQLite keeps a decimal that arithmetic touched as a REAL (39.6399999999999); Django reads
    # it back as Decimal("39.64"), which is what the backup holds.
    return round(value, 6) if isinstance(value, float) else value


def table_rows(database: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(database) as connection:
        names = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        tables = {}
        for name in names:
            if name == "xfinances_cache":
                continue
            # When a migration ran is not data: compare which ones ran.
            columns = "app, name" if name == "django_migrations" else "*"
            rows = connection.execute(f'SELECT {columns} FROM "{name}"').fetchall()
            tables[name] = sorted(
                (tuple(_normal(v) for v in row) for row in rows), key=lambda r: repr(r)
            )
        return tables


def file_digests(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in root.rglob("*")
        if path.is_file()
    }


@pytest.fixture(scope="module")
def installs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    source = tmp_path_factory.mktemp("source")
    empty = tmp_path_factory.mktemp("empty")
    xfinances(source, "migrate", "-v0")
    # An empty install is a freshly migrated one: copy the database before the demo fills it.
    shutil.copy(source / "xfinances.sqlite3", empty / "xfinances.sqlite3")
    shutil.copy(source / "secret_key", empty / "secret_key")
    xfinances(source, "demo")
    archive = tmp_path_factory.mktemp("backups") / "xf.tar.gz"
    result = xfinances(source, "backup", str(archive), "--json")
    summary = json.loads(result.stdout)
    return {"source": source, "empty": empty, "archive": archive, "summary": summary}


def test_backup_lists_every_table_and_file(installs):
    summary = installs["summary"]
    assert summary["engine"] == "sqlite"
    assert summary["method"] == "sqlite online backup API"
    assert summary["tables"]["invoicing.document"] > 10
    assert summary["files"] == len(file_digests(installs["source"] / "files")) > 10
    with tarfile.open(installs["archive"]) as tar:
        names = tar.getnames()
    assert names[:2] == ["manifest.json", "data.jsonl"]
    assert sum(name.startswith("files/documents/") for name in names) == summary["files"]


def test_restore_into_an_empty_install_brings_back_every_row_and_file(installs):
    source, target = installs["source"], installs["empty"]
    result = xfinances(target, "restore", str(installs["archive"]), "--json")
    summary = json.loads(result.stdout)
    assert summary["rows"] == installs["summary"]["rows"]
    assert summary["files"] == installs["summary"]["files"]
    assert "core.company" in result.stderr  # progress went to stderr

    before, after = (
        table_rows(source / "xfinances.sqlite3"),
        table_rows(target / "xfinances.sqlite3"),
    )
    assert before.keys() == after.keys()
    differing = [name for name in before if before[name] != after[name]]
    assert not differing, differing
    # The demo's data came back, not only Django's own tables (permissions, content types and
    # migrations change in number whenever a model is added or dropped).
    own = ("auth_permission", "django_content_type", "django_migrations")
    assert sum(len(rows) for name, rows in after.items() if name not in own) > 250
    assert file_digests(source / "files") == file_digests(target / "files")

    # The restored install reads its own files: every stored PDF a document names is there.
    check = xfinances(
        target,
        "shell",
        "-c",
        "from xfinances.invoicing.models import Document as D; "
        "docs = D.objects.exclude(pdf_file=''); "
        "print(docs.count(), sum(d.pdf_file.storage.exists(d.pdf_file.name) for d in docs))",
    )
    named, present = map(int, check.stdout.strip().splitlines()[-1].split())
    assert named == present > 10

    # A second restore meets a full install: refused, nothing changed.
    refused = xfinances(target, "restore", str(installs["archive"]), check=False)
    assert refused.returncode != 0
    assert "already holds data" in refused.stderr and "--force" in refused.stderr
    assert table_rows(target / "xfinances.sqlite3") == after

    # --force replaces it; the files held before are moved aside, not deleted.
    (target / "files" / "stray.txt").write_text("kept aside")
    forced = xfinances(target, "restore", str(installs["archive"]), "--force", "--json")
    moved = Path(json.loads(forced.stdout)["moved_aside"])
    assert (moved / "stray.txt").read_text() == "kept aside"
    assert table_rows(target / "xfinances.sqlite3") == after
    assert file_digests(source / "files") == file_digests(target / "files")


def test_restore_refuses_a_non_empty_install(installs, company, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "files")
    with pytest.raises(BackupError, match="already holds data"):
        restore(installs["archive"])
    assert Company.objects.filter(pk=company.pk).exists()


def test_a_damaged_archive_changes_nothing(installs, tmp_path, db, settings):
    settings.MEDIA_ROOT = str(tmp_path / "files")  # an empty install: no stored files either
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(installs["archive"]) as src, tarfile.open(damaged, "w:gz") as out:
        for member in src.getmembers():
            data = src.extractfile(member)
            if member.name == "data.jsonl":
                assert data is not None
                lines = data.read().splitlines(keepends=True)
                body = b"".join(lines[:-1])  # the last row is lost
                member.size = len(body)
                out.addfile(member, fileobj=io.BytesIO(body))
            else:
                out.addfile(member, fileobj=data)
    with pytest.raises(BackupError, match="do not match its manifest"):
        restore(damaged)
    assert not Company.objects.exists()


def test_not_a_backup_is_refused(tmp_path, db, settings):
    settings.MEDIA_ROOT = str(tmp_path / "files")
    junk = tmp_path / "junk.tar.gz"
    with tarfile.open(junk, "w:gz") as tar:
        tar.add(__file__, arcname="notes.txt")
    with pytest.raises(BackupError, match="not an XFINANCES backup"):
        restore(junk)


PG_URL = os.environ.get("DATABASE_URL", "")


@pytest.mark.postgres
@pytest.mark.skipif(
    not PG_URL.startswith(("postgres://", "postgresql://")),
    reason="the PostgreSQL backup runs when DATABASE_URL is PostgreSQL (CI's second pass)",
)
def test_postgresql_backup_restores_every_row_and_file(tmp_path):
    """The same round trip on PostgreSQL: one REPEATABLE READ snapshot, restored into an empty
    database, every table equal, and new rows get fresh ids (sequences were reset)."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(PG_URL)
    admin = urlunsplit(parts._replace(path="/postgres"))
    base = parts.path.lstrip("/")
    names = {"source": f"{base}_backup_src", "target": f"{base}_backup_dst"}
    urls = {k: urlunsplit(parts._replace(path="/" + v)) for k, v in names.items()}

    def recreate(drop_only: bool = False) -> None:
        with psycopg.connect(admin, autocommit=True) as connection:
            for name in names.values():
                connection.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
                if not drop_only:
                    connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
        with psycopg.connect(url) as connection:
            tables = [
                t
                for (t,) in connection.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                )
                if t not in ("xfinances_cache", "django_migrations")
            ]
            return {
                t: sorted(
                    connection.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(t))),
                    key=repr,
                )
                for t in tables
            }

    recreate()
    try:
        dirs = {k: tmp_path / k for k in names}
        for key in names:
            dirs[key].mkdir()
            xfinances_on(urls[key], dirs[key], "migrate", "-v0")
        xfinances_on(urls["source"], dirs["source"], "demo")
        archive = tmp_path / "pg.tar.gz"
        summary = json.loads(
            xfinances_on(urls["source"], dirs["source"], "backup", str(archive), "--json").stdout
        )
        assert summary["method"] == "postgresql repeatable read transaction"
        xfinances_on(urls["target"], dirs["target"], "restore", str(archive))
        before, after = rows(urls["source"]), rows(urls["target"])
        assert [t for t in before if before[t] != after.get(t)] == []
        assert file_digests(dirs["source"] / "files") == file_digests(dirs["target"] / "files")
        created = xfinances_on(
            urls["target"],
            dirs["target"],
            "createcompany",
            "--eik",
            "131468980",
            "--name",
            "Нова ООД",
        )
        assert created.returncode == 0
    finally:
        recreate(drop_only=True)


def xfinances_on(url: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "XFINANCES_DATA_DIR": str(data_dir),
        "PYTHONPATH": str(PROJECT),
        "HUEY_IMMEDIATE": "1",
    }
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "xfinances", *args],
        env=env,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"xfinances {' '.join(args)}:\n{result.stderr[-3000:]}"
    return result
