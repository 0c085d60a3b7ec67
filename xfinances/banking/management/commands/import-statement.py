"""`xfinances import-statement FILE --company EIK [--account IBAN] [--user E] [--json]`: take in a
bank statement (camt.052/053/054, MT940, CSV/TXT/XLSX), show progress, then the summary: new,
duplicates, matched automatically, waiting for review. `--json` prints the summary as one JSON
object (keys new, duplicates, matched, review and more). A refused file exits non-zero."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xfinances.banking import actions, csv_profiles, queries
from xfinances.banking.models import ImportSource
from xfinances.core.command_context import (
    action_error,
    add_company_arguments,
    company_and_actor,
)
from xfinances.core.exceptions import ActionError
from xfinances.treasury.models import MoneyAccount


class Command(BaseCommand):
    help = "Import a bank statement file and match its payments to documents."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="the statement file")
        add_company_arguments(parser)
        parser.add_argument(
            "--account", default="", help="the account's IBAN (default: the file's)"
        )
        parser.add_argument(
            "--profile",
            default="",
            help="column profile of a CSV/XLSX export: "
            + ", ".join(p.key for p in csv_profiles.BUILTIN)
            + " or company-<id> (default: recognised from its header)",
        )
        parser.add_argument("--no-match", action="store_true", help="import without matching")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        company, actor = company_and_actor(options)
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        account = None
        if options["account"]:
            iban = options["account"].replace(" ", "").upper()
            account = MoneyAccount.objects.filter(company=company, iban=iban).first()
            if account is None:
                raise CommandError(f"{company.name} has no account {iban}.")
        quiet = options["json"] or not sys.stderr.isatty()
        size = path.stat().st_size

        def progress(done: int) -> None:
            if not quiet:
                sys.stderr.write(f"\r{done:,} entries read …")
                sys.stderr.flush()

        profile = None
        if options["profile"]:
            profile = queries.column_profile(company, options["profile"])
            if profile is None:
                raise CommandError(f"No column profile {options['profile']!r}.")
        try:
            with path.open("rb") as source:
                summary = actions.import_statement(
                    actor,
                    company,
                    source,
                    file_name=path.name,
                    account=account,
                    profile=profile,
                    import_source=ImportSource.CLI,
                    progress=progress,
                    match=not options["no_match"],
                )
        except ActionError as error:
            if options["json"]:
                message = str(action_error(error))
                self.stdout.write(json.dumps({"error": message}, ensure_ascii=False))
            raise action_error(error) from None
        if not quiet:
            sys.stderr.write("\n")
        if options["json"]:
            self.stdout.write(json.dumps(summary.as_dict(), ensure_ascii=False))
            return
        self.stdout.write(
            f"{path.name} ({size:,} bytes, {summary.format}) → {summary.account}: "
            f"{summary.statements} statement(s), {summary.entries} entries"
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"new {summary.new}, duplicates {summary.duplicates}, "
                f"matched {summary.matched}, review {summary.review}"
            )
        )
        if summary.typed:
            self.stdout.write(
                f"{summary.typed} entries had been typed in by hand: linked to those movements."
            )
        if summary.maybe_typed:
            self.stdout.write(
                self.style.WARNING(
                    f"{summary.maybe_typed} entries may already be typed in by hand: "
                    "see the review queue."
                )
            )
        if summary.pending:
            self.stdout.write(f"{summary.pending} pending entries skipped (not booked yet).")
        for line in summary.balance_breaks:
            self.stdout.write(self.style.WARNING(line))
