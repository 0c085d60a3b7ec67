"""`xfinances worker`: the background worker (Huey consumer) on SQLite or Redis."""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the background worker (e-mail outbox, reminders, recurring invoices, imports)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--workers", type=int, default=None, help="worker threads")
        parser.add_argument(
            "--no-periodic",
            action="store_true",
            help="run queued jobs only; leave the timed jobs to one other worker (docs/deploy.md)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        extra = ["--workers", str(options["workers"])] if options["workers"] else []
        if options["no_periodic"]:
            extra.append("--no-periodic")
        call_command("run_huey", *extra)
