"""`xfinances rates-import FILE`: load ECB/BNB reference exchange rates from a file."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xfinances.core import actions
from xfinances.core.audit import Actor
from xfinances.core.models import Source
from xfinances.core.rates import read_rates


class Command(BaseCommand):
    help = "Import reference exchange rates (ECB XML or CSV, or date,currency,rate CSV)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **o: Any) -> None:
        path: Path = o["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        parsed = read_rates(path.read_bytes())
        if parsed.errors:
            raise CommandError("Nothing imported:\n" + "\n".join(parsed.errors[:20]))
        loaded = actions.load_reference_rates(
            Actor.system(Source.CLI), parsed.rates, source=path.name[:20]
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{loaded.created} new, {loaded.updated} changed, {loaded.unchanged} unchanged."
            )
        )
