"""`xfinances run-reminders --company EIK [--user E] [--date D] [--dry-run] [--manual]`: the
reminder run of a day, as the worker's daily run does it (claimed once per company and day);
`--dry-run` prints what it would send (the same plan as the preview page) and sends nothing;
`--manual` sends what is due and not yet sent even when the day's run was already made."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from xfinances.core import formatting
from xfinances.core.command_context import add_company_arguments, company_and_actor
from xfinances.core.exceptions import ActionError, InvalidInput, NotAllowed
from xfinances.core.permissions import ensure_can
from xfinances.parties.models import Party
from xfinances.payments import actions, queries
from xfinances.payments.models import RunKind


def parse_day(value: str | None) -> dt.date:
    if not value:
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date: {value!r} is not a date (YYYY-MM-DD).") from None


class Command(BaseCommand):
    help = "Send the payment reminders of a day (or print them with --dry-run)."

    def add_arguments(self, parser: Any) -> None:
        add_company_arguments(parser)
        parser.add_argument("--date", default="", help="the run's day, YYYY-MM-DD (default today)")
        parser.add_argument("--dry-run", action="store_true", help="print what would be sent")
        parser.add_argument(
            "--manual", action="store_true", help="run even if the day's run was already made"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        company, actor = company_and_actor(options)
        day = parse_day(options["date"])
        if options["dry_run"]:
            self._preview(company, actor, day)
            return
        kind = RunKind.MANUAL if options["manual"] else RunKind.SCHEDULED
        try:
            result = actions.run_reminders(actor, company, day, kind=kind)
        except NotAllowed as error:
            raise CommandError(str(error) or "Your role does not allow this action.") from None
        except InvalidInput as error:
            raise CommandError("; ".join(" ".join(v) for v in error.errors.values())) from None
        except ActionError as error:
            raise CommandError(str(error)) from None
        if result is None:
            self.stdout.write(
                f"The run of {formatting.date(day)} was already made, or reminders are "
                "switched off (use --manual to send what is due anyway)."
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.emails} e-mails queued, {result.reminders} reminders recorded."
            )
        )

    def _preview(self, company: Any, actor: Any, day: dt.date) -> None:
        try:
            ensure_can(actor, company, "payments.view")
        except NotAllowed as error:
            raise CommandError(str(error) or "Your role does not allow this action.") from None
        planned, levels = queries.reminder_plan(company, day)
        names = dict(
            Party.objects.filter(
                company=company, pk__in={e.party_id for e in planned.emails}
            ).values_list("id", "name")
        )
        for email in planned.emails:
            self.stdout.write(
                f"{names.get(email.party_id, '')} — {levels[email.level_id].display_name}"
            )
            for line in email.lines:
                document = line.document
                self.stdout.write(
                    f"  {document.number}: "
                    f"{formatting.amount(document.remaining)} {document.currency}, "
                    f"{line.days_overdue} days overdue"
                    + (f", interest {formatting.amount(line.interest)}" if line.interest else "")
                )
        self.stdout.write(
            f"Dry run for {formatting.date(day)}: {len(planned.emails)} e-mails would be sent; "
            "nothing was sent."
        )
