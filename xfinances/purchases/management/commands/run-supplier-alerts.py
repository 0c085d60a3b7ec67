"""`xfinances run-supplier-alerts --company EIK [--user E] [--date D]`: the daily supplier
payment alerts of one company (claimed once per company and day, like the worker's run)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from xfinances.core import formatting
from xfinances.core.command_context import add_company_arguments, company_and_actor
from xfinances.core.exceptions import NotAllowed
from xfinances.core.permissions import ensure_can
from xfinances.purchases.actions import run_supplier_alerts


class Command(BaseCommand):
    help = "Send the supplier payment alerts of a day."

    def add_arguments(self, parser: Any) -> None:
        add_company_arguments(parser)
        parser.add_argument("--date", default="", help="the run's day, YYYY-MM-DD (default today)")

    def handle(self, *args: Any, **options: Any) -> None:
        company, actor = company_and_actor(options)
        value = options["date"]
        try:
            day = dt.date.fromisoformat(value) if value else timezone.localdate()
        except ValueError:
            raise CommandError(f"--date: {value!r} is not a date (YYYY-MM-DD).") from None
        try:
            ensure_can(actor, company, "purchases.pay")
        except NotAllowed as error:
            raise CommandError(str(error) or "Your role does not allow this action.") from None
        result = run_supplier_alerts(company, day)
        if not result.claimed:
            self.stdout.write(f"The alerts of {formatting.date(day)} were already sent.")
            return
        self.stdout.write(
            self.style.SUCCESS(f"{result.alerts} alerts, {result.emails} e-mails queued.")
        )
