"""`xfinances restore FILE`: load a backup into an empty install (or replace one with --force)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xfinances.core.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup written by `xfinances backup` into this install. The install must be "
        "migrated and empty; --force replaces what it holds. Stop the server and workers first."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path, help="the archive written by `xfinances backup`")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace an install that holds data (its stored files are moved aside)",
        )
        parser.add_argument(
            "--json", action="store_true", help="print a JSON summary (progress goes to stderr)"
        )

    def handle(self, *args: Any, **o: Any) -> None:
        as_json = bool(o["json"])

        def progress(line: str) -> None:
            (sys.stderr if as_json else self.stdout).write(line + "\n")

        try:
            summary = restore(o["file"], force=bool(o["force"]), progress=progress)
        except BackupError as error:
            raise CommandError(str(error)) from None
        if as_json:
            self.stdout.write(json.dumps(summary.as_dict(), indent=1))
            return
        if summary.moved_aside:
            self.stdout.write(f"The files held before are in {summary.moved_aside}.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {summary.rows} rows and {summary.files} files from {summary.archive} "
                f"in {summary.seconds:.1f} s."
            )
        )
