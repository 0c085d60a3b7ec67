"""`xfinances import-parties --company EIK [--user E] [--dry-run] FILE`: clients and suppliers
from CSV or XLSX, the same rules as the import page (invalid rows are listed and skipped)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xfinances.core.command_context import add_company_arguments, company_and_actor
from xfinances.core.exceptions import InvalidInput, NotAllowed
from xfinances.parties import actions
from xfinances.parties.importing import read_parties


class Command(BaseCommand):
    help = "Import clients and suppliers from a CSV or XLSX file."

    def add_arguments(self, parser: Any) -> None:
        add_company_arguments(parser)
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="check the file, import nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        company, actor = company_and_actor(options)
        content = path.read_bytes()
        if options["dry_run"]:
            parsed = read_parties(content, path.name)
            if parsed.errors:
                raise CommandError("; ".join(parsed.errors))
            for row in parsed.invalid_rows:
                self.stdout.write(f"line {row.line}: {row.errors}")
            self.stdout.write(
                f"{len(parsed.valid_rows)} valid, {len(parsed.invalid_rows)} with errors."
            )
            return
        try:
            upload = actions.upload_party_import(
                actor, company, filename=path.name, content=content
            )
            outcome = actions.import_parties(actor, company, upload)
        except NotAllowed as error:
            raise CommandError(str(error))
        except InvalidInput as error:
            raise CommandError("; ".join(" ".join(v) for v in error.errors.values()))
        for skipped in outcome.skipped:
            self.stdout.write(f"line {skipped['line']}: skipped: {skipped['errors']}")
        self.stdout.write(
            self.style.SUCCESS(f"{len(outcome.created)} imported, {len(outcome.skipped)} skipped.")
        )
