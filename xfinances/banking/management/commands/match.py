"""`xfinances match --company EIK [--user E] [--json]`: match the company's unmatched bank
entries to open documents now (as every import does for its own entries)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from xfinances.banking import actions
from xfinances.core.command_context import (
    action_error,
    add_company_arguments,
    company_and_actor,
)
from xfinances.core.exceptions import ActionError


class Command(BaseCommand):
    help = "Match unmatched bank entries to open documents."

    def add_arguments(self, parser: Any) -> None:
        add_company_arguments(parser)
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        company, actor = company_and_actor(options)
        try:
            result = actions.match_entries(actor, company)
        except ActionError as error:
            raise action_error(error) from None
        data = {"matched": result.matched, "review": result.review, "unmatched": result.unmatched}
        if options["json"]:
            self.stdout.write(json.dumps(data))
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"matched {result.matched}, review {result.review}, unmatched {result.unmatched}"
            )
        )
