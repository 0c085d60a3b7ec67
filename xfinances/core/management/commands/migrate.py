"""`xfinances migrate`: Django's migrate, plus the cache table the default cache needs."""

from typing import Any

from django.core.management import call_command
from django.core.management.commands.migrate import Command as DjangoMigrate


class Command(DjangoMigrate):
    def handle(self, *args: Any, **options: Any) -> None:
        super().handle(*args, **options)
        call_command("createcachetable", verbosity=0, database=options.get("database", "default"))
