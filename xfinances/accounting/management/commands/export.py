"""`xfinances export --company EIK --target NAME --period YYYY-MM --out DIR [--kinds sale,…]
[--user E] [--no-batch]`: a period's files of one target written into DIR (target `nap`:
PRODAGBI.TXT, POKUPKI.TXT and DEKLAR.TXT). By default the export is also kept as a batch (its
documents lock, their export state records it), exactly as from the UI; `--no-batch` only
writes the files. All files are written or none (a refused export names every document)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xfinances.accounting import actions, exporters
from xfinances.accounting.inputs import ExportInput
from xfinances.core.command_context import add_company_arguments, company_and_actor
from xfinances.core.exceptions import ActionError, InvalidInput, NotAllowed
from xfinances.core.permissions import ensure_can


class Command(BaseCommand):
    help = "Export a month to an accounting program or the NAP VAT ledgers."

    def add_arguments(self, parser: Any) -> None:
        add_company_arguments(parser)
        names = ", ".join(sorted(e.name for e in exporters.all_exporters()))
        parser.add_argument("--target", required=True, help=f"one of: {names}")
        parser.add_argument("--period", required=True, help="the month, YYYY-MM")
        parser.add_argument("--out", required=True, help="the folder to write the files into")
        parser.add_argument("--kinds", default="", help="sale,purchase,payment,cash,bank")
        parser.add_argument(
            "--no-batch", action="store_true", help="only write the files (no batch, no lock)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        company, actor = company_and_actor(options)
        data = self._input(options)
        exporter = exporters.get(data.target)
        assert exporter is not None  # the input names an offered format
        out = Path(options["out"]).expanduser()
        problem = actions.folder_problem(str(out.resolve()))
        if problem:
            raise CommandError(f"--out: {problem}")
        started = time.perf_counter()
        try:
            if options["no_batch"]:
                ensure_can(actor, company, "accounting.export")
                written = actions.write_period_files(company, data, out)
                records = None
            else:
                result = actions.export_period(actor, company, data)
                assert result.batch is not None
                written = actions.unpack_batch(result.batch, out)
                records = result.batch.records
        except NotAllowed as error:
            raise CommandError(str(error) or "Your role does not allow this action.") from None
        except InvalidInput as error:
            lines = [
                f"{k}: {m}" if k != "__all__" else m for k, v in error.errors.items() for m in v
            ]
            raise CommandError("Nothing was exported:\n" + "\n".join(lines)) from None
        except ActionError as error:
            raise CommandError(str(error)) from None
        seconds = time.perf_counter() - started
        for path in written:
            self.stdout.write(f"{path} ({path.stat().st_size} bytes)")
        count = f"{records} documents, " if records is not None else ""
        self.stdout.write(f"{exporter.label} {data.period.label}: {count}{seconds:.1f} s")

    def _input(self, options: dict[str, Any]) -> ExportInput:
        """The export's typed input from the options, with the command's own messages."""
        try:
            return ExportInput.read(
                {
                    "target": options["target"],
                    "period": options["period"],
                    "kinds": options["kinds"],
                }
            )
        except InvalidInput as error:
            if "target" in error.errors:
                names = ", ".join(sorted(e.name for e in exporters.all_exporters()))
                raise CommandError(
                    f"--target: unknown target {options['target']!r} ({names})."
                ) from None
            if "period" in error.errors:
                raise CommandError(f"--period: {options['period']!r} is not YYYY-MM.") from None
            lines = [f"--{k}: {m}" for k, found in error.errors.items() for m in found]
            raise CommandError("\n".join(lines)) from None
