"""`xfinances backup FILE`: every table and stored file in one archive, while the server runs."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xfinances.core.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Write a consistent backup of the database and the stored files into FILE (tar.gz). "
        "Safe while the server and workers run."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "file", type=Path, help="the archive to write, e.g. xf-2026-12-04.tar.gz"
        )
        parser.add_argument(
            "--json", action="store_true", help="print a JSON summary (progress goes to stderr)"
        )

    def handle(self, *args: Any, **o: Any) -> None:
        as_json = bool(o["json"])

        def progress(line: str) -> None:
            (sys.stderr if as_json else self.stdout).write(line + "\n")

        try:
            summary = backup(o["file"], progress=progress)
        except BackupError as error:
            raise CommandError(str(error)) from None
        if as_json:
            self.stdout.write(json.dumps(summary.as_dict(), indent=1))
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {summary.archive}: {summary.rows} rows in "
                f"{sum(1 for n in summary.tables.values() if n)} tables, {summary.files} files, "
                f"{summary.archive_bytes / 1e6:.1f} MB in {summary.seconds:.1f} s "
                f"({summary.method})."
            )
        )
