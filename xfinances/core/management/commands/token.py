"""`xfinances token --email E [--name NAME]`: print a new API token for scripts."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xfinances.core import actions
from xfinances.core.audit import Actor
from xfinances.core.models import Source, User


class Command(BaseCommand):
    help = "Create an API token for a user and print it (it is shown only once)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", default="script", help="what the token is for")

    def handle(self, *args: Any, **o: Any) -> None:
        user = User.objects.filter(email=o["email"].strip().lower(), is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {o['email']}.")
        issued = actions.issue_api_token(Actor.system(Source.CLI), user, o["name"])
        self.stdout.write(issued.raw)
